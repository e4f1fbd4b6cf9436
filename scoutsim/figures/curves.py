"""Deadline compliance and F1 (misses scored 0) against each swept numeric axis.

One curve per combination of the other swept keys (allocators, policies, ...), each point
with its 95 % confidence interval across replications as an error bar.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoutsim.figures.axes import METRIC_LABELS, axis_label, curve_label, leaf, numeric_keys, x_value
from scoutsim.figures.style import line_style, plt, save
from scoutsim.results.summary import error_bars


def metric_vs_axis(sweep, metric: str, key: str, scope: str, out_dir: Path) -> list[Path]:
    s = sweep.summary
    rows = s[(s["metric"] == metric) & (s["scope"] == scope)].set_index("point")
    others = [k for k in sweep.keys if k != key]
    curves: dict[str, list[tuple[float, float, float, float]]] = {}
    for pid in sweep.points:
        if pid not in rows.index:
            continue
        r = rows.loc[pid]
        curves.setdefault(curve_label(sweep, pid, others), []).append(
            (x_value(sweep, pid, key), float(r["mean"]), float(r["ci95_low"]), float(r["ci95_high"])))
    ylabel, scale = METRIC_LABELS[metric]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    xs = sorted({p[0] for pts in curves.values() for p in pts})
    log_x = leaf(key) in ("mbps", "scale") and len(xs) > 1 and xs[-1] / max(xs[0], 1e-9) > 20
    for i, (label, pts) in enumerate(sorted(curves.items())):
        pts.sort()
        x, y, lo, hi = (np.array(v) for v in zip(*pts))
        # Dodge the curves sideways a little so that overlapping error bars stay apart.
        shift = (i - (len(curves) - 1) / 2) * 0.012
        x = x * (1 + shift) if log_x else x + shift * (xs[-1] - xs[0] if len(xs) > 1 else 1.0)
        ax.errorbar(x, y * scale, yerr=error_bars(y, lo, hi, scale), capsize=3, label=label,
                    **line_style(i, len(curves)))
    ax.set_xlabel(axis_label(key, sweep))
    ax.set_ylabel(ylabel)
    if metric == "deadline_compliance":
        ax.set_ylim(-3, 103)
    else:
        ax.set_ylim(bottom=0)
    if log_x:
        ax.set_xscale("log")
    ax.grid(True, color="0.85", linewidth=0.6)
    ax.set_title(f"{ylabel.split(' (')[0].capitalize()} vs {axis_label(key, sweep).split(' (')[0]} "
                 f"(scope: {scope}; bars: 95 % CI)", fontsize=9)
    ax.legend(fontsize=7, title=None)
    stem = f"{'compliance' if metric == 'deadline_compliance' else 'f1_misses_zero'}_vs_{leaf(key)}"
    return save(fig, out_dir, stem)


def sweep_curves(sweep, scope: str, out_dir: Path) -> list[Path]:
    out = []
    keys = numeric_keys(sweep)
    for key in keys:
        for metric in ("deadline_compliance", "f1_misses_zero"):
            out += metric_vs_axis(sweep, metric, key, scope, out_dir)
    if not keys:  # only categorical keys (allocators, policies, sharing): grouped bars instead
        for metric in ("deadline_compliance", "f1_misses_zero"):
            out += metric_bars(sweep, metric, scope, out_dir)
    return out


def metric_bars(sweep, metric: str, scope: str, out_dir: Path) -> list[Path]:
    """Bars grouped by the first key's values, one hatched bar per combination of the others."""
    from scoutsim.figures.style import HATCHES, fill

    s = sweep.summary
    rows = s[(s["metric"] == metric) & (s["scope"] == scope)].set_index("point")
    key, others = sweep.keys[0], sweep.keys[1:]
    groups = list(dict.fromkeys(sweep.values[p][key] for p in sweep.points))
    series = list(dict.fromkeys(curve_label(sweep, p, others) for p in sweep.points))
    ylabel, scale = METRIC_LABELS[metric]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.4 * len(groups) * max(1, len(series) / 2) + 2), 4.2))
    for j, label in enumerate(series):
        xs, ys, lows, highs = [], [], [], []
        for i, g in enumerate(groups):
            pid = next((p for p in sweep.points if sweep.values[p][key] == g
                        and curve_label(sweep, p, others) == label and p in rows.index), None)
            if pid is not None:
                xs.append(i - 0.4 + width * (j + 0.5))
                ys.append(float(rows.loc[pid, "mean"]))
                lows.append(float(rows.loc[pid, "ci95_low"]))
                highs.append(float(rows.loc[pid, "ci95_high"]))
        ax.bar(xs, np.asarray(ys) * scale, width=width, yerr=error_bars(ys, lows, highs, scale), capsize=3, color=fill(j, len(series)), edgecolor="black",
               hatch=HATCHES[j % len(HATCHES)], label=label)
    ax.set_xticks(range(len(groups)), [str(g) for g in groups], fontsize=8)
    ax.set_xlabel(key)
    ax.set_ylabel(ylabel)
    if metric == "deadline_compliance":
        ax.set_ylim(0, 105)
    ax.set_title(f"{ylabel.split(' (')[0].capitalize()} by {leaf(key)} (scope: {scope}; bars: 95 % CI)", fontsize=9)
    if len(series) > 1:
        ax.legend(fontsize=7)
    stem = f"{'compliance' if metric == 'deadline_compliance' else 'f1_misses_zero'}_by_{leaf(key)}"
    return save(fig, out_dir, stem)


def group_bars(summary, out_dir: Path) -> list[Path]:
    """A run has no axis: compliance and F1 (misses 0) per agent group, with CIs."""
    out = []
    for metric in ("deadline_compliance", "f1_misses_zero"):
        rows = summary[summary["metric"] == metric]
        ylabel, scale = METRIC_LABELS[metric]
        fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(rows) + 2), 3.8))
        x = np.arange(len(rows))
        bars = ax.bar(x, rows["mean"] * scale, yerr=error_bars(rows["mean"], rows["ci95_low"], rows["ci95_high"], scale),
                      capsize=4, color="0.8", edgecolor="black")
        for bar, hatch in zip(bars, ["", "//", "..", "xx", "\\\\", "--"] * 4):
            bar.set_hatch(hatch)
        ax.set_xticks(x, rows["scope"], rotation=20, ha="right", fontsize=8)
        ax.set_xlabel("agent group")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{ylabel.split(' (')[0].capitalize()} per group (bars: 95 % CI)", fontsize=9)
        out += save(fig, out_dir, "compliance_by_group" if metric == "deadline_compliance" else "f1_by_group")
    return out
