"""From request records to the summary: every metric with a 95 % confidence interval.

Each metric is computed once per replication, per agent group and over all agents; the
summary reports the mean of those per-replication values and a 95 % interval across
replications (docs/models/statistics.md: intervals over per-replication means, not pooled requests), from
:mod:`scoutsim.intervals`: for metrics bounded by [0, 1] (shares and F1 means) the Student-t
interval intersected with [0, 1]; for the others (counts, latencies, bytes) the Student-t
interval intersected with [0, inf): no interval leaves its metric's range. With one
replication the interval is undefined and reported as NaN.

The interval measures the variation between replications: arrivals, channel, questions and
the modes chosen. With a cache of published means (no per-sample values) a mode's F1 is
the same number for every request, so the F1 intervals reflect only the mode mix, not the
oracle's own sampling error (the cache's ``n`` and ``f1_std`` say what that is).

Metrics: ``requests`` (per replication), ``deadline_compliance`` (share of requests whose
first token, or whole answer, came by the deadline; unfinished requests count as misses),
``mean_f1`` (of answered requests), ``f1_misses_zero`` (misses scored 0),
``latency_p50/p95/p99_s`` (answered requests), ``bytes_per_request``, ``unfinished`` (no
answer: still in flight at the drain limit, or declined by the policy, ``mode_share:declined``) and
``mode_share:<mode>``; runs with a ``+fallback`` policy add ``fallback_share`` (requests
whose transfer was stopped) and ``wasted_bytes_per_request``. Requests that arrived during the scenario's ``warmup_s`` are in the
records but not in the summary.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from scoutsim import intervals
from scoutsim.config import scope_names  # noqa: F401  (the names summaries are keyed by)
from scoutsim.decisions.policy import parse_policy
from scoutsim.intervals import Interval
from scoutsim.sim.records import misses_scored_zero

CONFIDENCE = 0.95
SUMMARY_COLUMNS = ["scope", "metric", "mean", "ci95_low", "ci95_high", "ci95_half", "std", "replications"]


# Metrics whose every per-replication value lies in [0, 1].
BOUNDED = frozenset({"deadline_compliance", "mean_f1", "f1_misses_zero", "unfinished", "fallback_share"})


def is_bounded(metric: str) -> bool:
    return metric in BOUNDED or metric.startswith("mode_share:")


def metric_interval(metric: str, values) -> Interval:
    """The 95 % interval of a metric's mean across replications, within its range: [0, 1]
    for shares and F1 means, [0, inf) for the rest (counts, seconds, bytes)."""
    if is_bounded(metric):
        return intervals.replication_proportion_interval(values)
    return intervals.within(intervals.t_interval(values), 0.0)


def replication_metrics(df: pd.DataFrame, modes: list[str]) -> dict[str, float]:
    done = df[df["completed"]]
    lat = done["latency_s"].to_numpy()
    out = {
        "requests": float(len(df)),
        "deadline_compliance": float(df["met_deadline"].mean()) if len(df) else math.nan,
        "mean_f1": float(done["f1"].mean()) if len(done) else math.nan,
        "f1_misses_zero": float(misses_scored_zero(df).mean()) if len(df) else math.nan,
        "latency_p50_s": float(np.percentile(lat, 50)) if len(lat) else math.nan,
        "latency_p95_s": float(np.percentile(lat, 95)) if len(lat) else math.nan,
        "latency_p99_s": float(np.percentile(lat, 99)) if len(lat) else math.nan,
        "bytes_per_request": float(df["payload_bytes"].mean()) if len(df) else math.nan,
        "unfinished": float((~df["completed"]).mean()) if len(df) else math.nan,
    }
    if "fallback" in df.columns:
        out["fallback_share"] = float((df["fallback"] != "").mean()) if len(df) else math.nan
        out["wasted_bytes_per_request"] = float(df["wasted_bytes"].mean()) if len(df) else math.nan
    counts = df["mode"].value_counts()
    for m in modes:
        out[f"mode_share:{m}"] = float(counts.get(m, 0)) / len(df) if len(df) else math.nan
    return out


# The request columns the summary reads (replication_scopes): what a run keeps of a
# replication handed on in parts, a tenth of its records.
SUMMARY_INPUT = ("arrival_s", "group", "completed", "latency_s", "met_deadline", "f1", "payload_bytes", "mode",
                 "fallback", "wasted_bytes")


def summary_input(records: pd.DataFrame) -> pd.DataFrame:
    # A copy: a selection of columns may still share the records' column blocks.
    return records[[c for c in SUMMARY_INPUT if c in records.columns]].copy()


def summary_modes(scenario) -> list[str]:
    """The modes whose shares the summary gives: every group's candidates, and ``declined``
    where a group's policy may send nothing (``expected_f1:decline``)."""
    modes = sorted(set(m for g in scenario.agents for m in g.candidate_modes))
    if any(parse_policy(g.policy).may_decline for g in scenario.agents):
        modes.append("declined")
    return modes


