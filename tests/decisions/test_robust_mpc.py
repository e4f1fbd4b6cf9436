"""RobustMPC (Pensieve): harmonic mean of the last 5 throughputs / (1 + max relative error)."""

from __future__ import annotations

import pytest

from scoutsim.decisions.estimators import ESTIMATORS, build_estimator


def test_robust_mpc_against_a_series_worked_by_hand():
    e = build_estimator("robust_mpc", 1e6, probe=lambda: 0.0)
    assert "robust_mpc" in ESTIMATORS.names()
    assert e.estimate() == 1e6  # the prior before any transfer
    # 1) 2 MB in 1 s: x = 2e6. Prediction was the prior 1e6: error |1e6 - 2e6| / 2e6 = 0.5.
    #    Harmonic mean 2e6; estimate 2e6 / 1.5.
    e.observe(2e6, 1.0)
    assert e.estimate() == pytest.approx(2e6 / 1.5)
    # 2) x = 1e6; prediction 2e6: error 1.0. Harmonic mean 2 / (1/2e6 + 1/1e6) = 4e6/3;
    #    estimate (4e6/3) / (1 + 1.0) = 2e6/3.
    e.observe(1e6, 1.0)
    assert e.estimate() == pytest.approx(2e6 / 3)
    # 3) 4 MB in 2 s: x = 2e6; prediction 4e6/3: error (2e6 - 4e6/3) / 2e6 = 1/3. Harmonic
    #    mean 3 / (1/2e6 + 1/1e6 + 1/2e6) = 1.5e6; the largest error is still 1.0: 0.75e6.
    e.observe(4e6, 2.0)
    assert e.estimate() == pytest.approx(0.75e6)
    # 4)-7) four transfers at exactly 1.5e6. Their predictions (harmonic means of the last
    #    five throughputs before each) and errors:
    #    4) [2, 1, 2] e6 -> 1.5e6, error 0;  5) [2, 1, 2, 1.5] e6 -> 4 / (2.6667e-6) = 1.5e6, 0;
    #    6) [2, 1, 2, 1.5, 1.5] e6 -> 5 / 3.3333e-6 = 1.5e6, 0;
    #    7) [1, 2, 1.5, 1.5, 1.5] e6 -> 5 / 3.5e-6 = 1.428571e6, error 0.071429 / 1.5 = 0.047619.
    #    The window's errors are now those of 3)-7): the largest is 3)'s 1/3 (2)'s 1.0 has
    #    left). Harmonic mean of [2, 1.5, 1.5, 1.5, 1.5] e6 = 5 / 3.166667e-6 = 1.578947e6;
    #    estimate 1.578947e6 / (4/3) = 1.184211e6.
    for _ in range(4):
        e.observe(1.5e6, 1.0)
    assert e.estimate() == pytest.approx(1.184211e6, rel=1e-6)


def test_robust_mpc_ignores_empty_observations():
    e = build_estimator("robust_mpc", 5e6, probe=lambda: 0.0)
    e.observe(0.0, 1.0)
    e.observe(1e6, 0.0)
    assert e.estimate() == 5e6
