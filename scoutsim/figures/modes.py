"""Modes used over time: the share of each mode among requests arriving in each time bin,
pooled over replications and agents (a stacked bar per bin, a grey level and a hatch per
mode). A sweep gets one small panel per point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scoutsim.figures.style import HATCHES, fill, plt, save


def _stack(ax, requests, duration_s: float, modes: list[str], bins: int) -> None:
    edges = np.linspace(0, duration_s, bins + 1)
    which = np.clip(np.digitize(requests["arrival_s"], edges) - 1, 0, bins - 1)
    table = pd.crosstab(which, requests["mode"]).reindex(index=range(bins), columns=modes, fill_value=0)
    share = table.div(table.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    centers = (edges[:-1] + edges[1:]) / 2
    bottom = np.zeros(bins)
    for i, mode in enumerate(modes):
        ax.bar(centers, share[mode], width=edges[1] - edges[0], bottom=bottom, color=fill(i, len(modes)),
               edgecolor="black", linewidth=0.3, hatch=HATCHES[i % len(HATCHES)], label=mode)
        bottom += share[mode].to_numpy()
    ax.set_ylim(0, 1)
    ax.set_xlabel("arrival time (s)")
    ax.set_ylabel("share of requests")


def run_modes(run, out_dir: Path, bins: int = 30) -> list[Path]:
    modes = sorted(run.requests["mode"].unique())
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    _stack(ax, run.requests, run.scenario.duration_s, modes, bins)
    ax.set_title("Modes over time (all agents, all replications)", fontsize=9)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return save(fig, out_dir, "modes_over_time")


def sweep_modes(sweep, out_dir: Path, bins: int = 20, max_panels: int = 12) -> list[Path]:
    ids = list(sweep.points)
    if len(ids) > max_panels:
        ids = [ids[int(round(i))] for i in np.linspace(0, len(ids) - 1, max_panels)]
    modes = sorted(set().union(*(set(sweep.points[p].requests["mode"].unique()) for p in ids)))
    cols = min(3, len(ids))
    rows = int(np.ceil(len(ids) / cols))
    fig, axs = plt.subplots(rows, cols, figsize=(4.0 * cols, 2.8 * rows), squeeze=False)
    for ax, pid in zip(axs.flat, ids):
        run = sweep.points[pid]
        _stack(ax, run.requests, run.scenario.duration_s, modes, bins)
        label = ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in sweep.values[pid].items())
        ax.set_title(label, fontsize=7)
    for ax in list(axs.flat)[len(ids):]:
        ax.axis("off")
    handles, labels = axs.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=min(len(modes), 6))
    fig.suptitle("Modes over time per sweep point (all agents, all replications)", fontsize=9)
    fig.tight_layout(rect=(0, 0.07, 1, 0.97))
    return save(fig, out_dir, "modes_over_time", tight=False)
