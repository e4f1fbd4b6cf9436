"""What an oracle cache says, with the uncertainty the study's n = 50 claims lacked.

Per (edge, cloud, mode):

- mean F1 and its 95 % confidence interval, ``mean +- t_{0.975, n-1} * sd / sqrt(n)``
  (Student t, since n is often 50);
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
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from scoutsim.modes import parse_mode
from scoutsim.oraclecache import load_cache


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    n = len(values)
    mean = float(np.mean(values))
    if n < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, n - 1) * np.std(values, ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


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


def summarise(quality: pd.DataFrame, reference: str = "bf16", baseline: str = "auto") -> pd.DataFrame:
    q = quality[quality["sample_id"] >= 0]
    series = {key: g.set_index("sample_id")["f1"] for key, g in q.groupby(["edge_model", "cloud_model", "mode"])}
    rows = []
    for (edge, cloud, mode), f1 in sorted(series.items()):
        mean, lo, hi = mean_ci(f1.to_numpy(dtype=float))
        ref = series.get((edge, cloud, str(parse_mode(reference))))
        base_key = _baseline_for(edge, cloud, mode, str(parse_mode(reference)), baseline)
        row = {"edge_model": edge, "cloud_model": cloud, "mode": mode, "n": len(f1), "f1": mean,
               "ci_low": lo, "ci_high": hi,
               "pct_of_ref": 100 * mean / ref.mean() if ref is not None and ref.mean() > 0 else float("nan"),
               "baseline": "", "diff": float("nan"), "p": float("nan")}
        if base_key in series and base_key != (edge, cloud, mode):
            diff, p, _ = paired_test(f1, series[base_key])
            row.update(baseline=base_key[2] if base_key[:2] == (edge, cloud) else f"{base_key[2]} ({base_key[0]})",
                       diff=diff, p=p)
        rows.append(row)
    table = pd.DataFrame(rows)
    tested = table["p"].notna().sum()
    table["p_bonferroni"] = np.minimum(1.0, table["p"] * max(1, tested))
    return table


def report(name: str, reference: str = "bf16", baseline: str = "auto") -> pd.DataFrame:
    cache = load_cache(name)
    return summarise(cache.quality, reference, baseline)


def format_table(table: pd.DataFrame) -> str:
    lines = [f"{'edge':<20} {'cloud':<20} {'mode':<18} {'n':>4} {'F1':>6} {'95% CI':>15} {'% ref':>6} "
             f"{'vs baseline':<28} {'diff':>7} {'p_bonf':>7}"]
    for r in table.itertuples():
        ci = f"[{r.ci_low:.3f},{r.ci_high:.3f}]" if not math.isnan(r.ci_low) else ""
        diff = f"{r.diff:+.3f}" if not math.isnan(r.diff) else ""
        p = f"{r.p_bonferroni:.3g}" if not math.isnan(r.p_bonferroni) else ""
        pct = f"{r.pct_of_ref:.1f}" if not math.isnan(r.pct_of_ref) else ""
        lines.append(f"{r.edge_model:<20} {r.cloud_model:<20} {r.mode:<18} {r.n:>4} {r.f1:>6.3f} {ci:>15} {pct:>6} "
                     f"{r.baseline:<28} {diff:>7} {p:>7}")
    tested = int(table["p"].notna().sum())
    lines.append(f"paired t-tests on shared samples; p_bonf = p x {tested} tests (Bonferroni), capped at 1")
    return "\n".join(lines)
