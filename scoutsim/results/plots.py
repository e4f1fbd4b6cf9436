"""Figures of one run, drawn from its records and summary (never during simulation).

* ``deadline_compliance.png``: share of requests on time per agent group, with 95 % CIs.
* ``latency_cdf.png``: latency CDF per group (all replications pooled), deadlines marked.
* ``modes_over_time.png``: share of each mode among requests arriving in each time bin.

Readable in greyscale: hatches and line styles carry the distinctions, not colour alone.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scoutsim.config import scope_names  # noqa: E402

HATCHES = ["", "//", "..", "xx", "\\\\", "--", "++", "oo"]
STYLES = ["-", "--", ":", "-."]


def compliance(summary: pd.DataFrame, path: Path) -> None:
    rows = summary[summary["metric"] == "deadline_compliance"]
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(rows) + 2), 3.5))
    x = np.arange(len(rows))
    err = np.nan_to_num(rows["ci95_half"].to_numpy() * 100)
    bars = ax.bar(x, rows["mean"] * 100, yerr=err, capsize=4, color="0.75", edgecolor="black")
    for bar, hatch in zip(bars, HATCHES * 4):
        bar.set_hatch(hatch)
    ax.set_xticks(x, rows["scope"], rotation=20, ha="right", fontsize=8)
    ax.set_ylabel("requests on time (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Deadline compliance (95 % CI across replications)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def latency_cdf(requests: pd.DataFrame, scenario, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for g, name in enumerate(scope_names(scenario)):
        lat = np.sort(requests.loc[(requests["group"] == g) & requests["completed"], "latency_s"].to_numpy())
        if len(lat) == 0:
            continue
        ax.step(lat, np.arange(1, len(lat) + 1) / len(lat), where="post", color="black",
                linestyle=STYLES[g % len(STYLES)], linewidth=1.0 + 0.5 * (g // len(STYLES)), label=name)
        ax.axvline(scenario.agents[g].deadline_s, color="0.6", linestyle=STYLES[g % len(STYLES)], linewidth=0.8)
    ax.set_xlabel("latency, arrival to done (s)")
    ax.set_ylabel("fraction of requests")
    ax.set_title("Latency CDF (grey: deadlines)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def modes_over_time(requests: pd.DataFrame, duration_s: float, path: Path, bins: int = 30) -> None:
    edges = np.linspace(0, duration_s, bins + 1)
    which = np.clip(np.digitize(requests["arrival_s"], edges) - 1, 0, bins - 1)
    table = pd.crosstab(which, requests["mode"]).reindex(range(bins), fill_value=0)
    share = table.div(table.sum(axis=1).replace(0, np.nan), axis=0).fillna(0)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    centers = (edges[:-1] + edges[1:]) / 2
    bottom = np.zeros(bins)
    greys = np.linspace(0.15, 0.9, max(len(share.columns), 1))
    for i, mode in enumerate(share.columns):
        ax.bar(centers, share[mode], width=edges[1] - edges[0], bottom=bottom, color=str(greys[i]),
               edgecolor="black", linewidth=0.3, hatch=HATCHES[i % len(HATCHES)], label=mode)
        bottom += share[mode].to_numpy()
    ax.set_xlabel("arrival time (s)")
    ax.set_ylabel("share of requests")
    ax.set_ylim(0, 1)
    ax.set_title("Modes over time (all agents, all replications)")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def draw_run(out_dir: Path, requests: pd.DataFrame, summary: pd.DataFrame, scenario) -> None:
    compliance(summary, out_dir / "deadline_compliance.png")
    latency_cdf(requests, scenario, out_dir / "latency_cdf.png")
    modes_over_time(requests, scenario.duration_s, out_dir / "modes_over_time.png")
