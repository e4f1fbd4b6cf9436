"""What an oracle cache says, with the uncertainty the study's n = 50 claims lacked.

Per (edge, cloud, mode):

- mean F1 and its 95 % confidence interval: a seeded BCa bootstrap of the mean
  (``scoutsim.intervals``), because F1 lies in [0, 1] and a symmetric t interval leaves
  that range for modes near 0 or 1;
- exact match as a proportion of samples, with its Wilson interval;
- F1 as a percentage of a reference mode's mean for the same (edge, cloud) pair;
- a paired t-test against a baseline on the *same samples* (a mode's F1 minus the
  baseline's F1, per sample), and its p-value multiplied by the number of tests in the
  table (Bonferroni, capped at 1), because a table of twenty comparisons will show one
  "significant" difference at p < 0.05 by chance alone.

Default baselines: ``scout@r`` against the cloud model's own Q2C selection at the same
retention (``q2c@r+bf16`` with the cloud as its own edge), which is the comparison the
study's scout claim rests on; every other mode against the reference mode.
Samples that a mode and its baseline do not share are left out of that test. When every
paired difference is the same number the t statistic is undefined; the p-value is then 1
for a zero difference (identical columns) and 0 for a non-zero one (every sample moved
the same way by the same amount).

A means-only cache (``sample_id = -1``, e.g. the published figures) gets what it has: each
mean with its ``n`` and, from ``meta.json``, the source of the figure; no interval and no
paired test, since neither can be computed without per-sample values, and the report
says so. The report ends with the machine the timings were measured on (``meta.json``
``device`` and ``hardware``), because compute times only transfer to a machine of the
same class.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from scoutsim import intervals
from scoutsim.modes import parse_mode
from scoutsim.oraclecache import hardware_summary, load_cache, timing_warnings

BOOTSTRAP_SEED = 0  # one fixed stream: the same cache always prints the same intervals


def f1_interval(values: np.ndarray) -> intervals.Interval:
    """F1 lies in [0, 1]: a seeded BCa bootstrap, which cannot leave that range (a t
    interval gave INT2 [-0.003, 0.020] on the HotpotQA cache)."""
    return intervals.bootstrap_interval(values, 0.0, 1.0, method="BCa", seed=BOOTSTRAP_SEED)


def em_interval(values: np.ndarray) -> intervals.Interval:
    """Exact match is 0 or 1 per sample: the share of exact answers, Wilson interval."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    return intervals.wilson_interval(int(x.sum()), len(x))


def paired_test(a: pd.Series, b: pd.Series) -> tuple[float, float, int]:
    """(mean difference a - b, two-sided p of the paired t-test, n shared)."""
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    n = len(both)
    if n < 2:
        return float("nan"), float("nan"), n
    diff = both.iloc[:, 0].to_numpy() - both.iloc[:, 1].to_numpy()
    if np.allclose(diff, diff[0]):
        return float(diff.mean()), (1.0 if diff[0] == 0 else 0.0), n
    return float(diff.mean()), float(stats.ttest_rel(both.iloc[:, 0], both.iloc[:, 1]).pvalue), n


def _baseline_for(edge: str, cloud: str, mode: str, reference: str, baseline: str):
    if baseline != "auto":
        return (edge, cloud, baseline)
    parsed = parse_mode(mode)
    if parsed.kind == "scout":
        return (cloud, cloud, str(parse_mode(f"q2c@{parsed.retention:g}+bf16")))
    return (edge, cloud, reference)


def _sources(meta: dict) -> dict[tuple[str, str, str], str]:
    return {(e["edge_model"], e["cloud_model"], str(parse_mode(e["mode"]))): e.get("source", "")
            for e in meta.get("entries", [])}