def replication_scopes(records: pd.DataFrame, scenario, modes: list[str] | None = None) -> dict[str, dict[str, float]]:
    """One replication's metrics per scope (agent groups, then ``all``), warm-up left out:
    what the summary needs of each replication, so that a run need not keep its records."""
    records = records[records["arrival_s"] >= scenario.warmup_s]
    modes = summary_modes(scenario) if modes is None else modes
    names = scope_names(scenario)
    out = {names[g]: replication_metrics(records[records["group"] == g], modes) for g in range(len(names))}
    out["all"] = replication_metrics(records, modes)
    return out


def summary_from_replications(per_replication: list[dict[str, dict[str, float]]]) -> pd.DataFrame:
    """Summary rows per scope and metric from :func:`replication_scopes` of every replication."""
    replications = len(per_replication)
    rows = []
    for scope in per_replication[0]:
        for metric in per_replication[0][scope]:
            values = np.array([rep[scope][metric] for rep in per_replication])
            ci = metric_interval(metric, values)
            finite = values[~np.isnan(values)]
            std = float(finite.std(ddof=1)) if len(finite) > 1 else math.nan
            rows.append((scope, metric, ci.estimate, ci.low, ci.high, ci.half_width, std, replications))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def summarize(requests: pd.DataFrame, scenario, replications: int) -> pd.DataFrame:
    """Summary rows per scope and metric; requests arriving before ``warmup_s`` are left out."""
    modes = summary_modes(scenario)
    by_rep = dict(tuple(requests.groupby("replication", sort=True))) if len(requests) else {}
    empty = requests.iloc[:0]
    return summary_from_replications([replication_scopes(by_rep.get(r, empty), scenario, modes)
                                      for r in range(replications)])


def interval_text(mean: float, low: float, high: float, half: float, digits: int = 3) -> str:
    """A mean and its 95 % interval as a person reads them: ``mean±half``, or
    ``mean[low,high]`` where the interval was cut at the metric's range; the mean alone
    where the interval is undefined (one replication)."""
    if math.isnan(half):
        return f"{mean:.{digits}f}"
    if abs((high - mean) - (mean - low)) > 1e-12 * max(1.0, abs(mean)):
        # Cut at the metric's range (a share near 0 or 1): mean ± half would leave it.
        return f"{mean:.{digits}f}[{low:.{digits}f},{high:.{digits}f}]"
    return f"{mean:.{digits}f}±{half:.{digits}f}"


def error_bars(mean, low, high, scale: float = 1.0) -> np.ndarray:
    """Matplotlib's ``yerr`` for intervals that may be cut at their metric's range: the
    distances from each mean down to its low end and up to its high end (0 where undefined)."""
    mean, low, high = (np.asarray(v, dtype=float) * scale for v in (mean, low, high))
    return np.nan_to_num(np.vstack([mean - low, high - mean]))


def format_table(summary: pd.DataFrame) -> str:
    """The summary a person reads: one line per scope, value ± 95 % half-width, or
    value[low,high] where the interval is cut at the metric's range."""
    def cell(scope, metric, scale=1.0, digits=3):
        row = summary[(summary["scope"] == scope) & (summary["metric"] == metric)]
        if row.empty or math.isnan(row["mean"].iloc[0]):
            return "-"
        mean, half = row["mean"].iloc[0] * scale, row["ci95_half"].iloc[0] * scale
        low, high = row["ci95_low"].iloc[0] * scale, row["ci95_high"].iloc[0] * scale
        return interval_text(mean, low, high, half, digits)

    header = ["scope", "req/rep", "on time", "F1", "F1 (miss=0)", "p95 lat s", "MB/req", "top modes"]
    lines = []
    for scope in dict.fromkeys(summary["scope"]):
        shares = summary[(summary["scope"] == scope) & summary["metric"].str.startswith("mode_share:")]
        top = shares.sort_values("mean", ascending=False).head(3)
        mix = " ".join(f"{m.split(':', 1)[1]} {v:.0%}" for m, v in zip(top["metric"], top["mean"]) if v > 0)
        lines.append([scope, cell(scope, "requests", digits=0), cell(scope, "deadline_compliance"),
                      cell(scope, "mean_f1"), cell(scope, "f1_misses_zero"), cell(scope, "latency_p95_s", digits=2),
                      cell(scope, "bytes_per_request", 1e-6, 3), mix])
    widths = [max(len(str(r[i])) for r in [header] + lines) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    out += [fmt.format(*r) for r in lines]
    return "\n".join(out)
