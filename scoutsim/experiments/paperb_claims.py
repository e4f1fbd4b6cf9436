"""The study's conclusions (RESEARCH.md s4) as tests on the rerun's intervals, and the report.

Each claim names the study's figure and a test from :mod:`.verdicts`; it is judged
separately under each sharing rule. Thresholds: "100 % on time" means the interval lies at
or above 99 %; "0 %" at or below 1 %; "about equal" totals within 1 % of the four devices'
400 % (4 points); comparisons need the paired difference's interval to exclude zero.
Nothing here is a stored result: every verdict is computed from the intervals it prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from scoutsim.experiments.paperb import EXPERIMENTS, SHARINGS, Results
from scoutsim.experiments.verdicts import at_least, at_most, combine, negative, positive, within

PCT = dict(scale=100.0, digits=1, unit=" %")
PTS = dict(scale=1.0, digits=1, unit="")


@dataclass(frozen=True)
class Claim:
    experiment: str
    text: str
    study: str
    judge: Callable[[Results, str, str], tuple[str, str]]  # (results, experiment, sharing) -> verdict, evidence


def level(arm: str, metric: str, test, threshold: float, fmt=PCT):
    def judge(r: Results, exp: str, sharing: str):
        ci = r.ci(exp, sharing, arm, metric)
        return test(ci, threshold), f"{arm}: {ci.text(**fmt)}"
    return judge


def paired(arm: str, base: str | Callable, metric: str, test, fmt=PCT):
    def judge(r: Results, exp: str, sharing: str):
        b = base(r, exp, sharing) if callable(base) else base
        d = r.diff(exp, sharing, arm, b, metric)
        return test(d), f"{arm} - {b}: {d.text(**fmt)}"
    return judge


def all_of(*judges):
    def judge(r: Results, exp: str, sharing: str):
        parts = [j(r, exp, sharing) for j in judges]
        return combine([v for v, _ in parts]), "; ".join(e for _, e in parts)
    return judge


def best_static(metric: str):
    """The static mode with the highest mean: adaptive must beat the best of them."""
    def pick(r: Results, exp: str, sharing: str) -> str:
        arms = [a for a in next(e.arms for e in EXPERIMENTS if e.name == exp) if a.startswith("static:")]
        return max(arms, key=lambda a: r.ci(exp, sharing, a, metric).mean)
    return pick


EQUAL_MARGIN = 4.0  # percentage points of total quality: 1 % of four devices' 400 %

CLAIMS = (
    Claim("markov", "static INT8 misses some deadlines", "88.3 % on time",
          level("static:int8", "on_time", at_most, 0.99)),
    Claim("markov", "static INT4 is always on time", "100 %", level("static:int4", "on_time", at_least, 0.99)),
    Claim("markov", "adaptive is always on time", "100 %", level("adaptive", "on_time", at_least, 0.99)),
    Claim("markov", "scout alone is always on time", "100 %",
          level("static:scout@0.5", "on_time", at_least, 0.99)),
    Claim("markov", "adaptive's answers exceed full-KV quality", "107.1 % of full KV",
          level("adaptive", "quality_pct", at_least, 100.0, PTS)),
    Claim("markov", "adaptive's quality is higher than static INT4's", "107.1 vs 96.2 %",
          paired("adaptive", "static:int4", "quality_pct", positive, PTS)),
    Claim("markov", "adaptive's quality is higher than scout alone's", "107.1 vs 95.0 %",
          paired("adaptive", "static:scout@0.5", "quality_pct", positive, PTS)),
    Claim("markov", "adaptive is on time more often than static INT8", "100 vs 88.3 %",
          paired("adaptive", "static:int8", "on_time", positive)),
    Claim("markov", "adaptive delivers the most quality on time (misses = 0) of all policies", "implied",
          paired("adaptive", best_static("quality_on_time_pct"), "quality_on_time_pct", positive, PTS)),
    Claim("trace", "static INT8 misses deadlines", "about 75 % on time (Lumos5G)",
          level("static:int8", "on_time", at_most, 0.99)),
    Claim("trace", "adaptive is always on time", "100 %", level("adaptive", "on_time", at_least, 0.99)),
    Claim("trace", "scout alone is always on time", "100 %", level("static:scout@0.5", "on_time", at_least, 0.99)),
    Claim("trace", "adaptive's answers exceed full-KV quality", "about 105 %",
          level("adaptive", "quality_pct", at_least, 100.0, PTS)),
    Claim("trace", "adaptive's quality is higher than scout alone's", "about 105 vs 90 %",
          paired("adaptive", "static:scout@0.5", "quality_pct", positive, PTS)),
    Claim("trace", "adaptive delivers the most quality on time (misses = 0) of all policies", "implied",
          paired("adaptive", best_static("quality_on_time_pct"), "quality_on_time_pct", positive, PTS)),
    Claim("four_50", "equal split: all devices on time in 0 % of rounds", "0 %",
          level("equal", "rounds_all_on_time", at_most, 0.01)),
    Claim("four_50", "model-aware: all devices on time in 100 % of rounds", "100 %",
          level("model_aware", "rounds_all_on_time", at_least, 0.99)),
    Claim("four_50", "quality-max: all devices on time in 100 % of rounds", "100 %",
          level("quality_max", "rounds_all_on_time", at_least, 0.99)),
    Claim("four_50", "model-aware has all devices on time more often than equal split", "100 vs 0 %",
          paired("model_aware", "equal", "rounds_all_on_time", positive)),
    Claim("four_50", "total quality is about equal across allocators (within 4 points)", "405.8 / 405.9 / 408.0",
          all_of(paired("model_aware", "equal", "total_quality_pct", lambda d: within(d, EQUAL_MARGIN), PTS),
                 paired("quality_max", "equal", "total_quality_pct", lambda d: within(d, EQUAL_MARGIN), PTS))),
    Claim("four_50", "quality-max gives the highest total quality", "408.0 vs 405.9",
          paired("quality_max", "model_aware", "total_quality_pct", positive, PTS)),
    Claim("eight_100", "equal split: all devices on time in 0 % of rounds", "0 %",
          level("equal", "rounds_all_on_time", at_most, 0.01)),
    Claim("eight_100", "model-aware: all devices on time in 100 % of rounds", "100 %",
          level("model_aware", "rounds_all_on_time", at_least, 0.99)),
    Claim("eight_100", "quality-max starves some devices: fewer rounds all on time than model-aware",
          "5 vs 100 %", paired("quality_max", "model_aware", "rounds_all_on_time", negative)),
)


def judge_all(results: Results) -> pd.DataFrame:
    present = set(results.values["experiment"])
    rows = []
    for c in CLAIMS:
        if c.experiment not in present:
            continue
        for sharing in SHARINGS:
            verdict, evidence = c.judge(results, c.experiment, sharing)
            rows.append({"experiment": c.experiment, "claim": c.text, "study": c.study, "sharing": sharing,
                         "verdict": verdict, "evidence": evidence})
    return pd.DataFrame(rows)


COLUMNS_SINGLE = (("on_time", "on time", PCT), ("quality_pct", "quality, % of full KV", PTS),
                  ("quality_on_time_pct", "quality, misses = 0", PTS))
COLUMNS_MULTI = (("rounds_all_on_time", "rounds all on time", PCT), ("on_time", "requests on time", PCT),
                 ("total_quality_pct", "total quality, sum of %", PTS),
                 ("total_quality_on_time_pct", "total, misses = 0", PTS))


def format_tables(results: Results) -> str:
    out = []
    present = set(results.values["experiment"])
    for exp in EXPERIMENTS:
        if exp.name not in present:
            continue
        cols = COLUMNS_MULTI if exp.multi else COLUMNS_SINGLE
        for sharing in SHARINGS:
            reps = results.ci(exp.name, sharing, exp.arms[0], "on_time").n
            out.append(f"\n{exp.title}; sharing: {sharing}; {reps} replications; mean [95 % CI]")
            cells = [["arm", *[c[1] for c in cols]]]
            for arm in exp.arms:
                cells.append([arm, *[results.ci(exp.name, sharing, arm, m).text(**fmt) for m, _, fmt in cols]])
            widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
            out += ["  " + "  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in cells]
    return "\n".join(out)


def format_claims(claims: pd.DataFrame) -> str:
    out = ["\nThe study's conclusions, judged from the 95 % intervals above "
           "(holds / does not hold / inconclusive):"]
    for (exp, text, study), grp in claims.groupby(["experiment", "claim", "study"], sort=False):
        out.append(f"- [{exp}] {text} (study: {study})")
        for _, r in grp.iterrows():
            out.append(f"    {r['sharing']:<16} {r['verdict'].upper():<14} {r['evidence']}")
    by = claims.pivot_table(index=["experiment", "claim"], columns="sharing", values="verdict", aggfunc="first",
                            sort=False)
    differ = by[by.nunique(axis=1) > 1]
    out.append("\nConclusions whose verdict depends on the sharing rule:" if len(differ)
               else "\nNo conclusion's verdict depends on the sharing rule.")
    for (exp, text), row in differ.iterrows():
        out.append(f"  [{exp}] {text}: " + "; ".join(f"{sh} {row[sh]}" for sh in SHARINGS if sh in row))
    counts = claims.groupby(["sharing", "verdict"]).size().unstack(fill_value=0)
    out.append("\nSummary by sharing rule:")
    for sharing, row in counts.iterrows():
        out.append(f"  {sharing}: " + ", ".join(f"{row.get(v, 0)} {v}" for v in ("holds", "does not hold", "inconclusive")))
    return "\n".join(out)
