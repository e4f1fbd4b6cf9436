"""Progressive filling gives the weighted max-min fair allocation: checked by its defining
property (every flow has a bottleneck: a tight constraint in which no flow has a larger
rate per unit of slope), on random instances, and on a case worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from scoutsim.network.maxmin import max_min


def test_by_hand_weighted_two_links():
    # Flows a (slope 1) on L1 only, b (slope 2) on L1 and L2, c (slope 1) on L2 only.
    # L1 = 6, L2 = 10. Filling: L1 fills at t = 6 / 3 = 2 (a = 2, b = 4); L2 then has
    # 10 - 4 - 2 = 4 left for c alone: c = 2 + 4 = 6.
    x = max_min([1, 2, 1], [(6, [(0, 1), (1, 1)]), (10, [(1, 1), (2, 1)])])
    assert x == pytest.approx([2, 4, 6])


def test_priority_levels_fill_in_order():
    # One constraint of 10: level 0 (slope 1, own cap 4) takes 4, level 1 gets the other 6.
    x = max_min([1, 1], [(10, [(0, 1), (1, 1)]), (4, [(0, 1)])], levels=[0, 1])
    assert x == pytest.approx([4, 6])


@pytest.mark.parametrize("seed", range(30))
def test_every_flow_has_a_bottleneck(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 8)), int(rng.integers(1, 6))
    slopes = rng.uniform(0.1, 3, n).tolist()
    constraints = []
    for _ in range(m):
        members = [(f, float(rng.uniform(0.2, 2))) for f in range(n) if rng.random() < 0.6]
        if members:
            constraints.append((float(rng.uniform(1, 10)), members))
    for f in range(n):  # every flow in at least one constraint
        if not any(f == g for _cap, mem in constraints for g, _c in mem):
            constraints.append((float(rng.uniform(1, 10)), [(f, 1.0)]))
    x = max_min(slopes, constraints)
    tight = []
    for cap, mem in constraints:
        load = sum(c * x[f] for f, c in mem)
        assert load <= cap * (1 + 1e-9)
        tight.append(load >= cap * (1 - 1e-9))
    for f in range(n):
        norm = x[f] / slopes[f]
        assert any(t and f in [g for g, _ in mem] and all(norm >= x[g] / slopes[g] - 1e-9 for g, _ in mem)
                   for t, (_cap, mem) in zip(tight, constraints)), (seed, f)
