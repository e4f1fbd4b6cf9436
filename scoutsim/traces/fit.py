"""Fitting a K-state Markov channel to a trace, and judging how good the fit is.

The study's channel is a discrete-time Markov chain over a few capacity levels
(:class:`scoutsim.network.channels.markov.MarkovChannel`). To give it realistic parameters, or to
ask how much a real trace's behaviour differs from its Markov caricature, we fit one:

1. **Step.** The chain moves every ``step_s``: by default the trace's own sampling
   interval; a longer step must be a whole multiple of it, and the trace is then averaged
   over each step (what a transfer spanning the step would see).
2. **States.** Throughput spans orders of magnitude (outages near 0, mmWave at hundreds of
   Mbps), so states are found on ``log(max(mbps, floor))``: ``kmeans`` (default) runs
   one-dimensional Lloyd iterations started from the ``(i + 1/2)/K`` quantiles;
   ``quantile`` keeps K equally likely bins. Each state's level is the **arithmetic**
   mean throughput of its samples, so the chain keeps the trace's mean (levels below
   ``floor`` are raised to it: the markov channel needs positive levels, and an outage
   state then carries 0.01 Mbps).
3. **Transitions.** ``P[i, j]`` is the maximum-likelihood estimate: the share of steps
   in state ``i`` followed by state ``j``. Its standard error is
   ``sqrt(P[i,j] (1 - P[i,j]) / n_i)`` for ``n_i`` visits of state ``i`` (for a chain
   observed long enough), which is what the recovery test's tolerance is built on.

:func:`compare` then sets the fitted chain's stationary distribution and its exact
autocorrelation, ``rho(k) = (pi . (s * P^k s) - mu^2) / var``, against the trace's. A
chain of K levels has no variation within a level, so it under-states variance and
reproduces the marginal distribution only to the resolution of its levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoutsim.traces.stats import stationary
from scoutsim.errors import UserError
from scoutsim.traces import stats

FLOOR_MBPS = 0.01
METHODS = ("kmeans", "quantile")


@dataclass
class MarkovFit:
    states_mbps: np.ndarray
    transition: np.ndarray
    step_s: float
    counts: np.ndarray          # transitions observed, K x K
    occupancy: np.ndarray       # share of steps in each state
    boundaries_mbps: np.ndarray  # K-1 thresholds separating the states
    method: str
    series: np.ndarray          # the stepped series the chain was fitted to
    labels: np.ndarray          # its state sequence

    @property
    def stationary(self) -> np.ndarray:
        return stationary(self.transition)


def stepped_series(times: np.ndarray, mbps: np.ndarray, native_step: float,
                   step_s: float | None) -> tuple[np.ndarray, float]:
    grid = stats.regular_grid(times, mbps, native_step)
    if step_s is None or abs(step_s - native_step) < 1e-9 * native_step:
        return grid, native_step
    ratio = step_s / native_step
    m = int(round(ratio))
    if m < 1 or abs(ratio - m) > 1e-6:
        raise UserError(f"--step-s {step_s:g} must be a whole multiple of the trace's "
                        f"sampling interval {native_step:g} s")
    n = len(grid) // m
    if n < 2:
        raise UserError(f"trace is shorter than two steps of {step_s:g} s")
    return grid[: n * m].reshape(n, m).mean(axis=1), float(step_s)


def _kmeans_1d(x: np.ndarray, k: int, iters: int = 200) -> np.ndarray:
    """Lloyd's algorithm on a line, started from the (i + 1/2)/K quantiles.

    A centre left without points (ties can put two starting centres on one value) is
    moved to the point farthest from its own centre, the usual k-means repair.

    Why not SciPy's ``kmeans2``: on an empty cluster it can only keep the centre in place
    (``missing="warn"``) or raise, so a trace of three levels with ties fitted with three
    states loses a state (tests/traces/test_fit.py has that case); this repair is the one
    thing it lacks, and on a line Lloyd's step is two NumPy calls.
    """
    centres = np.quantile(x, (np.arange(k) + 0.5) / k)
    for _ in range(iters):
        labels = np.searchsorted((centres[1:] + centres[:-1]) / 2, x)
        counts = np.bincount(labels, minlength=k)
        new = np.array([x[labels == i].mean() if counts[i] else np.nan for i in range(k)])
        for i in np.nonzero(counts == 0)[0]:
            far = np.abs(x - centres[labels])
            far[np.isin(x, new)] = -1.0
            new[i] = x[int(np.argmax(far))]
        new = np.sort(new)
        if np.allclose(new, centres, rtol=0, atol=1e-12):
            break
        centres = new
    return centres


def fit_markov(times: np.ndarray, mbps: np.ndarray, k: int, *, native_step: float | None = None,
               step_s: float | None = None, method: str = "kmeans",
               floor_mbps: float = FLOOR_MBPS) -> MarkovFit:
    times = np.asarray(times, dtype=float)
    mbps = np.asarray(mbps, dtype=float)
    if k < 1:
        raise UserError(f"--states {k}; expected >= 1")
    if method not in METHODS:
        raise UserError(f"--method {method!r}; expected one of {list(METHODS)}")
    if native_step is None:
        native_step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    series, step = stepped_series(times, mbps, native_step, step_s)
    if len(series) < 2 * k:
        raise UserError(f"trace has {len(series)} steps; too short to fit {k} states")
    x = np.log(np.maximum(series, floor_mbps))
    distinct = len(np.unique(x))
    if distinct < k:
        raise UserError(f"trace has only {distinct} distinct throughput level(s) after flooring at "
                        f"{floor_mbps:g} Mbps; use --states <= {distinct}")
    if method == "kmeans":
        centres = _kmeans_1d(x, k)
        cuts = (centres[1:] + centres[:-1]) / 2
    else:
        cuts = np.quantile(x, np.arange(1, k) / k)
    labels = np.searchsorted(cuts, x, side="right")
    used = np.bincount(labels, minlength=k)
    if np.any(used == 0):
        raise UserError(f"{int((used == 0).sum())} of {k} states received no samples "
                        f"(ties in the trace); use fewer --states or --method kmeans")
    # The markov channel needs positive levels: an outage state keeps the floor rate.
    levels = np.maximum([series[labels == i].mean() for i in range(k)], floor_mbps)
    counts = np.zeros((k, k))
    np.add.at(counts, (labels[:-1], labels[1:]), 1.0)
    rows = counts.sum(axis=1, keepdims=True)
    trans = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    for i in np.nonzero(rows[:, 0] == 0)[0]:
        trans[i, i] = 1.0  # seen only as the last step: no evidence it ever leaves
    return MarkovFit(levels, trans, step, counts, used / used.sum(), np.exp(cuts), method,
                     series, labels)


def chain_acf(states: np.ndarray, transition: np.ndarray, max_lag: int) -> np.ndarray:
    """Exact autocorrelation of the stationary chain's level at lags 0..max_lag."""
    pi = stationary(transition)
    mu = float(pi @ states)
    var = float(pi @ states**2) - mu**2
    out = np.empty(max_lag + 1)
    v = states.astype(float).copy()
    for lag in range(max_lag + 1):
        out[lag] = (float(pi @ (states * v)) - mu**2) / var if var > 0 else np.nan
        v = transition @ v
    return out


