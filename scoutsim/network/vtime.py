"""A shared uplink by virtual time: the same fluid physics as :class:`SharedUplink`, O(log n) per event.

docs/models/virtual_time.md states the model. Where the rates are weighted processor sharing
with fixed weights, one clock per sharing domain says how far every transfer has got, and a heap
of finish tags says which one ends first (the fluid GPS of Parekh and Gallager 1993):

* ``work_conserving``: ``dV/dt = C / W``, ``W`` the weight in flight. A transfer of ``S`` bytes
  and weight ``w`` joining at ``V0`` ends when ``V`` reaches its tag ``V0 + S / w``, whatever
  ``C`` and ``W`` do in between; its remaining bytes are ``w (tag - V)``.
* ``reserved``: one clock ``U`` with ``dU/dt = C / W_total`` serves every slot; slot ``a``'s own
  clock advances by ``w_a / n_a`` per unit of ``U`` and its transfers carry tags in bytes. A
  heap of slots keyed by their first finish in ``U`` is untouched by capacity changes.

A join, a finish or a cancellation touches one heap entry (O(log n)); a capacity change touches
none. Finish times equal the O(n) model's up to rounding (``tests/test_vtime.py``: 1e-9
relative); transfers due within the same slack finish together and succeed in the order they
joined, as there. An online rule (:meth:`VirtualTimeUplink.set_online`) re-weights every
transfer in its domain (its slot's weight, or 1 within a slice) at every event and re-tags it
from its bytes left (``tag = clock + left / weight``; a weight of 0 parks it off the heap):
O(n) per event, as in the exact model. It carries no TCP corrections (``CARRIES_TCP``): their
rate caps make the sharing max-min. :mod:`scoutsim.network.choose` picks the model.
"""

from __future__ import annotations

import heapq
from typing import Sequence

import simpy

from scoutsim.network.uplink import Uplink


class _Job:
    __slots__ = ("slot", "size", "tag", "done", "seq", "alive", "due", "weight", "remaining")

    def __init__(self, slot: int, size: float, tag: float, done: simpy.Event, seq: int, due: float, weight: float):
        self.slot = slot
        self.size = size
        self.tag = tag
        self.done = done
        self.seq = seq
        self.alive = True
        self.due = due  # when its last byte must be sent (pool_view, an online rule)
        self.weight = weight  # in its domain: the slot's weight, or within a slice 1; 0: parked
        self.remaining = size  # bytes left: kept for a parked transfer, set for an online rule


class _Slice:
    """One slot's reserved slice: its own clock and the tags of its transfers."""

    __slots__ = ("clock", "synced_at", "heap", "count", "weight", "version")

    def __init__(self):
        self.clock = 0.0  # bytes per unit weight each of its transfers has sent since the clock's zero
        self.synced_at = 0.0  # the uplink's U when ``clock`` was last brought up to date
        self.heap: list[tuple[float, int, _Job]] = []
        self.count = 0
        self.weight = 0.0  # of its transfers not parked (each 1 without an online rule)
        self.version = 0


