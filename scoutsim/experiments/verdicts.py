"""Judging a published claim against a confidence interval.

Every test returns one of three verdicts, decided by where the whole 95 % interval lies,
never by the point estimate alone:

* ``holds``: the interval lies inside the region the claim asserts;
* ``does not hold``: the interval lies entirely outside it;
* ``inconclusive``: the interval straddles the boundary (more replications would tell).

An interval of zero width is legitimate (a setting with nothing random left); an undefined
one (a single replication) is always inconclusive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

HOLDS = "holds"
FAILS = "does not hold"
UNSURE = "inconclusive"
NOT_RUN = "not run"  # the experiment could not run here (e.g. its traces are not imported)


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def defined(self) -> bool:
        return not (math.isnan(self.low) or math.isnan(self.high))

    def text(self, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
        if math.isnan(self.mean):
            return "n/a"
        m = self.mean * scale
        if not self.defined:
            return f"{m:.{digits}f}{unit} (CI undefined, n={self.n})"
        return f"{m:.{digits}f}{unit} [{self.low * scale:.{digits}f}, {self.high * scale:.{digits}f}]"


def share_interval(k: float, n: float, replications: int) -> Interval:
    """A share of ``k`` successes in ``n`` trials (requests or rounds pooled over
    replications) with its Wilson 95 % interval, which never leaves [0, 1]; ``n = 0`` gives
    an undefined one. Pooling treats the trials as independent; under a correlated channel
    the interval is optimistic (the replications' spread is the honest one). One helper, so
    that scoutsim.intervals can replace it."""
    if n <= 0:
        return Interval(math.nan, math.nan, math.nan, replications)
    ci = stats.binomtest(int(round(k)), int(round(n))).proportion_ci(confidence_level=0.95, method="wilson")
    return Interval(k / n, float(ci.low), float(ci.high), replications)


def near(ci: Interval, value: float, margin: float) -> str:
    """About ``value``: the interval lies inside [value - margin, value + margin]."""
    if not ci.defined:
        return UNSURE
    if value - margin <= ci.low and ci.high <= value + margin:
        return HOLDS
    return FAILS if ci.low > value + margin or ci.high < value - margin else UNSURE


def at_least(ci: Interval, threshold: float) -> str:
    if not ci.defined:
        return UNSURE
    if ci.low >= threshold:
        return HOLDS
    return FAILS if ci.high < threshold else UNSURE


def at_most(ci: Interval, threshold: float) -> str:
    if not ci.defined:
        return UNSURE
    if ci.high <= threshold:
        return HOLDS
    return FAILS if ci.low > threshold else UNSURE


def positive(diff: Interval) -> str:
    """The first arm is larger: the paired difference's interval lies above zero."""
    if not diff.defined:
        return UNSURE
    if diff.low > 0:
        return HOLDS
    return FAILS if diff.high <= 0 else UNSURE


def negative(diff: Interval) -> str:
    if not diff.defined:
        return UNSURE
    if diff.high < 0:
        return HOLDS
    return FAILS if diff.low >= 0 else UNSURE


def within(diff: Interval, margin: float) -> str:
    """About equal: the difference's interval lies inside [-margin, margin]."""
    if not diff.defined:
        return UNSURE
    if -margin <= diff.low and diff.high <= margin:
        return HOLDS
    return FAILS if diff.low > margin or diff.high < -margin else UNSURE


def combine(verdicts: list[str]) -> str:
    """All parts must hold; any part that fails fails the whole."""
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    return FAILS if FAILS in verdicts else UNSURE
