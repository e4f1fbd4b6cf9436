"""fit-markov recovers a known chain; its diagnostics agree with Markov-chain theory."""

from __future__ import annotations

import numpy as np
import pytest

from scoutsim.errors import UserError
from scoutsim.traces import fit, synth

# A 4-level chain with non-neighbour moves; levels a factor >= 2.5 apart.
LEVELS = [5.0, 20.0, 60.0, 150.0]
P = np.array([[0.90, 0.06, 0.03, 0.01],
              [0.05, 0.85, 0.08, 0.02],
              [0.01, 0.07, 0.87, 0.05],
              [0.02, 0.03, 0.10, 0.85]])
N_STEPS = 200_000


def _noisy_chain(seed: int, sigma: float):
    trace = synth.markov_trace(LEVELS, P, 1.0, N_STEPS, seed)
    rng = synth.generator(seed + 1)
    # Mean-one log-normal noise: a measured series is never exactly flat within a state.
    noise = np.exp(sigma * rng.standard_normal(N_STEPS) - sigma**2 / 2)
    return trace.times, trace.mbps * noise, trace.info["labels"]


def test_recovers_known_matrix_within_stated_tolerance():
    times, mbps, labels = _noisy_chain(11, sigma=0.1)
    result = fit.fit_markov(times, mbps, 4)
    # Stated tolerance: each entry within 5 standard errors of the MLE,
    # SE = sqrt(p (1 - p) / n_i), n_i the visits of state i (~40-60k here, so
    # 5 SE <= 0.011), plus 1e-3 for the few noisy samples that cross a state boundary.
    visits = np.bincount(labels[:-1], minlength=4)
    se = np.sqrt(P * (1 - P) / visits[:, None])
    assert np.all(np.abs(result.transition - P) <= 5 * se + 1e-3), result.transition - P
    assert np.max(np.abs(result.transition - P)) < 0.012
    # Levels are the within-state means of mean-one noise around the true levels.
    assert result.states_mbps == pytest.approx(LEVELS, rel=0.01)
    assert result.step_s == 1.0


def test_quantile_method_gives_equally_likely_states():
    # Its defining property: on a continuous series each of the K states holds 1/K of
    # the steps (up to one sample per cut).
    times, mbps, _ = _noisy_chain(3, sigma=0.3)
    result = fit.fit_markov(times, mbps, 5, method="quantile")
    assert result.occupancy == pytest.approx([0.2] * 5, abs=2 / N_STEPS)


def test_chain_acf_matches_two_state_theory():
    # Two states, stay probability a: lag-k autocorrelation is (2a - 1)^k exactly.
    a = 0.9
    p = np.array([[a, 1 - a], [1 - a, a]])
    acf = fit.chain_acf(np.array([1.0, 7.0]), p, 5)
    assert acf == pytest.approx([(2 * a - 1) ** k for k in range(6)], abs=1e-12)


def test_compare_reports_trace_and_chain_side_by_side():
    times, mbps, _ = _noisy_chain(5, sigma=0.05)
    result = fit.fit_markov(times[:20_000], mbps[:20_000], 4)
    report = fit.compare(result)
    trace_mean, chain_mean = report["rows"]["mean"]
    assert chain_mean == pytest.approx(trace_mean, rel=0.02)
    # Same chain, so memory matches: lag-1 correlations within sampling error.
    t1, c1 = report["rows"]["acf_lag1"]
    assert abs(t1 - c1) < 0.03
    # A long path of the chain visits states in its stationary proportions.
    assert report["occupancy_vs_stationary_max_abs"] < 0.01


def test_channel_block_rows_sum_to_one_and_levels_positive():
    mbps = np.array([0.0, 0.0, 0.0, 50.0, 50.0, 0.0, 50.0, 80.0, 80.0, 0.0] * 20)
    result = fit.fit_markov(np.arange(len(mbps), dtype=float), mbps, 3)
    block = fit.channel_block(result)
    assert block["kind"] == "markov"
    assert min(block["states_mbps"]) > 0
    for row in block["transition"]:
        assert abs(sum(row) - 1.0) <= 1e-9


def test_too_many_states_is_a_user_error():
    mbps = np.array([10.0, 20.0] * 50)
    with pytest.raises(UserError, match="distinct"):
        fit.fit_markov(np.arange(100, dtype=float), mbps, 3)


def test_step_must_be_a_multiple_of_the_interval():
    t = np.arange(100, dtype=float)
    with pytest.raises(UserError, match="whole multiple"):
        fit.fit_markov(t, np.linspace(1, 100, 100), 2, step_s=1.5)
    # A 5-s step averages five samples per step.
    result = fit.fit_markov(t, np.repeat([10.0, 90.0], 50), 2, step_s=5.0)
    assert len(result.series) == 20 and result.step_s == 5.0