def summarise(quality: pd.DataFrame, reference: str = "bf16", baseline: str = "auto",
              meta: dict | None = None) -> pd.DataFrame:
    """One row per (edge, cloud, mode); ``kind`` is ``samples`` (per-sample rows: intervals
    and paired tests) or ``mean`` (a published mean: ``n`` and its source only)."""
    q = quality[quality["sample_id"] >= 0]
    series = {key: g.set_index("sample_id")["f1"] for key, g in q.groupby(["edge_model", "cloud_model", "mode"])}
    ems = {key: g["em"].to_numpy(dtype=float) for key, g in q.groupby(["edge_model", "cloud_model", "mode"])}
    means = {}
    for key, g in quality[quality["sample_id"] < 0].groupby(["edge_model", "cloud_model", "mode"]):
        if key not in series:
            means[key] = (float(g["f1"].iloc[0]), int(g["n"].iloc[0]) if "n" in g.columns else 0)
    sources = _sources(meta or {})
    ref_mode = str(parse_mode(reference))

    def ref_mean(edge, cloud):
        if (edge, cloud, ref_mode) in series:
            return float(series[(edge, cloud, ref_mode)].mean())
        return means.get((edge, cloud, ref_mode), (float("nan"), 0))[0]

    rows = []
    for edge, cloud, mode in sorted(set(series) | set(means)):
        key = (edge, cloud, mode)
        ref = ref_mean(edge, cloud)
        row = {"edge_model": edge, "cloud_model": cloud, "mode": mode, "kind": "samples",
               "ci_method": "", "ci_low": float("nan"), "ci_high": float("nan"), "em": float("nan"),
               "em_low": float("nan"), "em_high": float("nan"), "baseline": "", "diff": float("nan"),
               "p": float("nan"), "source": sources.get(key, "")}
        if key in series:
            f1 = series[key]
            ci, em = f1_interval(f1.to_numpy(dtype=float)), em_interval(ems[key])
            row.update(n=len(f1), f1=ci.estimate, ci_method=ci.method, ci_low=ci.low, ci_high=ci.high,
                       em=em.estimate, em_low=em.low, em_high=em.high)
            base_key = _baseline_for(edge, cloud, mode, ref_mode, baseline)
            if base_key in series and base_key != key:
                diff, p, _ = paired_test(f1, series[base_key])
                row.update(baseline=base_key[2] if base_key[:2] == (edge, cloud) else f"{base_key[2]} ({base_key[0]})",
                           diff=diff, p=p)
        else:
            row.update(kind="mean", n=means[key][1], f1=means[key][0])
        row["pct_of_ref"] = 100 * row["f1"] / ref if ref > 0 else float("nan")
        rows.append(row)
    table = pd.DataFrame(rows)
    tested = int(table["p"].notna().sum()) if len(table) else 0
    table["p_bonferroni"] = np.minimum(1.0, table["p"] * max(1, tested)) if len(table) else []
    return table


def report(name: str, reference: str = "bf16", baseline: str = "auto") -> pd.DataFrame:
    cache = load_cache(name)
    table = summarise(cache.quality, reference, baseline, cache.meta)
    table.attrs["meta"] = cache.meta
    return table


def _num(x: float, fmt: str) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def format_table(table: pd.DataFrame, meta: dict | None = None) -> str:
    meta = meta if meta is not None else table.attrs.get("meta", {})
    lines = [f"{'edge':<20} {'cloud':<20} {'mode':<18} {'n':>4} {'F1':>6} {'95% CI':>15} {'EM':>5} "
             f"{'EM 95% CI':>15} {'% ref':>6} {'vs baseline':<28} {'diff':>7} {'p_bonf':>7}"]
    for r in table.itertuples():
        ci = f"[{r.ci_low:.3f},{r.ci_high:.3f}]" if not math.isnan(r.ci_low) else ""
        emci = f"[{r.em_low:.3f},{r.em_high:.3f}]" if not math.isnan(r.em_low) else ""
        lines.append(f"{r.edge_model:<20} {r.cloud_model:<20} {r.mode:<18} {r.n:>4} {r.f1:>6.3f} {ci:>15} "
                     f"{_num(r.em, '.3f'):>5} {emci:>15} {_num(r.pct_of_ref, '.1f'):>6} {r.baseline:<28} "
                     f"{_num(r.diff, '+.3f'):>7} {_num(r.p_bonferroni, '.3g'):>7}")
    sampled = table[table["kind"] == "samples"] if len(table) else table
    if len(sampled):
        tested = int(table["p"].notna().sum())
        lines.append("F1 95 % CI: BCa bootstrap of the mean (seeded, 4999 resamples; stays in [0, 1]); "
                     "EM 95 % CI: Wilson score interval of the share of exact answers")
        lines.append(f"paired t-tests on shared samples; p_bonf = p x {tested} tests (Bonferroni), capped at 1")
    mean_rows = table[table["kind"] == "mean"] if len(table) else table
    if len(mean_rows):
        lines.append(f"{len(mean_rows)} rows are published means without per-sample values: no confidence "
                     "interval and no paired test can be computed from a mean and its n alone (the sample "
                     "standard deviation and the samples shared with a baseline are unknown).")
        lines.append("sources of the means:")
        for r in mean_rows.itertuples():
            if r.source:
                lines.append(f"  {r.edge_model} / {r.cloud_model} / {r.mode}: {r.source}")
    if meta:
        lines.append(f"timings measured on: {hardware_summary(meta)}; a scenario's slowdown scales them "
                     "(slowdown 1 = a compute site exactly this fast)")
        for w in timing_warnings(meta, cloud_slowdowns=[1.0]):
            lines.append(f"warning (with the default cloud slowdown 1.0): {w}")
    return "\n".join(lines)
