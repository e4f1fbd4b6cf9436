"""What a link is to the devices and the world, and the event loop every link model runs.

The models: :class:`~scoutsim.network.uplink.SharedUplink` (exact, O(transfers in flight) per
event), :class:`~scoutsim.network.vtime.VirtualTimeUplink` (the same physics by finish tags,
O(log n)) and :class:`~scoutsim.network.cell.Network` (cells, radios, wired links). All are
fluid: rates change only at events (a join, a finish, a cancellation, a capacity change), so
between events each finish time is exact.
"""

from __future__ import annotations

import math
from typing import Any, Callable, ClassVar

import simpy

BYTES_PER_S_PER_MBPS = 1e6 / 8
# Transfers whose finish times lie within this relative distance of the earliest one finish
# together: their gap is floating-point noise, not physics.
SIMULTANEOUS = 1e-12

PoolView = tuple[float, list[tuple[float, float, float]], float]


class Link:
    """What the devices and the world may ask of any link model, and the loop they share. A
    *slot* is a device's place on a link; a transfer is known by its completion event. Rates
    in bytes/s, sizes in bytes, capacities set in Mbps.

    The loop: after any change, one timeout at the first finish now foreseen; at it, deliver
    what is due and start over. A version counter makes earlier timeouts stale (SimPy cannot
    cancel one; docs/models/uplink.md: 1.4-19x the throughput of a process per transfer). A
    model gives ``_start``, ``_stop``, ``_find`` (the transfer of a completion event, or None),
    ``_advance`` (its state up to now), ``_next_finish`` ((delay, what ends then) after a change,
    None when nothing moves) and ``_ended(what, slack)`` (drop and return, in join order, what
    ends now: the one scheduled, whatever rounding left of it, and any within ``slack`` seconds
    of its end)."""

    # Whether the model can carry an online allocator's rule (set_online) and TCP corrections:
    # scoutsim.network.choose reads these to pick a model, and nothing else does.
    CARRIES_ONLINE: ClassVar[bool]
    CARRIES_TCP: ClassVar[bool]
    active: Any  # the transfers in flight (slot, size, due, done), in the order they joined
    progress: Callable[[Any], tuple[float, float]]  # (bytes left now, rate now) of one of them
    _start: Callable[[int, float, simpy.Event, float], None]
    _stop: Callable[[simpy.Event], float]
    _find: Callable[[simpy.Event], Any]
    _advance: Callable[[], None]
    _next_finish: Callable[[], "tuple[float, Any] | None"]
    _ended: Callable[[Any, float], list]

    def __init__(self, env: simpy.Environment):
        self.env = env
        self.tcp: Any = None  # the TCP corrections it adds (scoutsim.network.tcp.TcpModel), or None
        # An online allocator's rule (scoutsim/decisions/online.py; set_online), or None: the
        # fixed weights decide alone, by the code path they always took.
        self.online: Any = None
        self.bytes_sent = 0.0  # bytes delivered, and those cancelled transfers had sent
        self.busy_time = 0.0  # seconds during which some transfer moved
        self._version = 0
        self._last = env.now  # when the state was last brought up to date

    # ---------------------------------------------------------------- what the devices ask
    def send(self, slot: int, nbytes: float, due: float = math.inf) -> simpy.Event:
        """Start a transfer; the event fires when its last byte has arrived. ``due`` (when
        the last byte must be sent) is read only by an online rule."""
        done = self.env.event()
        if nbytes <= 0:
            done.succeed()
        else:
            self._start(slot, float(nbytes), done, due)
        return done

    def cancel(self, done: simpy.Event) -> float:
        """Stop a transfer; the bytes it had sent (0 for one finished or unknown). ``done``
        never fires for a cancelled transfer; its capacity goes to the others at once."""
        return 0.0 if done.triggered else self._stop(done)

    def remaining(self, done: simpy.Event) -> tuple[float, float] | None:
        """(bytes still to send now, rate now) of a transfer in flight; None when the link
        does not hold it (finished, cancelled, or not on the fluid link yet)."""
        t = self._find(done)
        return None if t is None else self.progress(t)

    def rate_if_joined(self, slot: int) -> float:
        """The rate a new transfer of ``slot`` would get now, by the fixed weights."""
        raise NotImplementedError

    def fair_share(self, slot: int, mean_capacity: float) -> float:
        """``slot``'s long-run rate when every device has data: an estimator's prior."""
        raise NotImplementedError

    def pool_view(self, slot: int) -> PoolView:
        """What a new transfer of ``slot`` would compete with now, for
        :func:`scoutsim.decisions.online.grant`: its pool's capacity, each transfer of that
        pool as (bytes still to send, due, the rate it would get with the pool to itself),
        and the new transfer's own rate limit."""
        raise NotImplementedError

    # ---------------------------------------------------------------- what the world sets
    def set_capacity(self, mbps: float) -> None:
        """The channel's capacity ``C(t)`` from now on (a network: its first cell's)."""
        raise NotImplementedError

    def set_online(self, rule) -> None:
        """Let an online allocator's rule split the capacity at every event (where
        ``CARRIES_ONLINE``)."""
        raise NotImplementedError

    # ---------------------------------------------------------------- the loop
    def _delivered(self, t) -> None:  # its last byte is sent (a cell adds HARQ's tail)
        t.done.succeed()

    def _reschedule(self) -> None:
        self._version += 1
        first = self._next_finish()
        if first is None:
            return
        delay, what = first
        version = self._version
        self.env.timeout(max(delay, 0.0)).callbacks.append(lambda _ev: self._finish(version, delay, what))

    def _finish(self, version: int, delay: float, what: Any) -> None:
        if version != self._version:
            return  # something changed the rates after this was scheduled
        self._advance()
        # Gaps below this are rounding, and so are gaps below the clock's resolution at
        # this time (a delay too small to move env.now moves nothing).
        slack = max(delay * SIMULTANEOUS, 8 * math.ulp(self.env.now), 1e-15)
        for t in self._ended(what, slack):
            self.bytes_sent += t.size
            self._delivered(t)
        self._reschedule()


def follow(env: simpy.Environment, apply, changes):
    """SimPy process: ``apply(mbps)`` at each of a channel's capacity changes, as they come
    (``link.set_capacity``; a device's setter in a network)."""
    for at, mbps in changes:
        if at > env.now:
            yield env.timeout(at - env.now)
        apply(mbps)
