"""Online allocation rules: how an uplink splits its capacity at every event.

The fixed allocators (:mod:`.allocators`) give each agent one weight per replication. The
rules here are consulted by the uplink (:meth:`SharedUplink.set_online`) at every event (a
transfer joins, one finishes or is cancelled, the capacity changes) and weigh each transfer
in flight by what it must still achieve: its bytes left and its *due* time, the instant its
last byte must be sent for the request to meet its deadline (arrival + deadline - one-way
latency - the chosen mode's cloud compute). Between events the rates are constant, so the
fluid model stays exact.

A transfer is *hopeless* when even the whole pool capacity could not send its bytes left
before it is due (``remaining > capacity x (due - now)``, up to rounding: :func:`_feasible`). Serving hopeless transfers first
is what makes EDF collapse under overload (every transfer misses, one after another: the
"domino effect"), so both rules serve hopeless transfers only when no feasible transfer is
in flight in the pool. The test is made at events with the capacity of that instant.

* :class:`EarliestDeadline` (``deadline``): preemptive earliest-deadline-first. All of the
  pool goes to the transfer due first (equal shares on ties). EDF rather than least slack:
  on one preemptive resource both meet every deadline whenever any order can, but EDF's
  order changes only when a transfer joins or leaves, while least slack reorders
  continuously as slacks cross (a fluid model would need an event at every crossing, and
  real schedulers thrash there).
* ``joint``: the same EDF service, and each device is told, before it chooses a mode, the
  rate it will be granted, :func:`grant`: the largest rate at which a new transfer, due
  ``deadline - latency`` from now, fits beside the feasible transfers in flight without
  making any of them late, by the EDF feasibility test on one preemptive resource of the
  current capacity ``C`` (for every due time ``d_k`` from the new one's on: the bytes due by
  ``d_k`` <= ``C (d_k - now)``). A policy that picks a mode fitting that rate is admitted
  without hurting anyone admitted before (the study's model-aware idea, done online as
  admission control). The grant leaves out the new transfer's edge compute and cloud
  compute (it cannot know the mode yet) and assumes ``C`` holds: it is optimistic by those.

Under ``reserved`` sharing a pool is one agent's own slice (slices stay the agents' own, as
slicing promises), so these rules order only an agent's own transfers; under
``work_conserving`` the pool is the whole link.
"""

from __future__ import annotations

import math

# A transfer counts as able to finish in time within this relative margin of the time left
# (rounding), and within a few ulps of the clock: at its due time the time left is 0, or one
# ulp below, and a transfer ending exactly then keeps bytes of the order capacity x ulp(now),
# which a relative margin of 0 would call hopeless (the link's own slack, network/link.py).
MARGIN = 1e-9
CLOCK_ULPS = 8


def _feasible(remaining: float, due: float, now: float, capacity: float) -> bool:
    tick = CLOCK_ULPS * math.ulp(max(abs(now), abs(due), 1.0))
    return capacity > 0 and remaining <= capacity * ((due - now) * (1 + MARGIN) + tick)


class EarliestDeadline:
    def rank(self, lefts, dues, capacities, now: float) -> list[int]:
        """Strict priorities (0 first) of one pool's transfers, given each one's bytes still
        to send, due time, and the rate it would get with the pool to itself: the feasible
        transfers by due time (equal dues share a rank), the hopeless ones after all of them,
        or all by due time when none is feasible. A link that serves rank 0 first and gives
        each next rank only what the ranks before it cannot use is preemptive EDF."""
        ok = [_feasible(left, due, now, cap) for left, due, cap in zip(lefts, dues, capacities)]
        if not any(ok):
            ok = [True] * len(ok)
        order = {due: i for i, due in enumerate(sorted({due for due, f in zip(dues, ok) if f}))}
        last = len(order)
        return [order[due] if f else last for due, f in zip(dues, ok)]

    def weigh(self, pool, now: float, capacity: float) -> list[float]:
        ranks = self.rank([t.remaining for t in pool], [t.due for t in pool], [capacity] * len(pool), now)
        return [1.0 if r == 0 else 0.0 for r in ranks]


def grant(link, slot: int, now: float, horizon: float) -> float:
    """The rate (bytes/s) the ``joint`` allocator grants a new transfer of ``slot`` due
    ``horizon`` seconds from now: ``b / horizon`` with ``b`` the most bytes EDF can still fit
    by then without making a feasible transfer in flight late (0 when none fit).

    ``link.pool_view(slot)`` gives the pool's capacity, its transfers as (bytes left, due,
    the rate at which it is judged able to be on time), and the new transfer's own rate
    limit (a device's radio in a cell). Below the pool's capacity, that limit caps the new
    transfer, which sends only while the feasible transfers due before it do not hold the
    pool (assumed to use all of it: the grant is pessimistic where they are held back below
    the pool's capacity)."""
    if horizon <= 0:
        return 0.0
    capacity, pool, own = link.pool_view(slot)
    due_new = now + horizon
    feasible = sorted((due, left) for left, due, alone in pool if _feasible(left, due, now, alone))
    before = sum(left for due, left in feasible if due <= due_new)
    room = capacity * horizon - before
    cumulative = before
    for due, left in feasible:
        if due > due_new:
            cumulative += left
            room = min(room, capacity * (due - now) - cumulative)
    if own < capacity:
        room = min(room, own * (horizon - before / capacity) if capacity > 0 else 0.0)
    return max(room, 0.0) / horizon
