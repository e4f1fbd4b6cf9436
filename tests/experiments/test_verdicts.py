"""Verdicts from intervals, on hand-made intervals."""

from __future__ import annotations

import math

from scoutsim.experiments.verdicts import (FAILS, HOLDS, UNSURE, Interval, at_least, at_most, combine, negative,
                                           positive, within)


def iv(low, high):
    return Interval((low + high) / 2, low, high, 10)


def test_thresholds():
    assert at_least(iv(0.991, 1.0), 0.99) == HOLDS
    assert at_least(iv(0.90, 0.98), 0.99) == FAILS
    assert at_least(iv(0.95, 1.01), 0.99) == UNSURE
    assert at_most(iv(0.0, 0.0), 0.01) == HOLDS
    assert at_most(iv(0.2, 0.3), 0.01) == FAILS
    assert at_most(iv(0.0, 0.02), 0.01) == UNSURE


def test_differences():
    assert positive(iv(0.1, 0.3)) == HOLDS
    assert positive(iv(0.0, 0.0)) == FAILS  # exactly equal is not "higher"
    assert positive(iv(-0.1, 0.2)) == UNSURE
    assert negative(iv(-0.3, -0.1)) == HOLDS and negative(iv(0.0, 0.1)) == FAILS
    assert within(iv(-1, 2), 4) == HOLDS and within(iv(5, 6), 4) == FAILS and within(iv(3, 5), 4) == UNSURE


def test_undefined_interval_is_inconclusive_and_combination():
    one = Interval(0.5, math.nan, math.nan, 1)
    assert at_least(one, 0.1) == UNSURE and positive(one) == UNSURE
    assert combine([HOLDS, HOLDS]) == HOLDS
    assert combine([HOLDS, UNSURE]) == UNSURE
    assert combine([UNSURE, FAILS]) == FAILS


def test_share_interval_is_wilson_and_stays_in_range():
    """Wilson at k = n has the closed form low = n / (n + z^2), high = 1; at k = 0, low = 0,
    high = z^2 / (n + z^2) (z = 1.95996...). 600 rounds all on time: low = 0.99364."""
    from scoutsim.experiments.verdicts import share_interval

    z2 = 1.959963984540054 ** 2
    full = share_interval(600, 600, 5)
    assert full.mean == 1.0 and math.isclose(full.low, 600 / (600 + z2), rel_tol=1e-9) and full.high == 1.0
    none = share_interval(0, 600, 5)
    assert none.low == 0.0 and math.isclose(none.high, z2 / (600 + z2), rel_tol=1e-9)
    assert at_least(full, 0.99) == HOLDS and at_most(none, 0.01) == HOLDS
    # 150 rounds cannot show 99 %: n / (n + z^2) = 0.975.
    assert at_least(share_interval(150, 150, 5), 0.99) == UNSURE
    mid = share_interval(5, 6, 1)  # a t-interval would leave [0, 1] here; Wilson does not
    assert 0 <= mid.low < mid.mean < mid.high <= 1
    assert not share_interval(0, 0, 0).defined


def test_near():
    from scoutsim.experiments.verdicts import near

    assert near(iv(107.0, 107.0), 107.1, 1.0) == HOLDS
    assert near(iv(105.0, 105.5), 107.1, 1.0) == FAILS
    assert near(iv(105.5, 107.0), 107.1, 1.0) == UNSURE
