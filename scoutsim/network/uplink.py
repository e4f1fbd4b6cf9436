"""A shared uplink as an exact, event-driven fluid model (docs/models/uplink.md).

Every transfer in flight drains its remaining bytes at a rate set by the sharing rule; rates
change only at events (a join, a finish, a capacity change ``C(t)``), so each finish time is
exact, with no time step. With ``w_a`` the weight the allocator gave agent ``a``:

* ``work_conserving`` (weighted processor sharing): a transfer of ``a`` gets
  ``C(t) w_a / sum of w over the transfers in flight``; nothing idles while anything is in flight.
* ``reserved`` (network slicing, the study's setting): ``a`` owns the slice
  ``C(t) w_a / sum of w over all agents of the uplink``, split equally among its transfers;
  slices of idle agents stay idle.

:class:`Uplink` is what both uplink models share (the weights, these rules' shares, the pool
view). :class:`SharedUplink` keeps every transfer's remaining bytes (:class:`FluidLoop`, the
exact loop the cell model runs too) and recomputes every rate at each event: O(transfers in
flight). With ``tcp`` (:class:`scoutsim.network.tcp.TcpModel`) each transfer carries its
segments' headers and waits out its handshake and slow-start ramp before it drains as a fluid,
and under loss every rate is capped by TCP's loss-limited throughput (weighted max-min).

Units: capacity in bytes per second (1 Mbps = 125,000 bytes/s), sizes in bytes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Sequence

import simpy

# follow and SIMULTANEOUS stay importable from here, where 0.2 had them.
from scoutsim.network.link import BYTES_PER_S_PER_MBPS, SIMULTANEOUS, Link, PoolView, follow  # noqa: F401
from scoutsim.network.tcp import water_fill

if TYPE_CHECKING:
    from scoutsim.network.tcp import TcpModel


class Transfer:
    __slots__ = ("slot", "size", "remaining", "rate", "done", "due")

    def __init__(self, slot: int, size: float, done: simpy.Event, due: float = math.inf):
        self.slot = slot
        self.size = size
        self.remaining = size
        self.rate = 0.0
        self.done = done
        self.due = due  # when its last byte must be sent; read only by an online rule


class FluidLoop(Link):
    """The exact models (:class:`SharedUplink`, :class:`scoutsim.network.cell.Network`): each
    transfer's bytes left, brought up to now at each event, at its rate (``_set_rates``);
    ``_joined`` and ``_left`` keep a model's tallies as one joins the fluid link or leaves it."""

    active: list[Transfer]
    _in_flight: list[int]  # transfers per slot
    _set_rates: Callable[[], None]

    def _joined(self, t: Transfer) -> None:
        pass

    def _left(self, t: Transfer) -> None:
        pass

    def progress(self, t: Transfer) -> tuple[float, float]:
        return max(t.remaining - t.rate * (self.env.now - self._last), 0.0), t.rate

    def _find(self, done: simpy.Event) -> Transfer | None:
        for t in self.active:
            if t.done is done:
                return t
        return None

    def _join(self, slot: int, nbytes: float, done: simpy.Event, due: float = math.inf) -> None:
        self._advance()
        t = Transfer(slot, nbytes, done, due)
        self.active.append(t)
        self._in_flight[slot] += 1
        self._joined(t)
        self._reschedule()

    def _cancel(self, t: Transfer) -> float:
        """Take ``t`` off the fluid link now; the bytes it had sent."""
        self._advance()
        self.active.remove(t)
        self._in_flight[t.slot] -= 1
        self._left(t)
        sent = max(t.size - t.remaining, 0.0)
        self.bytes_sent += sent
        self._reschedule()
        return sent

    def _advance(self) -> None:
        now = self.env.now
        dt = now - self._last
        if dt > 0 and self.active:
            moving = False
            for t in self.active:
                t.remaining -= t.rate * dt
                moving = moving or t.rate > 0
            if moving:
                self.busy_time += dt
        self._last = now

    def _next_finish(self) -> tuple[float, Transfer] | None:
        if not self.active:
            return None
        self._set_rates()
        # The first to finish at these rates. It ends when its timeout fires, whatever
        # rounding left of its bytes: a remainder below the clock's resolution would otherwise
        # be rescheduled at a delay that does not move the clock, for ever (sim/stall.py).
        first, target = math.inf, None
        for t in self.active:
            if t.rate > 0 and t.remaining / t.rate < first:
                first, target = t.remaining / t.rate, t
        return None if target is None else (first, target)  # None: zero capacity, wait for a change

    def _ended(self, target: Transfer, slack: float) -> list[Transfer]:
        ended: list[Transfer] = []
        keep: list[Transfer] = []
        for t in self.active:
            # The one scheduled, and any whose bytes left would take at most the slack.
            (ended if t is target or (t.rate > 0 and t.remaining <= t.rate * slack) else keep).append(t)
        self.active = keep
        for t in ended:
            self._in_flight[t.slot] -= 1
            self._left(t)
            t.remaining = 0.0
        return ended


