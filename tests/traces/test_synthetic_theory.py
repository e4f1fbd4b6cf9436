"""The synthetic-trace generator against the parameters it states, by theory.

test_shipped_synthetic.py checks that the shipped files are what the generator makes (a
regression check of the code against itself); this file checks that what it makes is the
model its docstring states. For a long trace of each preset:

* the hidden regime chain, built here from the stated dwell times and jump weights (stay
  with probability exp(-1/dwell) per 1-s step, else jump by weight), has a stationary
  distribution pi (solved here with numpy); the time share of each regime must match it;
* each visit to a regime lasts a geometric number of steps of mean 1 / (1 - exp(-1/dwell));
* within a regime, log(throughput) is N(log median, sigma^2): the marginal mean is
  sum_i pi_i median_i exp(sigma_i^2 / 2) and P(X < 10) = sum_i pi_i Phi((ln 10 - ln median_i) / sigma_i).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from scoutsim.traces.synth import PRESETS, regime_trace

STEPS = 200_000  # 1-s steps: thousands of regime visits, so sampling error is ~1 %


def _theory(model):
    names = [r.name for r in model.regimes]
    k = len(names)
    p = np.zeros((k, k))
    for i, r in enumerate(model.regimes):
        stay = np.exp(-1.0 / r.mean_dwell_s)
        w = np.array([0.0 if m == r.name else r.jumps.get(m, 0.0) for m in names])
        p[i] = (1 - stay) * w / w.sum()
        p[i, i] = stay
    # pi (P - I) = 0 with sum(pi) = 1: replace one equation by the normalisation.
    a = (p.T - np.eye(k))
    a[-1] = 1.0
    b = np.zeros(k)
    b[-1] = 1.0
    return np.linalg.solve(a, b)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_generator_matches_its_stated_model(name):
    model = PRESETS[name]
    trace = regime_trace(model, 1.0, float(STEPS), seed=12345)
    labels, x = trace.info["labels"], np.asarray(trace.mbps, float)
    pi = _theory(model)
    share = np.bincount(labels, minlength=len(pi)) / len(labels)
    assert share == pytest.approx(pi, abs=0.02)

    med = np.array([r.median_mbps for r in model.regimes])
    sig = np.array([r.sigma for r in model.regimes])
    assert x.mean() == pytest.approx(float(np.sum(pi * med * np.exp(sig ** 2 / 2))), rel=0.04)
    below10 = float(np.sum(pi * norm.cdf((np.log(10) - np.log(med)) / sig)))
    assert (x < 10).mean() == pytest.approx(below10, abs=0.01)

    # Visit lengths: geometric with the stated mean dwell.
    change = np.flatnonzero(np.diff(labels)) + 1
    starts, ends = np.r_[0, change], np.r_[change, len(labels)]
    for i, r in enumerate(model.regimes):
        runs = (ends - starts)[labels[starts] == i][1:-1] if len(starts) > 2 else []
        expected = 1.0 / (1.0 - np.exp(-1.0 / r.mean_dwell_s))
        assert np.mean(runs) == pytest.approx(expected, rel=0.1), r.name
        # Within the regime, log-throughput spread is the stated sigma.
        inside = np.log(x[labels == i][x[labels == i] > 0])
        assert inside.std() == pytest.approx(r.sigma, rel=0.1), r.name