class VirtualTimeUplink(Uplink):
    """:class:`SharedUplink`'s physics by virtual time, without ``tcp``."""

    CARRIES_ONLINE = True
    CARRIES_TCP = False

    def __init__(self, env: simpy.Environment, weights: Sequence[float], sharing: str = "work_conserving"):
        super().__init__(env, weights, sharing)
        self._jobs: dict[simpy.Event, _Job] = {}
        self._seq = 0
        self._clock = 0.0  # V (work-conserving) or U (reserved)
        self._heap: list = []  # (tag, seq, job) or (U due, version, slot)
        self._slices: dict[int, _Slice] = {}
        self._entries = 0  # heap entries pushed for slices: each one's version
        # Under work_conserving with a rule: the rule's weight in flight, which drives the
        # clock in place of the slots' (_active_weight stays theirs, for rate_if_joined).
        self._moving = 0.0

    @property
    def active(self) -> list:
        """The transfers in flight, in the order they joined (for inspection, O(n))."""
        return sorted(self._jobs.values(), key=lambda j: j.seq)

    # ---------------------------------------------------------------- public
    def _start(self, slot: int, size: float, done: simpy.Event, due: float) -> None:
        self._advance()
        job = _Job(slot, size, 0.0, done, self._seq, due, 1.0 if self.reserved else self.weights[slot])
        self._seq += 1
        self._jobs[done] = job
        self._in_flight[slot] += 1
        self._active_weight += self.weights[slot]
        if self.reserved:
            sl = self._slice(slot)
            job.tag = sl.clock + size
            heapq.heappush(sl.heap, (job.tag, job.seq, job))
            sl.count += 1
            sl.weight += 1.0
            self._requeue(slot, sl)
        else:
            job.tag = self._clock + size / self.weights[slot]
            heapq.heappush(self._heap, (job.tag, job.seq, job))
        self._reschedule()

    def _stop(self, done: simpy.Event) -> float:
        job = self._find(done)
        if job is None:
            return 0.0
        self._advance()
        if self.reserved:
            sl = self._slice(job.slot)
        remaining = self._left(job)
        self._drop(job)
        if self.reserved:
            self._requeue(job.slot, sl)
        sent = max(job.size - remaining, 0.0)
        self.bytes_sent += sent
        self._reschedule()
        return sent

    def _find(self, done: simpy.Event) -> _Job | None:
        return self._jobs.get(done)

    def progress(self, job: _Job) -> tuple[float, float]:
        """(bytes left now, rate now) of ``job``: its tag less the clock of the last event,
        less what it sent since (nothing is advanced, so reading changes no float)."""
        if not job.weight:
            return job.remaining, 0.0
        w = self.weights[job.slot]
        if self.reserved:
            sl = self._slices[job.slot]
            rate = self.capacity * w / self.total_weight / sl.weight * job.weight
            left = job.weight * (job.tag - sl.clock - (self._clock - sl.synced_at) * w / sl.weight)
        else:
            rate = self.capacity * job.weight / self._domain_weight()
            left = job.weight * (job.tag - self._clock)
        return max(left - rate * (self.env.now - self._last), 0.0), rate

    def set_online(self, rule) -> None:
        """As :meth:`SharedUplink.set_online`: ``rule.weigh(transfers, now, capacity)`` weighs
        each pool's transfers (by their ``remaining`` and ``due``) at every event."""
        self._advance()
        self.online = rule
        self._reschedule()

    def _domain_weight(self) -> float:
        """The weight in flight that the work-conserving clock divides the capacity by."""
        return self._active_weight if self.online is None else self._moving

    def _left(self, job: _Job) -> float:
        """Bytes left of ``job`` at the last event (its slice's clock brought up to date)."""
        if not job.weight:
            return job.remaining
        return job.weight * (job.tag - (self._slices[job.slot].clock if self.reserved else self._clock))

    def _reweigh(self) -> None:
        """An online rule's weights for every pool, and every transfer re-tagged by them."""
        pools: dict[int, list[_Job]] = {}
        if self.reserved:
            self._heap = []  # every slice is requeued below: its old entries would pile up
        for job in self.active:  # join order, as the exact model hands the rule its pools
            pools.setdefault(job.slot if self.reserved else 0, []).append(job)
        for key, pool in pools.items():
            sl = self._slice(key) if self.reserved else None
            capacity = self.capacity * self.weights[key] / self.total_weight if sl else self.capacity
            for job in pool:
                job.remaining = self._left(job)
            weights = self.online.weigh(pool, self.env.now, capacity)
            if sum(weights) <= 0:
                weights = [1.0] * len(pool)
            clock = sl.clock if sl else self._clock
            for job, w in zip(pool, weights):
                job.weight = float(w)
                job.tag = clock + job.remaining / w if w > 0 else 0.0
            heap = [(job.tag, job.seq, job) for job in pool if job.weight]
            heapq.heapify(heap)
            total = sum(job.weight for job in pool)
            if sl:
                sl.heap, sl.weight = heap, total
                self._requeue(key, sl)
            else:  # work_conserving: the one pool is every transfer
                self._heap, self._moving = heap, total

    # ---------------------------------------------------------------- clocks
    def _advance(self) -> None:
        now = self.env.now
        dt = now - self._last
        if dt > 0 and self._jobs:
            if self.capacity > 0:
                self.busy_time += dt
                if self.reserved:
                    self._clock += self.capacity * dt / self.total_weight
                else:
                    self._clock += self.capacity * dt / self._domain_weight()
        self._last = now

    def _slice(self, slot: int) -> _Slice:
        sl = self._slices.get(slot)
        if sl is None:
            sl = self._slices[slot] = _Slice()
            sl.synced_at = self._clock
        elif sl.count:
            # Bring the slice's clock to U: its transfers got w / (their weight) per unit of U
            # each; none, while an online rule has them all parked.
            if sl.weight:
                sl.clock += (self._clock - sl.synced_at) * self.weights[slot] / sl.weight
            sl.synced_at = self._clock
        else:
            sl.clock = 0.0  # empty: restart from zero so that tags stay small
            sl.synced_at = self._clock
        return sl

    def _requeue(self, slot: int, sl: _Slice) -> None:
        """Push the slice's first finish, in U, after its transfer count changed."""
        # Versions count across slices: a slice made again after it emptied must not take
        # for its own the entries its predecessor left in the heap.
        self._entries += 1
        sl.version = self._entries
        heap = sl.heap
        while heap and not heap[0][2].alive:
            heapq.heappop(heap)
        if not heap:
            if not sl.count:
                del self._slices[slot]
            return
        due = self._clock + (heap[0][0] - sl.clock) * sl.weight / self.weights[slot]
        heapq.heappush(self._heap, (due, sl.version, slot))

    def _drop(self, job: _Job) -> None:
        job.alive = False
        del self._jobs[job.done]
        slot = job.slot
        self._in_flight[slot] -= 1
        self._active_weight -= self.weights[slot]
        if self.reserved:
            sl = self._slices[slot]
            sl.count -= 1
            sl.weight -= job.weight
        else:
            self._moving -= job.weight

    def _top(self):
        """The first live heap entry (stale ones are dropped on the way), or None."""
        heap = self._heap
        while heap:
            entry = heap[0]
            if self.reserved:
                sl = self._slices.get(entry[2])
                if sl is not None and sl.version == entry[1]:
                    return entry
            elif entry[2].alive:
                return entry
            heapq.heappop(heap)
        return None

    # ---------------------------------------------------------------- events
    def _next_finish(self) -> tuple[float, None] | None:
        if not self._jobs:
            self._active_weight = self._moving = 0.0  # drop accumulated rounding
            self._clock = 0.0  # and restart the clock, so that tags stay small
            self._heap.clear()
            self._slices.clear()
            return None
        if self.online is not None:
            self._reweigh()
        if self.capacity <= 0:
            return None  # zero capacity: wait for the channel to change
        top = self._top()
        per = self.total_weight if self.reserved else self._domain_weight()
        return max((top[0] - self._clock) * per / self.capacity, 0.0), None

    def _ended(self, _what: None, slack: float) -> list[_Job]:
        done: list[_Job] = []
        touched = []  # reserved: the slices whose transfers were taken
        # The heap's first entry is what this event was scheduled for (nothing changed since,
        # or the version would differ): it ends now, whatever the clocks' rounding left of it.
        # Judged by the clocks alone, a remainder above the slack but below the resolution of
        # ``env.now`` was rescheduled at a delay that did not move the clock, for ever.
        # Reserved, in U: a transfer is due when its remaining bytes are within rate x slack,
        # i.e. its slice's due U within (C / W_total) x slack of now.
        per = self.total_weight if self.reserved else self._domain_weight()
        limit = self._clock + self.capacity / per * slack
        scheduled = True
        while (top := self._top()) is not None and (scheduled or top[0] <= limit):
            heapq.heappop(self._heap)
            if not self.reserved:
                done.append(top[2])
                scheduled = False
                continue
            slot = top[2]
            sl = self._slice(slot)
            rate_slack = self.capacity / self.total_weight * self.weights[slot] / sl.weight * slack
            while sl.heap and (not sl.heap[0][2].alive or scheduled or sl.heap[0][0] - sl.clock <= rate_slack):
                _, _, job = heapq.heappop(sl.heap)
                if job.alive:
                    done.append(job)
                    scheduled = False
            touched.append((slot, sl))
        for job in done:
            self._drop(job)
        for slot, sl in touched:
            self._requeue(slot, sl)
        done.sort(key=lambda j: j.seq)  # as the exact model: in the order they joined
        return done