def _discrete_quantile(levels, probs, q):
    order = np.argsort(levels)
    cum = np.cumsum(probs[order])
    return float(levels[order][min(int(np.searchsorted(cum, q - 1e-12)), len(levels) - 1)])


def compare(fit: MarkovFit, max_lag: int | None = None) -> dict:
    """Trace vs fitted chain: distribution and memory, side by side."""
    series = fit.series
    pi = fit.stationary
    s = fit.states_mbps
    if max_lag is None:
        max_lag = max(1, min(len(series) // 4, 600))
    acf_t = stats.autocorrelation(series, max_lag)
    acf_c = chain_acf(s, fit.transition, max_lag)
    lag_t, lag_c = stats.efold_lag(acf_t), stats.efold_lag(acf_c)
    grid = np.unique(np.concatenate([series, s]))
    ecdf = np.searchsorted(np.sort(series), grid, side="right") / len(series)
    ccdf = np.array([pi[s <= g].sum() for g in grid])
    rows: dict[str, tuple[float | None, float | None]] = {
        "mean": (float(series.mean()), float(pi @ s)),
        "median": (float(np.median(series)), _discrete_quantile(s, pi, 0.5)),
        "p5": (float(np.quantile(series, 0.05)), _discrete_quantile(s, pi, 0.05)),
        "p95": (float(np.quantile(series, 0.95)), _discrete_quantile(s, pi, 0.95)),
        "std": (float(series.std()), float(np.sqrt(max(pi @ s**2 - (pi @ s) ** 2, 0.0)))),
    }
    for thr in stats.THRESHOLDS_MBPS:
        rows[f"frac_below_{thr:g}"] = (float((series < thr).mean()), float(pi[s < thr].sum()))
    lags = [lag for lag in (1, 2, 5, 10, 20, 50, 100) if lag <= max_lag]
    for lag in lags:
        rows[f"acf_lag{lag}"] = (float(acf_t[lag]), float(acf_c[lag]))
    rows["decorrelation_s"] = (None if lag_t is None else lag_t * fit.step_s,
                               None if lag_c is None else lag_c * fit.step_s)
    return {
        "rows": rows,
        "ks_distance": float(np.max(np.abs(ecdf - ccdf))),
        "occupancy_vs_stationary_max_abs": float(np.max(np.abs(fit.occupancy - pi))),
        "step_s": fit.step_s,
        "max_lag": max_lag,
    }


def format_compare(report: dict) -> str:
    lines = [f"{'statistic':<20}{'trace':>12}{'fitted chain':>14}"]
    for name, (a, b) in report["rows"].items():
        fa = "n/a" if a is None else f"{a:.4g}"
        fb = "n/a" if b is None else f"{b:.4g}"
        lines.append(f"{name:<20}{fa:>12}{fb:>14}")
    lines.append(f"Kolmogorov-Smirnov distance, trace vs stationary distribution: "
                 f"{report['ks_distance']:.3f}")
    lines.append("acf_lagN is at N steps of "
                 f"{report['step_s']:g} s; the chain's values are exact, not simulated")
    return "\n".join(lines)


def rounded_transition(p: np.ndarray, digits: int = 6) -> list[list[float]]:
    """Rows rounded for YAML that still sum to 1: the rounding residue goes to the largest entry."""
    out = []
    for row in np.asarray(p, dtype=float):
        r = np.round(row, digits)
        j = int(np.argmax(r))
        r[j] = round(1.0 - (r.sum() - r[j]), digits)
        out.append([float(v) for v in r])
    return out


def channel_block(fit: MarkovFit) -> dict:
    return {"kind": "markov",
            "states_mbps": [float(f"{v:.6g}") for v in fit.states_mbps],
            "step_s": float(fit.step_s),
            "transition": rounded_transition(fit.transition)}
