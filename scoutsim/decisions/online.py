"""Online allocation rules: how an uplink splits its capacity at every event.

The fixed allocators (:mod:`.allocators`) give each agent one weight per replication. The
rules here are consulted by the uplink (:meth:`SharedUplink.set_online`) at every event (a
transfer joins, one finishes or is cancelled, the capacity changes) and weigh each transfer
in flight by what it must still achieve: its bytes left and its *due* time, the instant its
last byte must be sent for the request to meet its deadline (arrival + deadline - one-way
latency - the chosen mode's cloud compute). Between events the rates are constant, so the
fluid model stays exact.

A transfer is *hopeless* when even the whole pool capacity could not send its bytes left
before it is due (``remaining > capacity x (due - now)``). Serving hopeless transfers first
is what makes EDF collapse under overload (every transfer misses, one after another: the
"domino effect"), so both rules serve hopeless transfers only when no other transfer is in
flight in the pool. The test is made at events with the capacity of that instant.

* :class:`EarliestDeadline` (``deadline``): preemptive earliest-deadline-first. All of the
  pool goes to the transfer due first (equal shares on ties). EDF rather than least slack:
  on one preemptive resource both meet every deadline whenever any order can, but EDF's
  order changes only when a transfer joins or leaves, while least slack reorders
  continuously as slacks cross (a fluid model would need an event at every crossing, and
  real schedulers thrash there).
* :class:`NeedProportional` (``joint``): each transfer is weighted by the rate it needs,
  ``bytes left / (due - now)``, so that whenever the needs fit in the capacity every
  transfer gets at least its need. The device is told, before it chooses a mode, the rate it
  will be granted, :func:`grant`: the pool's capacity less what the transfers already in
  flight need. A policy that picks a mode fitting that rate keeps the sum of needs within
  the capacity (the study's model-aware idea, done online as admission control).

Under ``reserved`` sharing a pool is one agent's own slice (slices stay the agents' own, as
slicing promises), so these rules order only an agent's own transfers; under
``work_conserving`` the pool is the whole link.
"""

from __future__ import annotations

import math

# A transfer counts as able to finish in time within this relative margin (rounding).
MARGIN = 1e-9


def _feasible(remaining: float, due: float, now: float, capacity: float) -> bool:
    return capacity > 0 and remaining <= capacity * (due - now) * (1 + MARGIN)


def _front(pool, now: float, capacity: float) -> list[bool]:
    """Which transfers the rule serves now: the feasible ones, or all when none is."""
    ok = [_feasible(t.remaining, t.due, now, capacity) for t in pool]
    return ok if any(ok) else [True] * len(pool)


class EarliestDeadline:
    def weigh(self, pool, now: float, capacity: float) -> list[float]:
        front = _front(pool, now, capacity)
        first = min(t.due for t, f in zip(pool, front) if f)
        return [1.0 if f and t.due == first else 0.0 for t, f in zip(pool, front)]


class NeedProportional:
    def weigh(self, pool, now: float, capacity: float) -> list[float]:
        front = _front(pool, now, capacity)
        out = []
        for t, f in zip(pool, front):
            left = t.due - now
            # A transfer already past due (served only when nothing else is) or without
            # a due time counts as needing everything; the weights are then equal.
            out.append((t.remaining / left if left > 0 and math.isfinite(left) else math.inf) if f else 0.0)
        if any(math.isinf(x) for x in out):
            return [1.0 if math.isinf(x) else 0.0 for x in out]
        return out


def grant(link, slot: int, now: float) -> float:
    """The rate (bytes/s) the ``joint`` allocator grants a new transfer of ``slot`` now:
    its pool's capacity less the needs of the feasible transfers in flight, at least 0."""
    capacity, pool = link.pool_view(slot)
    needed = 0.0
    for remaining, due in pool:
        if _feasible(remaining, due, now, capacity) and due > now:
            needed += remaining / (due - now)
    return max(capacity - needed, 0.0)
