"""scoutsim.intervals: hand-computed values and the range guarantees."""

import math

import numpy as np
import pytest

from scoutsim import intervals

Z = 1.959963984540054  # standard normal 97.5 % quantile


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("k,n", [(0, 10), (5, 10), (10, 10), (3, 50)])
def test_wilson_matches_the_score_formula(k, n):
    ci = intervals.wilson_interval(k, n)
    lo, hi = wilson_by_hand(k, n)
    assert ci.estimate == k / n
    assert ci.low == pytest.approx(max(0.0, lo), abs=1e-9) and ci.high == pytest.approx(min(1.0, hi), abs=1e-9)
    assert 0.0 <= ci.low <= ci.high <= 1.0


def test_wilson_at_zero_successes_has_upper_z2_over_n_plus_z2():
    # p = 0: centre = half = (z^2 / 2n) / (1 + z^2/n), so high = z^2 / (n + z^2).
    ci = intervals.wilson_interval(0, 10)
    assert ci.low == pytest.approx(0.0, abs=1e-12)
    assert ci.high == pytest.approx(Z * Z / (10 + Z * Z), rel=1e-9)


def test_t_interval_by_hand():
    # 1..5: mean 3, s = sqrt(2.5), t_{0.975,4} = 2.7764451, half = t * s / sqrt(5).
    ci = intervals.t_interval([1, 2, 3, 4, 5])
    half = 2.7764451052 * math.sqrt(2.5) / math.sqrt(5)
    assert (ci.estimate, ci.low, ci.high) == pytest.approx((3, 3 - half, 3 + half), rel=1e-8)


def test_t_interval_is_scipys_to_the_last_bit():
    # t_interval spells out scipy's stats.t.interval(level, n - 1, loc=mean,
    # scale=stats.sem(x)) for speed; the outputs written from it (summaries, sweep tables)
    # must not move, so the two agree exactly: seeded samples of 2-59 values, normal,
    # 0/1 flags, values spread over 16 orders of magnitude and rounded ones, at three levels.
    from scipy import stats

    rng = np.random.default_rng(13)
    for i in range(3000):
        n = int(rng.integers(2, 60))
        x = [rng.normal(rng.normal() * 10, abs(rng.normal()) * 3 + 1e-9, n),
             rng.integers(0, 2, n).astype(float),
             rng.uniform(0, 1, n) * 10 ** rng.uniform(-8, 8),
             np.round(rng.uniform(-1, 1, n), 3)][i % 4]
        for level in (0.9, 0.95, 0.99):
            got = intervals.t_interval(x, level)
            mean = float(x.mean())
            low, high = (stats.t.interval(level, n - 1, loc=mean, scale=stats.sem(x)) if x.std() > 0
                         else (mean, mean))
            assert (got.estimate, got.low, got.high) == (mean, float(low), float(high))


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_bootstrap_of_constant_values_is_the_point(value):
    ci = intervals.bootstrap_interval(np.full(40, value))
    assert (ci.estimate, ci.low, ci.high) == (value, value, value)


def test_bootstrap_stays_in_range_where_t_leaves_it():
    # The INT2 shape of the measured caches: mostly zeros, one partial answer.
    f1 = np.zeros(45)
    f1[7] = 0.4
    t = intervals.t_interval(f1)
    assert t.low < 0  # the symmetric interval leaves [0, 1]
    for method in ("BCa", "percentile"):
        b = intervals.bootstrap_interval(f1, method=method, seed=3)
        assert 0.0 <= b.low <= b.estimate <= b.high <= 1.0


def test_bootstrap_agrees_with_t_for_a_large_symmetric_sample():
    x = np.random.default_rng(np.random.SeedSequence(1)).uniform(0.2, 0.8, 400)
    b, t = intervals.bootstrap_interval(x, seed=2), intervals.t_interval(x)
    assert b.half_width == pytest.approx(t.half_width, rel=0.1)
    assert intervals.bootstrap_interval(x, seed=2) == b  # seeded: reproducible


def test_bootstrap_refuses_values_outside_the_bounds():
    with pytest.raises(ValueError, match="outside"):
        intervals.bootstrap_interval([0.5, 1.2])


def test_replication_proportions_are_clipped_to_the_unit_interval():
    ci = intervals.replication_proportion_interval([0.0, 0.0, 0.1])
    # t interval: mean 1/30, s = sqrt(1/300), t_{0.975,2} = 4.3026527: low < 0 before clipping
    half = 4.302652730 * math.sqrt(1 / 300) / math.sqrt(3)
    assert ci.estimate == pytest.approx(1 / 30)
    assert ci.low == 0.0 and ci.high == pytest.approx(1 / 30 + half, rel=1e-8)


def test_proportion_interval_counts_flags():
    assert intervals.proportion_interval([1, 0, 1, 1]) == intervals.wilson_interval(3, 4)
    with pytest.raises(ValueError):
        intervals.proportion_interval([0.5])


def test_within_cuts_only_what_the_range_forbids():
    from scoutsim.intervals import Interval, within
    # A paired difference of two shares, 0.1 +- 1.2: [-1.1, 1.3] holds impossible values on both sides.
    cut = within(Interval(0.1, -1.1, 1.3, "t", 3), -1.0, 1.0)
    assert (cut.estimate, cut.low, cut.high, cut.n) == (0.1, -1.0, 1.0, 3)
    # A mean of seconds, 1.6 [-16.2, 19.4]: only the part below 0 goes.
    cut = within(Interval(1.6, -16.2, 19.4, "t", 2), 0.0)
    assert (cut.low, cut.high) == (0.0, 19.4)
    # An interval inside its range, and an undefined one (one replication), are unchanged.
    inside = Interval(0.5, 0.4, 0.6, "t", 5)
    assert (within(inside, 0.0, 1.0).low, within(inside, 0.0, 1.0).high) == (0.4, 0.6)
    undefined = Interval(0.5, math.nan, math.nan, "t", 1)
    assert within(undefined, 0.0) is undefined


def test_a_sweep_prints_a_cut_interval_as_its_ends():
    import pandas as pd

    from scoutsim.experiments.sweep import _cell
    # deadline_compliance 0.795 with the t half-width 0.5 cut at 1: printed with its ends, not 0.795±0.500.
    row = pd.DataFrame([{"mean": 0.795, "ci95_low": 0.295, "ci95_high": 1.0, "ci95_half": 0.3525}])
    assert _cell(row) == "0.795[0.295,1.000]"
    row = pd.DataFrame([{"mean": 0.5, "ci95_low": 0.4, "ci95_high": 0.6, "ci95_half": 0.1}])
    assert _cell(row) == "0.500±0.100"
