"""A shared uplink as an exact, event-driven fluid model.

Every transfer in flight drains its remaining bytes at a rate set by the sharing rule; the
rates change only when something happens (a transfer joins, one finishes, or the channel's
capacity ``C(t)`` changes), so between events every rate is constant and each transfer's
finish time is exact. No time step is involved.

Sharing rules, with ``w_a`` the weight the allocator gave agent ``a``:

* ``work_conserving`` (weighted processor sharing, as a base station's scheduler does):
  a transfer of agent ``a`` gets ``C(t) w_a / sum of w over the transfers in flight``.
  Nothing is left idle while anything is in flight.
* ``reserved`` (network slicing, the study's setting): agent ``a`` owns the slice
  ``C(t) w_a / sum of w over all agents of the uplink``, in flight or not; its own
  transfers split that slice equally. Slices of idle agents stay idle.

One object keeps every transfer's remaining bytes. After each event it recomputes the
rates and schedules a single timeout for the earliest finish; a version counter makes any
earlier timeout stale, because SimPy cannot cancel a timeout. This costs O(transfers in
flight) per event and no SimPy process per transfer (docs/models/uplink.md: this idiom measured at
1.4-19x the throughput of interrupting per-flow processes).

With ``tcp`` (a :class:`scoutsim.network.tcp.TcpModel`) the uplink adds what TCP does and a fluid
does not: each transfer carries its segments' headers, is held back for its handshake and slow-start ramp before it
drains as a fluid one, and under loss every transfer's rate is capped by TCP's loss-limited
throughput, the capacity capped transfers leave going to the others (weighted max-min).
Without it (the default) the uplink is the plain fluid model above.

Units: capacity in bytes per second (1 Mbps = 125,000 bytes/s), sizes in bytes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Sequence

import simpy

from scoutsim.network.tcp import water_fill

if TYPE_CHECKING:
    from scoutsim.network.tcp import TcpModel

BYTES_PER_S_PER_MBPS = 1e6 / 8
# Transfers whose finish times lie within this relative distance of the earliest one finish
# together: their gap is floating-point noise, not physics.
SIMULTANEOUS = 1e-12


def first_to_finish(transfers) -> tuple[float, "Transfer | None"]:
    """(seconds until the first of ``transfers`` finishes at its current rate, that transfer);
    (inf, None) when none moves: the one timeout a fluid link schedules after each event.

    The transfer named here finishes when that timeout fires, whatever rounding left of its
    bytes (:func:`finishes_now`): a remainder below the clock's resolution would otherwise be
    rescheduled at a delay that does not move the clock, for ever."""
    first, target = math.inf, None
    for t in transfers:
        if t.rate > 0:
            left = t.remaining / t.rate
            if left < first:
                first, target = left, t
    return first, target


def finishes_now(t: "Transfer", target: "Transfer", slack: float) -> bool:
    """Whether ``t`` ends at the finish event scheduled for ``target``: it is the target, or
    what it has left would take no more than ``slack`` seconds (floating-point noise)."""
    return t is target or (t.rate > 0 and t.remaining <= t.rate * slack)


class Transfer:
    __slots__ = ("slot", "size", "remaining", "rate", "done", "due")

    def __init__(self, slot: int, size: float, done: simpy.Event, due: float = math.inf):
        self.slot = slot
        self.size = size
        self.remaining = size
        self.rate = 0.0
        self.done = done
        self.due = due  # when its last byte must be sent; read only by an online rule


class FluidLoop:
    """The event loop of the exact fluid models (:class:`SharedUplink`, and the cells of
    :class:`scoutsim.network.cell.Network`): after any change, set every transfer's rate and
    schedule the first finish; at it, deliver every transfer due then and start over. A
    subclass gives ``_advance`` (bring every transfer's bytes up to now), ``_set_rates``,
    ``_delivered`` (a transfer's last byte is sent) and ``_idle`` (nothing is in flight)."""

    env: simpy.Environment
    active: list[Transfer]
    bytes_sent: float
    _in_flight: Any
    _version: int
    _advance: Callable[[], None]
    _set_rates: Callable[[], None]
    _delivered: Callable[[Transfer], None]

    def _idle(self) -> None:
        """Nothing in flight: what a subclass resets then."""

    def _reschedule(self) -> None:
        self._version += 1
        if not self.active:
            self._idle()
            return
        self._set_rates()
        first, target = first_to_finish(self.active)
        if target is None:
            return  # zero capacity: wait for the channel to change
        version = self._version
        ev = self.env.timeout(max(first, 0.0))
        ev.callbacks.append(lambda _ev: self._finish(version, first, target))

    def _finish(self, version: int, delay: float, target: Transfer) -> None:
        if version != self._version:
            return  # something changed the rates after this was scheduled
        self._advance()
        # What is left of the transfers due now is rounding; so are gaps below the clock's
        # resolution at this time (a delay too small to move env.now moves nothing).
        slack = max(delay * SIMULTANEOUS, 8 * math.ulp(self.env.now), 1e-15)
        keep = []
        for t in self.active:
            if finishes_now(t, target, slack):
                self._in_flight[t.slot] -= 1
                self.bytes_sent += t.size
                t.remaining = 0.0
                self._delivered(t)
            else:
                keep.append(t)
        self.active = keep
        self._reschedule()


class SharedUplink(FluidLoop):
    def __init__(self, env: simpy.Environment, weights: Sequence[float], sharing: str = "work_conserving",
                 tcp: TcpModel | None = None):
        if sharing not in ("work_conserving", "reserved"):
            raise ValueError(f"unknown sharing {sharing!r}")
        if any(w <= 0 for w in weights):
            raise ValueError("every agent needs a positive weight")
        self.env = env
        self.weights = list(weights)
        self.total_weight = float(sum(weights))
        self.reserved = sharing == "reserved"
        # Optional TCP corrections (scoutsim/network/tcp.py): a start-up delay per transfer and a
        # loss-limited cap on every transfer's rate. None keeps the pure fluid model.
        self.tcp = tcp
        self._cap = tcp.rate_cap if tcp is not None else math.inf
        self._ramping = [0] * len(weights)  # transfers per slot in their TCP ramp
        self._ramping_weight = 0.0
        self._ramping_count = 0
        self._ramp_waiting: list[simpy.Event] = []  # completion events of transfers in their ramp
        self._ramp_cancelled: set[int] = set()
        self.capacity = 0.0
        self.active: list[Transfer] = []
        self._in_flight = [0] * len(weights)  # transfers per agent slot
        self._active_weight = 0.0
        self._last = env.now
        self._version = 0
        self.bytes_sent = 0.0
        self.busy_time = 0.0  # time with at least one transfer in flight and C > 0
        # An online allocator's rule (scoutsim/decisions/online.py), or None: the fixed
        # weights above decide alone, by the code path they always took.
        self.online: Any = None

    # ---------------------------------------------------------------- public
    def send(self, slot: int, nbytes: float, due: float = math.inf) -> simpy.Event:
        """Start a transfer of ``nbytes`` for agent ``slot``; the event fires when its last
        byte has been sent. ``due`` (when the last byte must be sent) matters only to an
        online allocator."""
        done = self.env.event()
        if nbytes <= 0:
            done.succeed()
            return done
        if self.tcp is not None:
            self._ramp(slot, self.tcp.on_wire(float(nbytes)), done, due)
            return done
        self._join(slot, float(nbytes), done, due)
        return done

    def set_online(self, rule) -> None:
        """Let an online allocator decide the rates at every event: ``rule.weigh(transfers,
        now, capacity)`` gives each transfer of one pool (all in flight under
        ``work_conserving``; one agent's under ``reserved``) a weight >= 0, and the pool's
        capacity is split in proportion (equally when every weight is 0)."""
        self.online = rule
        self._reschedule()

    def remaining(self, done: simpy.Event) -> tuple[float, float] | None:
        """(bytes still to send now, current rate) of the transfer whose completion event is
        ``done``; None when it is not on the fluid link (finished, cancelled, or in its ramp)."""
        for t in self.active:
            if t.done is done:
                return max(t.remaining - t.rate * (self.env.now - self._last), 0.0), t.rate
        return None

    def pool_view(self, slot: int) -> tuple[float, list[tuple[float, float, float]], float]:
        """What a new transfer of ``slot`` would compete with now, for
        :func:`scoutsim.decisions.online.grant`: its pool's capacity (the link's under
        ``work_conserving``, the agent's slice under ``reserved``), each transfer of that pool
        as (bytes still to send, due, the rate it would get alone: the pool's), and the new
        transfer's own limit (the pool's: nothing else limits it here)."""
        dt = self.env.now - self._last
        pool = [t for t in self.active if not self.reserved or t.slot == slot]
        capacity = self.capacity * (self.weights[slot] / self.total_weight if self.reserved else 1.0)
        return capacity, [(max(t.remaining - t.rate * dt, 0.0), t.due, capacity) for t in pool], capacity

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
        self._ramping_count += 1
        self._ramp_waiting.append(done)

        def join(_ev):
            self._ramping[slot] -= 1
            self._ramping_count -= 1
            self._ramping_weight = self._ramping_weight - w if self._ramping_count else 0.0
            self._ramp_waiting.remove(done)
            if id(done) in self._ramp_cancelled:
                self._ramp_cancelled.discard(id(done))
                return
            self.bytes_sent += nbytes - fluid  # sent outside the fluid link
            self._join(slot, fluid, done, due)

        self.env.timeout(delay).callbacks.append(join)

    def _join(self, slot: int, fluid_bytes: float, done: simpy.Event, due: float = math.inf) -> None:
        self._advance()
        t = Transfer(slot, fluid_bytes, done, due)
        self.active.append(t)
        self._in_flight[slot] += 1
        self._active_weight += self.weights[slot]
        self._reschedule()

    def cancel(self, done: simpy.Event) -> float:
        """Stop the transfer whose completion event is ``done``; return the bytes it had sent.

        A request that can no longer meet its deadline stops its transfer (a fallback, or
        abandonment at the deadline); the capacity it held goes to the others from this
        instant. A transfer still in its TCP ramp has sent nothing on the fluid link yet and
        never joins it. Cancelling a finished or unknown transfer returns 0 and changes
        nothing. ``done`` never fires for a cancelled transfer.
        """
        if done.triggered:
            return 0.0
        for t in self.active:
            if t.done is done:
                break
        else:
            if any(d is done for d in self._ramp_waiting):
                self._ramp_cancelled.add(id(done))
            return 0.0
        self._advance()
        self.active.remove(t)
        self._in_flight[t.slot] -= 1
        self._active_weight -= self.weights[t.slot]
        sent = max(t.size - t.remaining, 0.0)
        self.bytes_sent += sent
        self._reschedule()
        return sent

    def set_capacity(self, mbps: float) -> None:
        self._advance()
        self.capacity = mbps * BYTES_PER_S_PER_MBPS
        self._reschedule()

    def rate_if_joined(self, slot: int) -> float:
        """Rate a new transfer of ``slot`` would get now (bytes/s), if nothing else changed."""
        return min(self._share(slot, self._active_weight, self._in_flight[slot]), self._cap)

    def _share(self, slot: int, weight_in_flight: float, own_in_flight: int) -> float:
        """Uncapped rate of one more transfer of ``slot`` beside the given ones."""
        w = self.weights[slot]
        if self.reserved:
            return self.capacity * w / self.total_weight / (own_in_flight + 1)
        return self.capacity * w / (weight_in_flight + w)

    def fair_share(self, slot: int, mean_capacity: float) -> float:
        return mean_capacity * self.weights[slot] / self.total_weight

    # ---------------------------------------------------------------- physics
    def _advance(self) -> None:
        now = self.env.now
        dt = now - self._last
        if dt > 0 and self.active:
            for t in self.active:
                t.remaining -= t.rate * dt
            if self.capacity > 0:
                self.busy_time += dt
        self._last = now

    def _set_rates(self) -> None:
        c = self.capacity
        if self.online is not None:
            self._set_online_rates(c)
            return
        if self.reserved:
            per_weight = c / self.total_weight
            for t in self.active:
                t.rate = per_weight * self.weights[t.slot] / self._in_flight[t.slot]
            if self._cap < math.inf:
                for t in self.active:
                    t.rate = min(t.rate, self._cap)
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

    def _idle(self) -> None:
        self._active_weight = 0.0  # drop accumulated rounding

    def _delivered(self, t: Transfer) -> None:
        self._active_weight -= self.weights[t.slot]
        t.done.succeed()

def follow(env: simpy.Environment, apply, changes):
    """SimPy process: ``apply(mbps)`` at each of a channel's capacity changes, as they come
    (``link.set_capacity`` for a shared uplink; a cell's or a device's setter in a network)."""
    for at, mbps in changes:
        if at > env.now:
            yield env.timeout(at - env.now)
        apply(mbps)
