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
resources to its best device first and to the next only what that one cannot use).

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
            levels: Sequence[int] | None = None) -> list[float]:
    """Rates of the flows. ``constraints``: (capacity, [(flow, coefficient), ...]) with
    coefficients > 0. A flow with slope 0 gets rate 0; a flow in no constraint must have
    slope 0 (it would be unbounded)."""
    n = len(slopes)
    x = [0.0] * n
    resid = [max(cap, 0.0) for cap, _ in constraints]
    by_level: dict[int, list[int]] = {}
    for f in range(n):
        if slopes[f] > 0:
            by_level.setdefault(levels[f] if levels is not None else 0, []).append(f)
    for level in sorted(by_level):
        live = set(by_level[level])
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
            for k, (_cap, members) in enumerate(constraints):
                load = loads[k]
                if load <= 0:
                    continue
                if resid[k] / load <= limit:
                    resid[k] = 0.0
                    for f, _c in members:
                        live.discard(f)
                else:
                    resid[k] -= best * load
    return x
