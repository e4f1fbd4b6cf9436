"""Judging a published claim against a confidence interval.

A numeric claim (the study printed a number) is judged by :func:`covers`: it holds when the
study's number lies inside the rerun's 95 % interval across replications, widened by the
claim's rounding tolerance, and does not hold otherwise. A qualitative claim (one arm above
another, two about equal) is judged by where the whole interval of the paired difference
lies, never by the point estimate alone:

* ``holds``: the interval lies inside the region the claim asserts;
* ``does not hold``: the interval lies entirely outside it;
* ``inconclusive``: the interval straddles the boundary (more replications would tell).

An interval of zero width is legitimate (a setting with nothing random left); an undefined
one (a single replication) is always inconclusive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoutsim.intervals import replication_proportion_interval

HOLDS = "holds"
FAILS = "does not hold"
UNSURE = "inconclusive"
NOT_RUN = "not run"  # the experiment could not run here (e.g. its traces are not imported)
NOT_COMPARABLE = "not comparable"  # the variant lacks what the claim is about (rounds under Poisson arrivals)


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


def share_interval(per_replication) -> Interval:
    """The mean of per-replication shares (on time, rounds all on time, sent as scout) with
    the Student-t 95 % interval across replications, intersected with [0, 1].

    Replications are the independent units: requests within one share a channel path and
    are correlated, so a Wilson interval over the pooled requests treats thousands of
    correlated trials as independent and comes out too narrow (docs/models/statistics.md)."""
    ci = replication_proportion_interval(per_replication)
    return Interval(ci.estimate, ci.low, ci.high, ci.n)


def covers(ci: Interval, value: float, tolerance: float) -> str:
    """The verdict rule for a numeric claim: it holds when the study's ``value`` lies inside
    the rerun's interval widened on both sides by ``tolerance`` (the study's rounding), and
    does not hold otherwise; an undefined interval (one replication) is inconclusive."""
    if not ci.defined:
        return UNSURE
    return HOLDS if ci.low - tolerance <= value <= ci.high + tolerance else FAILS


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
