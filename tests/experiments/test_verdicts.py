"""Verdicts from intervals, on hand-made intervals."""

from __future__ import annotations

import math

import pytest

from scoutsim.experiments.verdicts import (FAILS, HOLDS, UNSURE, Interval, combine, covers, negative, positive,
                                           share_interval, within)


def iv(low, high):
    return Interval((low + high) / 2, low, high, 10)


def test_a_numeric_claim_holds_only_when_the_widened_interval_covers_the_studys_number():
    # The study's 88.3 % against a rerun of [80.0, 85.0] %: the old one-sided test "at most
    # 99 %" held; the rule does not, since 0.883 lies 3.3 points above the widened interval.
    assert covers(iv(0.800, 0.850), 0.883, 0.0005) == FAILS
    assert covers(iv(0.800, 0.890), 0.883, 0.0005) == HOLDS
    # The tolerance widens both ends, inclusive: 107.0 (a zero-width rerun) against the
    # study's 107.1 with 0.05 + 0.5 points of rounding holds; with 0.05 alone it does not.
    assert covers(iv(107.0, 107.0), 107.1, 0.55) == HOLDS
    assert covers(iv(107.0, 107.0), 107.1, 0.05) == FAILS
    assert covers(iv(0.0, 0.0), 0.05, 0.005) == FAILS  # "5 %" against a rerun that is exactly 0 %
    assert covers(Interval(0.5, math.nan, math.nan, 1), 0.5, 0.1) == UNSURE


def test_differences():
    assert positive(iv(0.1, 0.3)) == HOLDS
    assert positive(iv(0.0, 0.0)) == FAILS  # exactly equal is not "higher"
    assert positive(iv(-0.1, 0.2)) == UNSURE
    assert negative(iv(-0.3, -0.1)) == HOLDS and negative(iv(0.0, 0.1)) == FAILS
    assert within(iv(-1, 2), 4) == HOLDS and within(iv(5, 6), 4) == FAILS and within(iv(3, 5), 4) == UNSURE


def test_undefined_interval_is_inconclusive_and_combination():
    one = Interval(0.5, math.nan, math.nan, 1)
    assert positive(one) == UNSURE
    assert combine([HOLDS, HOLDS]) == HOLDS
    assert combine([HOLDS, UNSURE]) == UNSURE
    assert combine([UNSURE, FAILS]) == FAILS


def test_share_interval_is_student_t_over_replications_cut_at_the_range():
    """Three replications with on-time shares 0.6, 0.7, 0.8: mean 0.7, s = 0.1, half-width
    t_{0.975, 2} x 0.1 / sqrt(3) = 4.302653 x 0.057735 = 0.248414."""
    ci = share_interval([0.6, 0.7, 0.8])
    assert ci.mean == pytest.approx(0.7) and ci.n == 3
    assert (ci.low, ci.high) == pytest.approx((0.7 - 0.248414, 0.7 + 0.248414), abs=1e-6)
    # 1.0, 1.0, 0.9: the t interval's upper end (0.9667 + 0.1434) is cut at 1.
    cut = share_interval([1.0, 1.0, 0.9])
    assert cut.high == 1.0 and 0 < cut.low < cut.mean
    # Every replication all on time: nothing varies, a zero-width interval at 1.
    full = share_interval([1.0] * 5)
    assert (full.low, full.mean, full.high) == (1.0, 1.0, 1.0)
    assert not share_interval([0.5]).defined