class Uplink(Link):
    """One uplink of weighted slots shared by the rules above: the weights, the shares and the
    pool view, whatever keeps the transfers (:class:`SharedUplink` their bytes,
    :class:`scoutsim.network.vtime.VirtualTimeUplink` finish tags). ``_cap`` caps every rate."""

    _cap = math.inf  # TCP's loss-limited rate (SharedUplink with tcp)

    def __init__(self, env: simpy.Environment, weights: Sequence[float], sharing: str):
        if sharing not in ("work_conserving", "reserved"):
            raise ValueError(f"unknown sharing {sharing!r}")
        if any(w <= 0 for w in weights):
            raise ValueError("every agent needs a positive weight")
        super().__init__(env)
        self.weights = list(weights)
        self.total_weight = float(sum(weights))
        self.reserved = sharing == "reserved"
        self.capacity = 0.0
        self._in_flight = [0] * len(weights)  # transfers per slot
        self._active_weight = 0.0  # the weight of the transfers in flight

    def set_capacity(self, mbps: float) -> None:
        self._advance()
        self.capacity = mbps * BYTES_PER_S_PER_MBPS
        self._reschedule()

    def rate_if_joined(self, slot: int) -> float:
        return min(self._share(slot, self._active_weight, self._in_flight[slot]), self._cap)

    def _share(self, slot: int, weight_in_flight: float, own_in_flight: int) -> float:
        """Uncapped rate of one more transfer of ``slot`` beside the given ones."""
        w = self.weights[slot]
        if self.reserved:
            return self.capacity * w / self.total_weight / (own_in_flight + 1)
        return self.capacity * w / (weight_in_flight + w)

    def fair_share(self, slot: int, mean_capacity: float) -> float:
        return mean_capacity * self.weights[slot] / self.total_weight

    def pool_view(self, slot: int) -> PoolView:
        """The pool is the link under ``work_conserving``, the agent's slice under
        ``reserved``; every transfer of it would get all of it alone, and nothing else limits
        the new one."""
        capacity = self.capacity * (self.weights[slot] / self.total_weight if self.reserved else 1.0)
        pool = [t for t in self.active if not self.reserved or t.slot == slot]
        return capacity, [(self.progress(t)[0], t.due, capacity) for t in pool], capacity


