"""What a trace looks like to a transfer: distribution and memory of its throughput.

All statistics treat the trace as the channel replays it, a piecewise-constant capacity:
each value is weighted by how long it holds (its interval; the last one holds one
nominal step). For evenly sampled traces this equals per-sample statistics.

*Lag-1 autocorrelation* and the *decorrelation time* describe memory. Both are computed
on the series resampled to an even grid at the trace's nominal step (holding values
across gaps, as the replay does). The decorrelation time is the e-fold time: the first
lag at which the autocorrelation falls below 1/e. For an AR(1) process with coefficient
``a`` sampled every ``dt`` it is ``ceil(-1 / ln a) * dt``; for a Markov chain with
second eigenvalue ``lambda`` the autocorrelation of any level function decays like
``lambda^k``. Short memory means a rate estimate made at the start of a transfer is soon
stale; long memory means an outage, once entered, lasts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

THRESHOLDS_MBPS = (10.0, 25.0, 50.0)
ZERO_MBPS = 0.01  # SOURCE.md files count samples <= 0.01 Mbps as "~0"


def durations(times: np.ndarray, step_s: float) -> np.ndarray:
    return np.append(np.diff(times), step_s)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Quantile of a weighted sample; with equal weights it is the Hazen ``(i-0.5)/n`` rule."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    centre = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, centre, v)


def regular_grid(times: np.ndarray, mbps: np.ndarray, step_s: float) -> np.ndarray:
    """Sample the piecewise-constant trace every ``step_s`` over its whole span."""
    span = times[-1] - times[0] + step_s
    n = max(int(np.floor(span / step_s + 1e-9)), 1)
    grid = times[0] + step_s * np.arange(n)
    idx = np.searchsorted(times, grid + 1e-9 * step_s, side="right") - 1
    return mbps[np.clip(idx, 0, len(mbps) - 1)]


def autocorrelation(x: np.ndarray, max_lag: int | None = None) -> np.ndarray:
    """Sample autocorrelation (biased estimator, as in Box-Jenkins) at lags 0..max_lag."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if max_lag is None:
        max_lag = n - 1
    max_lag = min(max_lag, n - 1)
    d = x - x.mean()
    var = float(d @ d)
    if n < 2 or var == 0.0:
        out = np.full(max_lag + 1, np.nan)
        out[0] = 1.0
        return out
    size = 1 << int(np.ceil(np.log2(2 * n)))
    f = np.fft.rfft(d, size)
    acf = np.fft.irfft(f * np.conj(f), size)[: max_lag + 1]
    return acf / var


def efold_lag(acf: np.ndarray) -> int | None:
    """First lag whose autocorrelation is below 1/e; None when it never gets there."""
    below = np.nonzero(acf < np.exp(-1.0))[0]
    return int(below[0]) if len(below) else None


@dataclass
class TraceSummary:
    samples: int
    step_s: float
    duration_s: float
    mean: float
    median: float
    p5: float
    p95: float
    min: float
    max: float
    frac_below_10: float
    frac_below_25: float
    frac_below_50: float
    frac_zero: float
    acf_lag1: float
    decorrelation_s: float | None

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(times: np.ndarray, mbps: np.ndarray, step_s: float | None = None) -> TraceSummary:
    times = np.asarray(times, dtype=float)
    mbps = np.asarray(mbps, dtype=float)
    if step_s is None:
        step_s = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    w = durations(times, step_s)
    total = float(w.sum())
    p5, p50, p95 = weighted_quantile(mbps, w, [0.05, 0.5, 0.95])
    grid = regular_grid(times, mbps, step_s)
    acf = autocorrelation(grid, max_lag=len(grid) // 2)
    lag = efold_lag(acf)

    def share(mask):
        return float(w[mask].sum() / total)

    return TraceSummary(
        samples=int(len(mbps)), step_s=float(step_s), duration_s=total,
        mean=float(np.dot(mbps, w) / total), median=float(p50), p5=float(p5), p95=float(p95),
        min=float(mbps.min()), max=float(mbps.max()),
        frac_below_10=share(mbps < THRESHOLDS_MBPS[0]),
        frac_below_25=share(mbps < THRESHOLDS_MBPS[1]),
        frac_below_50=share(mbps < THRESHOLDS_MBPS[2]),
        frac_zero=share(mbps <= ZERO_MBPS),
        acf_lag1=float(acf[1]) if len(acf) > 1 else float("nan"),
        decorrelation_s=None if lag is None else lag * float(step_s),
    )


def format_summary(s: TraceSummary) -> str:
    dec = ("not reached within half the trace" if s.decorrelation_s is None
           else f"{s.decorrelation_s:g} s")
    rows = [
        ("duration", f"{s.duration_s:.1f} s ({s.samples} samples, step {s.step_s:g} s)"),
        ("mean", f"{s.mean:.3f} Mbps"),
        ("median", f"{s.median:.3f} Mbps"),
        ("p5 / p95", f"{s.p5:.3f} / {s.p95:.3f} Mbps"),
        ("min / max", f"{s.min:.3f} / {s.max:.3f} Mbps"),
        ("time < 10 / 25 / 50 Mbps",
         f"{s.frac_below_10:.1%} / {s.frac_below_25:.1%} / {s.frac_below_50:.1%}"),
        ("time at ~0 (<= 0.01 Mbps)", f"{s.frac_zero:.1%}"),
        ("lag-1 autocorrelation", f"{s.acf_lag1:.3f} (lag {s.step_s:g} s)"),
        ("decorrelation (e-fold) time", dec),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def stationary(transition: np.ndarray) -> np.ndarray:
    """Left eigenvector of eigenvalue 1, normalised to a distribution."""
    k = transition.shape[0]
    a = np.vstack([transition.T - np.eye(k), np.ones(k)])
    b = np.zeros(k + 1)
    b[-1] = 1.0
    pi, *_ = np.linalg.lstsq(a, b, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()
