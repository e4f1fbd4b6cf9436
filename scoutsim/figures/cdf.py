"""Latency CDFs with 95 % bands across replications.

Each replication gives its own empirical CDF, ``F_r(x)`` = share of that replication's
requests answered within ``x`` seconds (unfinished requests stay in the denominator, so a
curve that ends below 1 shows the requests that never finished). The curve is the mean of
the ``F_r`` and the band its Student-t 95 % interval at every ``x``: the interval is over
replications, as for every other metric, not over pooled requests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import stats

from scoutsim.figures.axes import axis_label, curve_label, leaf, numeric_keys, x_value
from scoutsim.figures.style import fill, line_style, plt, save


def cdf_band(requests, replications: int, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    curves = []
    for r in range(replications):
        part = requests[requests["replication"] == r]
        if len(part) == 0:
            continue
        lat = np.sort(part.loc[part["completed"], "latency_s"].to_numpy())
        curves.append(np.searchsorted(lat, grid, side="right") / len(part))
    c = np.array(curves)
    mean = c.mean(axis=0)
    if len(c) < 2:
        return mean, mean, mean
    half = stats.t.ppf(0.975, len(c) - 1) * c.std(axis=0, ddof=1) / np.sqrt(len(c))
    return mean, np.clip(mean - half, 0, 1), np.clip(mean + half, 0, 1)


def _grid(frames, deadlines) -> np.ndarray:
    lats = np.concatenate([f.loc[f["completed"], "latency_s"].to_numpy() for f in frames] or [np.zeros(1)])
    top = max(float(np.percentile(lats, 99.5)) if len(lats) else 1.0, 1.2 * max(deadlines))
    return np.linspace(0.0, top, 400)


def _panel(ax, series, deadlines, title):
    """series: [(label, requests, replications)]"""
    grid = _grid([s[1] for s in series], deadlines)
    for i, (label, req, reps) in enumerate(series):
        mean, lo, hi = cdf_band(req, reps, grid)
        style = line_style(i, len(series))
        ax.fill_between(grid, lo, hi, color=fill(i, len(series)), alpha=0.35, linewidth=0)
        ax.plot(grid, mean, color=style["color"], linestyle=style["linestyle"], linewidth=1.4, label=label)
    for d in sorted(set(deadlines)):
        ax.axvline(d, color="0.5", linestyle=":", linewidth=0.9)
    ax.set_xlabel("latency, arrival to done (s)")
    ax.set_ylabel("share of requests done")
    ax.set_ylim(0, 1.02)
    ax.grid(True, color="0.9", linewidth=0.5)
    ax.set_title(title, fontsize=8)
    ax.legend(fontsize=6)


def run_cdf(run, out_dir: Path) -> list[Path]:
    from scoutsim.config import scope_names

    req = run.requests
    names = scope_names(run.scenario)
    reps = run.scenario.replications
    series = [(name, req[req["group"] == g], reps) for g, name in enumerate(names)]
    series.append(("all agents", req, reps))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    _panel(ax, series, [g.deadline_s for g in run.scenario.agents],
           "Latency CDF per group (bands: 95 % CI across replications; dotted: deadlines)")
    return save(fig, out_dir, "latency_cdf")


def sweep_cdf(sweep, out_dir: Path, max_panels: int = 6) -> list[Path]:
    axes_keys = numeric_keys(sweep)
    ids = list(sweep.points)
    if axes_keys:
        key = axes_keys[0]
        xs = sorted({x_value(sweep, p, key) for p in ids})
        if len(xs) > max_panels:
            xs = [xs[int(round(i))] for i in np.linspace(0, len(xs) - 1, max_panels)]
        panels = [(f"{axis_label(key)} = {x:g}", [p for p in ids if x_value(sweep, p, key) == x])
                  for x in xs]
        others = [k for k in sweep.keys if k != key]
    else:
        panels, others = [("all points", ids)], sweep.keys
    cols = min(3, len(panels))
    rows = int(np.ceil(len(panels) / cols))
    fig, axs = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax, (title, pids) in zip(axs.flat, panels):
        series = [(curve_label(sweep, p, others), sweep.points[p].requests, sweep.points[p].scenario.replications)
                  for p in pids[:8]]
        deadlines = [g.deadline_s for p in pids for g in sweep.points[p].scenario.agents]
        _panel(ax, series, deadlines, title + " (bands: 95 % CI)")
    for ax in list(axs.flat)[len(panels):]:
        ax.axis("off")
    stem = f"latency_cdf_by_{leaf(axes_keys[0])}" if axes_keys else "latency_cdf"
    return save(fig, out_dir, stem)
