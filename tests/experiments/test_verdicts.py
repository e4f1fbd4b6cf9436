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
