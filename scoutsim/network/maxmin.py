"""Weighted max-min fair rates over linear constraints, by progressive filling.

Every flow ``f`` grows its rate along its own slope, ``x_f = t a_f``, all flows together,
until some constraint ``sum_f c_kf x_f <= b_k`` is tight; the flows in that constraint are
frozen at their rates and the others keep growing from there, until every flow is frozen.
The result is the weighted max-min fair allocation (Bertsekas & Gallager, *Data Networks*,
2nd ed., section 6.5.2): no flow can gain without a flow of a smaller ``x / a`` losing.
Slopes carry the weights (and, for a radio cell, the device's own rate, so that equal
*time* shares are what is max-min fair there).

``levels`` orders flows by strict priority: level 0 fills first, against all constraints;
level 1 then fills what level 0 left, and so on (a ``max_rate`` scheduler gives a cell's
resources to its best device first and to the next only what that one cannot use). With
``pools``, levels order flows only within their pool: a flow starts to grow when every flow
of a lower level *of its own pool* is frozen, while the flows of other pools keep growing
and share every constraint with it max-min fairly from then on (an online allocator orders
the transfers of one cell; the wired links behind the cells stay fair to all of them).

The allocation is exact: each round solves for the next constraint to become tight, so the
number of rounds is at most the number of constraints per level; nothing is iterated to a
tolerance. Rates are in whatever unit the capacities are.
"""

from __future__ import annotations

import math
from typing import Sequence

# A constraint whose time to fill is within this relative distance of the smallest one is
# tight in the same round: the difference is floating-point noise.
SAME_ROUND = 1e-12


def max_min(slopes: Sequence[float], constraints: Sequence[tuple[float, Sequence[tuple[int, float]]]],
            levels: Sequence[int] | None = None, pools: Sequence | None = None) -> list[float]:
    """Rates of the flows. ``constraints``: (capacity, [(flow, coefficient), ...]) with
    coefficients > 0. A flow with slope 0 gets rate 0; a flow in no constraint must have
    slope 0 (it would be unbounded). ``pools``: each flow's pool (any hashable), within
    which ``levels`` apply; None: levels are global."""
    n = len(slopes)
    x = [0.0] * n
    resid = [max(cap, 0.0) for cap, _ in constraints]
    pool_of = pools if pools is not None else [None] * n  # global levels: one pool
    # Per pool, its levels in order; each pool's lowest level grows first.
    queues: dict = {}
    for f in range(n):
        if slopes[f] > 0:
            queues.setdefault(pool_of[f], {}).setdefault(levels[f] if levels is not None else 0, []).append(f)
    waiting = {p: [by[k] for k in sorted(by)] for p, by in queues.items()}
    live: set[int] = set()
    for p in waiting:
        live.update(waiting[p].pop(0))

    def next_levels(frozen: set[int]) -> list[int]:
        grown = []
        for p in {pool_of[f] for f in frozen}:
            if waiting[p] and not any(pool_of[f] == p for f in live):
                grown.extend(waiting[p].pop(0))
        return grown

    _fill(live, slopes, constraints, resid, x, next_levels)
    return x


def _fill(live: set[int], slopes, constraints, resid, x, next_levels) -> None:
    """Progressive filling of the ``live`` flows until each is frozen; ``next_levels(frozen)``
    names flows that start to grow once the flows ``frozen`` in a round are."""
    while live:
        best = math.inf
        loads = []
        for k, (_cap, members) in enumerate(constraints):
            load = 0.0
            for f, c in members:
                if f in live:
                    load += c * slopes[f]
            loads.append(load)
            if load > 0:
                fill = resid[k] / load
                if fill < best:
                    best = fill
        if best == math.inf:
            raise ValueError("a flow with a positive slope is in no constraint")
        for f in live:
            x[f] += best * slopes[f]
        limit = best * (1 + SAME_ROUND)
        frozen: set[int] = set()
        for k, (_cap, members) in enumerate(constraints):
            load = loads[k]
            if load <= 0:
                continue
            if resid[k] / load <= limit:
                resid[k] = 0.0
                for f, _c in members:
                    if f in live:
                        frozen.add(f)
                        live.discard(f)
            else:
                resid[k] -= best * load
        if frozen:
            live.update(next_levels(frozen))
