"""Summary statistics against hand computations and AR(1) theory."""

from __future__ import annotations

import numpy as np
import pytest

from scoutsim.traces import stats, synth


def test_time_weighted_summary_of_a_hand_made_trace():
    # 5 Mbps for 2 s, then 40, 100 and 20 Mbps for 1 s each (the last row holds one
    # median interval, 1 s): mean = (10 + 40 + 100 + 20) / 5 = 34.
    s = stats.summarize(np.array([0.0, 2.0, 3.0, 4.0]), np.array([5.0, 40.0, 100.0, 20.0]))
    assert s.duration_s == 5.0
    assert s.mean == pytest.approx(34.0)
    assert s.frac_below_10 == pytest.approx(0.4)
    assert s.frac_below_25 == pytest.approx(0.6)
    assert s.frac_below_50 == pytest.approx(0.8)


def test_acf_and_decorrelation_of_ar1_match_theory():
    a = 0.9
    rng = synth.generator(4)
    n = 100_000
    z = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = z[0]
    for i in range(1, n):
        x[i] = a * x[i - 1] + np.sqrt(1 - a * a) * z[i]
    mbps = 50 + 10 * x
    s = stats.summarize(0.1 * np.arange(n), mbps, 0.1)
    assert s.acf_lag1 == pytest.approx(a, abs=0.01)
    # rho(k) = a^k < 1/e first at k = ceil(1 / -ln a) = 10 lags of 0.1 s.
    assert s.decorrelation_s == pytest.approx(1.0)


def test_gaps_hold_the_previous_value_on_the_grid():
    grid = stats.regular_grid(np.array([0.0, 1.0, 4.0]), np.array([1.0, 2.0, 3.0]), 1.0)
    assert grid.tolist() == [1.0, 2.0, 2.0, 2.0, 3.0]


def test_weighted_quantile_with_equal_weights_is_the_median():
    v = np.array([3.0, 1.0, 2.0])
    assert stats.weighted_quantile(v, np.ones(3), 0.5) == 2.0
