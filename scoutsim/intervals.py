"""Confidence intervals that respect the range of the metric they describe.

One module, on :mod:`scipy.stats`, so that every table of scoutsim (the oracle report, the
simulator's summaries, ``reproduce``) chooses its interval the same way:

=============================================  =====================================
what is estimated                              function (method)
=============================================  =====================================
mean of an unbounded quantity (latency, bytes)  :func:`t_interval` (Student t)
mean of a bounded quantity (per-sample F1)      :func:`bootstrap_interval` (BCa or
                                                percentile bootstrap, seeded)
a proportion from counts (EM, on-time share)    :func:`wilson_interval` (Wilson score)
mean of per-replication proportions             :func:`replication_proportion_interval`
                                                (t interval intersected with [0, 1])
any t interval of a quantity with a known range  :func:`within` (the interval intersected
                                                with the range: counts, seconds and bytes
                                                at 0; a difference of shares in [-1, 1])
=============================================  =====================================

Every function returns an :class:`Interval` (estimate, low, high, method, n). Bounded
intervals never leave their range: a bootstrap interval is made of resampled means, each
inside the data's range; Wilson's interval lies in [0, 1] by construction; the replication
interval is intersected with [0, 1], which cannot lower its coverage because the true mean
of proportions lies in [0, 1]. The symmetric t interval of a bounded mean near 0 or 1 is
what gave ``[-0.003, 0.020]`` for an INT2 F1 of a measured cache, hence the bootstrap.

Randomness: the bootstrap draws from ``numpy.random.default_rng(SeedSequence(seed))``, so
the same data and seed give the same interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import special  # scipy.stats (half a second to import) only where it is used

LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 4999  # odd, so percentile ends fall on resampled values


@dataclass(frozen=True)
class Interval:
    """A point estimate with its two-sided confidence interval (``nan`` ends when n is too
    small to say anything)."""

    estimate: float
    low: float
    high: float
    method: str
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def format(self, digits: int = 3) -> str:
        if math.isnan(self.low):
            return f"{self.estimate:.{digits}f}"
        return f"{self.estimate:.{digits}f} [{self.low:.{digits}f}, {self.high:.{digits}f}]"


def _values(values) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    return x[~np.isnan(x)]


def _empty(method: str) -> Interval:
    return Interval(float("nan"), float("nan"), float("nan"), method, 0)


def t_interval(values, level: float = LEVEL) -> Interval:
    """Student-t interval of a mean: ``mean +- t_{(1+level)/2, n-1} s / sqrt(n)``. For
    quantities without a bound that the interval could cross."""
    x = _values(values)
    if len(x) == 0:
        return _empty("t")
    mean = float(x.mean())
    if len(x) < 2:
        return Interval(mean, float("nan"), float("nan"), "t", len(x))
    if not x.std() > 0:
        return Interval(mean, mean, mean, "t", len(x))
    # stats.t.interval(level, n - 1, loc=mean, scale=stats.sem(x)) step by step, the same
    # float operations (tests/test_intervals.py checks equality to the last bit): without
    # scipy's argument checks a call costs 20 us instead of 330, and a sweep's tables make
    # hundreds of them.
    n = len(x)
    sem = np.std(x, ddof=1) / n**0.5
    low = special.stdtrit(n - 1, (1.0 - level) / 2) * sem + mean
    high = special.stdtrit(n - 1, (1.0 + level) / 2) * sem + mean
    return Interval(mean, float(low), float(high), "t", len(x))


def bootstrap_interval(values, low: float = 0.0, high: float = 1.0, level: float = LEVEL, method: str = "BCa",
                       seed: int = 0, resamples: int = BOOTSTRAP_RESAMPLES) -> Interval:
    """Bootstrap interval of the mean of values bounded by ``[low, high]`` (F1: [0, 1]).

    ``method`` is ``"BCa"`` (bias-corrected and accelerated, default) or ``"percentile"``.
    Values outside the bounds are an error, not clipped: they would mean the metric is not
    what the caller says. All-equal values give the degenerate interval at that value.
    """
    x = _values(values)
    name = f"bootstrap {method}"
    if len(x) == 0:
        return _empty(name)
    if x.min() < low or x.max() > high:
        raise ValueError(f"values outside [{low}, {high}]: min {x.min()}, max {x.max()}")
    mean = float(x.mean())
    if len(x) < 2:
        return Interval(mean, float("nan"), float("nan"), name, len(x))
    if np.all(x == x[0]):  # every resample has the same mean; BCa's acceleration is 0/0
        return Interval(mean, mean, mean, name, len(x))
    from scipy import stats

    rng = np.random.default_rng(np.random.SeedSequence(seed))
    with warnings.catch_warnings():
        # BCa warns (and may give nan) on nearly degenerate data; fall back to percentile.
        warnings.simplefilter("ignore")
        res = stats.bootstrap((x,), np.mean, confidence_level=level, n_resamples=resamples, method=method,
                              random_state=rng)
    lo, hi = res.confidence_interval.low, res.confidence_interval.high
    if method == "BCa" and (np.isnan(lo) or np.isnan(hi)):
        return bootstrap_interval(x, low, high, level, "percentile", seed, resamples)
    # Resampled means lie in [min x, max x]; the clip only removes floating-point dust.
    return Interval(mean, float(np.clip(lo, low, high)), float(np.clip(hi, low, high)), name, len(x))


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> Interval:
    """Wilson score interval of a proportion ``successes / n`` (exact match, deadline
    compliance): inside [0, 1], and sensible at 0 and n successes, where the Wald
    interval collapses to a point."""
    if n <= 0:
        return _empty("Wilson")
    k = int(round(successes))
    if not 0 <= k <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    from scipy import stats

    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    return Interval(k / n, float(ci.low), float(ci.high), "Wilson", n)


def proportion_interval(flags, level: float = LEVEL) -> Interval:
    """Wilson interval of the share of true values among 0/1 ``flags``."""
    x = _values(flags)
    if len(x) and not np.all((x == 0) | (x == 1)):
        raise ValueError("proportion_interval needs 0/1 values")
    return wilson_interval(int(x.sum()), len(x), level)


def replication_proportion_interval(proportions, level: float = LEVEL) -> Interval:
    """Interval of the mean of per-replication proportions (one on-time share per
    replication): the Student-t interval across replications, intersected with [0, 1].

    Replications are the independent units (requests within one are not), so the t
    interval over replications is the honest one; intersecting it with [0, 1] removes only
    impossible values, so coverage is unchanged.
    """
    x = _values(proportions)
    if len(x) and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"proportions outside [0, 1]: min {x.min()}, max {x.max()}")
    t = t_interval(x, level)
    if math.isnan(t.low):
        return Interval(t.estimate, t.low, t.high, "t over replications, within [0, 1]", t.n)
    return Interval(t.estimate, max(0.0, t.low), min(1.0, t.high), "t over replications, within [0, 1]", t.n)


def within(interval: Interval, low: float, high: float = math.inf) -> Interval:
    """``interval`` intersected with the range ``[low, high]`` its quantity cannot leave (a
    mean of counts, seconds or bytes is at least 0; a paired difference of shares lies in
    [-1, 1]). As for :func:`replication_proportion_interval`, only impossible values are
    removed, so coverage is unchanged; an undefined interval stays undefined."""
    if math.isnan(interval.low):
        return interval
    return Interval(interval.estimate, max(low, interval.low), min(high, interval.high),
                    f"{interval.method}, within [{low:g}, {high:g}]", interval.n)

