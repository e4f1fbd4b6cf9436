"""Seeded generators for synthetic throughput traces (the ones the project may ship).

Real traces cannot be redistributed, so scenarios in the repository replay traces made
here. Every generator draws from ``numpy.random.Generator(PCG64(SeedSequence(seed)))``:
the same model, step, duration and seed give the same trace on every machine.

Two generators:

* :func:`markov_trace` samples a Markov channel (levels, transition matrix, step), e.g.
  one that ``traces fit-markov`` wrote. It is also the ground truth for testing the fit.
* :func:`regime_trace` samples a **regime-switching log-AR(1)** model, closer to a
  measured mobile uplink than a few flat levels: a hidden regime (e.g. good NR, NR at the
  cell edge, LTE fallback, outage) persists for an exponentially distributed dwell time
  and then jumps to another regime; within a regime, ``log(throughput)`` follows an
  AR(1) process around the regime's median with stationary standard deviation ``sigma``
  and per-step correlation ``rho`` (fast fading and scheduler noise).

The presets' parameters are hand-set, aiming at the published summary figures of the
measured data sets (SOURCE.md of each), not estimated from their files: ``5g-uplink``
aims at a mid-band/mmWave NSA walking uplink (mean ~60 Mbps, a few percent of seconds
under 10 Mbps, regimes lasting tens of seconds), ``lte-uplink`` at a flat ~40-45 Mbps
LTE uplink with occasional dips.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from scoutsim.traces.stats import stationary
from scoutsim.errors import UserError
from scoutsim.traces.series import Trace


def generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(seed))))


def _validate_chain(states, transition) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(states, dtype=float)
    p = np.asarray(transition, dtype=float)
    if s.ndim != 1 or len(s) == 0 or np.any(s < 0) or not np.all(np.isfinite(s)):
        raise UserError("states_mbps must be a non-empty list of non-negative numbers")
    if p.shape != (len(s), len(s)):
        raise UserError(f"transition must be {len(s)} x {len(s)}; got shape {p.shape}")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-6):
        raise UserError("transition rows must be non-negative and sum to 1")
    return s, p


def markov_trace(states, transition, step_s: float, duration_s: float, seed: int) -> Trace:
    """A Markov-chain trace: one row per step, the first state drawn from stationarity."""
    s, p = _validate_chain(states, transition)
    n = _steps(duration_s, step_s)
    rng = generator(seed)
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    u = rng.random(n)
    labels = np.empty(n, dtype=np.int64)
    labels[0] = min(int(np.searchsorted(np.cumsum(stationary(p)), u[0], side="right")), len(s) - 1)
    for i in range(1, n):
        labels[i] = min(int(np.searchsorted(cum[labels[i - 1]], u[i], side="right")), len(s) - 1)
    trace = Trace(step_s * np.arange(n), s[labels], float(step_s))
    trace.info.update(generator="markov", states_mbps=s.tolist(), transition=p.tolist(),
                      step_s=float(step_s), duration_s=float(duration_s), seed=int(seed))
    trace.info["labels"] = labels  # kept in memory for tests; not written to the sidecar
    return trace


@dataclass(frozen=True)
class Regime:
    name: str
    median_mbps: float
    sigma: float         # stationary std of log(throughput) within the regime
    rho: float           # per-second correlation of log(throughput)
    mean_dwell_s: float  # mean time before the regime changes
    jumps: dict          # regime name -> relative weight of jumping there


@dataclass(frozen=True)
class RegimeModel:
    name: str
    regimes: tuple

    def describe(self) -> dict:
        return {"name": self.name, "regimes": [asdict(r) for r in self.regimes]}


PRESETS = {
    "5g-uplink": RegimeModel("5g-uplink", (
        Regime("nr_good", 80.0, 0.25, 0.5, 120.0, {"nr_edge": 0.65, "lte": 0.25, "outage": 0.10}),
        Regime("nr_edge", 40.0, 0.40, 0.7, 45.0, {"nr_good": 0.55, "lte": 0.35, "outage": 0.10}),
        Regime("lte", 20.0, 0.45, 0.8, 40.0, {"nr_good": 0.3, "nr_edge": 0.4, "outage": 0.3}),
        Regime("outage", 1.0, 1.0, 0.5, 8.0, {"nr_good": 0.1, "nr_edge": 0.4, "lte": 0.5}),
    )),
    "lte-uplink": RegimeModel("lte-uplink", (
        Regime("lte_good", 45.0, 0.12, 0.6, 90.0, {"lte_weak": 0.9, "outage": 0.1}),
        Regime("lte_weak", 25.0, 0.35, 0.8, 30.0, {"lte_good": 0.85, "outage": 0.15}),
        Regime("outage", 1.0, 1.0, 0.5, 4.0, {"lte_good": 0.3, "lte_weak": 0.7}),
    )),
}


def _steps(duration_s: float, step_s: float) -> int:
    if not (step_s > 0) or not (duration_s > 0):
        raise UserError(f"duration ({duration_s:g} s, --duration-s) and step ({step_s:g} s, --step-s) must be positive")
    n = int(round(duration_s / step_s))
    if n < 2:
        raise UserError(f"duration {duration_s:g} s gives fewer than two steps of {step_s:g} s")
    return n


def regime_trace(model: RegimeModel, step_s: float, duration_s: float, seed: int) -> Trace:
    n = _steps(duration_s, step_s)
    rng = generator(seed)
    names = [r.name for r in model.regimes]
    k = len(names)
    # Per-step regime chain: stay with probability exp(-step / dwell), else jump by weights.
    p = np.zeros((k, k))
    for i, r in enumerate(model.regimes):
        stay = np.exp(-step_s / r.mean_dwell_s)
        w = np.array([r.jumps.get(m, 0.0) for m in names])
        w[i] = 0.0
        p[i] = (1 - stay) * w / w.sum()
        p[i, i] = stay
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    pi = stationary(p)
    med = np.array([r.median_mbps for r in model.regimes])
    sig = np.array([r.sigma for r in model.regimes])
    # rho is per second; a step of dt seconds decorrelates as rho ** dt.
    rho = np.array([r.rho for r in model.regimes]) ** step_s
    u = rng.random(n)
    z = rng.standard_normal(n)
    state = min(int(np.searchsorted(np.cumsum(pi), u[0], side="right")), k - 1)
    y = z[0]  # standardised fading, stationary N(0, 1)
    labels = np.empty(n, dtype=np.int64)
    out = np.empty(n)
    for i in range(n):
        if i:
            state = min(int(np.searchsorted(cum[state], u[i], side="right")), k - 1)
            y = rho[state] * y + np.sqrt(1 - rho[state] ** 2) * z[i]
        labels[i] = state
        out[i] = med[state] * np.exp(sig[state] * y)
    trace = Trace(step_s * np.arange(n), np.round(out, 3), float(step_s))
    trace.info.update(generator="regime_log_ar1", model=model.describe(), step_s=float(step_s),
                      duration_s=float(duration_s), seed=int(seed))
    trace.info["labels"] = labels
    return trace