class SharedUplink(FluidLoop, Uplink):
    CARRIES_ONLINE = True
    CARRIES_TCP = True

    def __init__(self, env: simpy.Environment, weights: Sequence[float], sharing: str = "work_conserving",
                 tcp: TcpModel | None = None):
        super().__init__(env, weights, sharing)
        self.active = []
        # Optional TCP corrections (scoutsim/network/tcp.py): a start-up delay per transfer and a
        # loss-limited cap on every transfer's rate. None keeps the pure fluid model.
        self.tcp = tcp
        self._cap = tcp.rate_cap if tcp is not None else math.inf
        self._ramping = [0] * len(weights)  # transfers per slot in their TCP ramp
        self._ramping_weight = 0.0
        self._ramp_waiting: list[simpy.Event] = []  # completion events of transfers in their ramp
        self._ramp_cancelled: set[int] = set()

    def _start(self, slot: int, nbytes: float, done: simpy.Event, due: float) -> None:
        if self.tcp is not None:
            self._ramp(slot, self.tcp.on_wire(nbytes), done, due)
        else:
            self._join(slot, nbytes, done, due)

    def _stop(self, done: simpy.Event) -> float:
        # A transfer still in its TCP ramp has sent nothing on the fluid link yet and never joins it.
        t = self._find(done)
        if t is not None:
            return self._cancel(t)
        if any(d is done for d in self._ramp_waiting):
            self._ramp_cancelled.add(id(done))
        return 0.0

    def set_online(self, rule) -> None:
        """``rule.weigh(transfers, now, capacity)`` gives each transfer of one pool (all in
        flight under ``work_conserving``; one agent's under ``reserved``) a weight >= 0, and
        the pool's capacity is split in proportion (equally when every weight is 0)."""
        self.online = rule
        self._reschedule()

    def _ramp(self, slot: int, nbytes: float, done: simpy.Event, due: float = math.inf) -> None:
        # Flows still in their ramp count towards the share a new one expects: flows that
        # start together slow-start against each other, not against an empty link.
        w = self.weights[slot]
        share = self._share(slot, self._active_weight + self._ramping_weight,
                            self._in_flight[slot] + self._ramping[slot])
        assert self.tcp is not None  # only send() with a TCP model ramps
        delay, fluid = self.tcp.ramp(nbytes, share)
        self._ramping[slot] += 1
        self._ramping_weight += w
        self._ramp_waiting.append(done)

        def join(_ev):
            self._ramping[slot] -= 1
            self._ramp_waiting.remove(done)
            self._ramping_weight = self._ramping_weight - w if self._ramp_waiting else 0.0
            if id(done) in self._ramp_cancelled:
                self._ramp_cancelled.discard(id(done))
                return
            self.bytes_sent += nbytes - fluid  # sent outside the fluid link
            self._join(slot, fluid, done, due)

        self.env.timeout(delay).callbacks.append(join)

    # ---------------------------------------------------------------- physics
    def _set_rates(self) -> None:
        c = self.capacity
        if self.online is not None:
            self._set_online_rates(c)
            return
        if self.reserved:
            per_weight = c / self.total_weight
            for t in self.active:
                t.rate = min(per_weight * self.weights[t.slot] / self._in_flight[t.slot], self._cap)
        elif self._cap < math.inf:
            rates = water_fill([self.weights[t.slot] for t in self.active], c, self._cap)
            for t, r in zip(self.active, rates):
                t.rate = r
        else:
            per_weight = c / self._active_weight if self.active else 0.0
            for t in self.active:
                t.rate = per_weight * self.weights[t.slot]

    def _set_online_rates(self, c: float) -> None:
        if self.reserved:
            pools: dict[int, list[Transfer]] = {}
            for t in self.active:
                pools.setdefault(t.slot, []).append(t)
            shares = [(c * self.weights[slot] / self.total_weight, pool) for slot, pool in pools.items()]
        else:
            shares = [(c, self.active)]
        now = self.env.now
        for capacity, pool in shares:
            w = self.online.weigh(pool, now, capacity)
            total = sum(w)
            if total <= 0:
                w, total = [1.0] * len(pool), float(len(pool))
            if self._cap < math.inf and not self.reserved:
                served = [i for i, x in enumerate(w) if x > 0]
                rates = water_fill([w[i] for i in served], capacity, self._cap)
                for t in pool:
                    t.rate = 0.0
                for i, r in zip(served, rates):
                    pool[i].rate = r
                continue
            for t, x in zip(pool, w):
                t.rate = min(capacity * x / total, self._cap)

    def _joined(self, t: Transfer) -> None:
        self._active_weight += self.weights[t.slot]

    def _left(self, t: Transfer) -> None:
        # The last one out leaves exactly 0, not the rounding the additions accumulated.
        self._active_weight = self._active_weight - self.weights[t.slot] if self.active else 0.0
