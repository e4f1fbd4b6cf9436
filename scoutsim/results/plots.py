"""Figures of one run, drawn from its records and summary (never during simulation).

* ``deadline_compliance.png``: share of requests on time per agent group, with 95 % CIs.
* ``latency_cdf.png``: latency CDF per group (all replications pooled), deadlines marked.
* ``modes_over_time.png``: share of each mode among requests arriving in each time bin.

A run hands its records over one replication at a time (:class:`RunFigures`), so figures
need memory independent of the number of requests: mode counts per time bin, and latencies
counted in :data:`LATENCY_BINS` log-spaced bins (0.1 % wide) between 1 us and 10^6 s,
which is where the CDF's steps are drawn.

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
from scoutsim.results.summary import error_bars  # noqa: E402

HATCHES = ["", "//", "..", "xx", "\\\\", "--", "++", "oo"]
STYLES = ["-", "--", ":", "-."]


def compliance(summary: pd.DataFrame, path: Path) -> None:
    rows = summary[summary["metric"] == "deadline_compliance"]
    fig, ax = plt.subplots(figsize=(max(4, 1.2 * len(rows) + 2), 3.5))
    x = np.arange(len(rows))
    err = error_bars(rows["mean"], rows["ci95_low"], rows["ci95_high"], 100.0)
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


LATENCY_EDGES = np.geomspace(1e-6, 1e6, 27632)  # ratio 10^12 ** (1 / 27631) - 1 = 0.1 % per bin
LATENCY_BINS = len(LATENCY_EDGES) - 1


def latency_counts(requests: pd.DataFrame, scenario) -> np.ndarray:
    """Per group, answered requests counted in the latency bins (clipped to the outer ones)."""
    out = np.zeros((len(scenario.agents), LATENCY_BINS), dtype=np.int64)
    done = requests[requests["completed"]]
    lat = np.clip(done["latency_s"].to_numpy(), LATENCY_EDGES[0], LATENCY_EDGES[-1])
    which = np.clip(np.searchsorted(LATENCY_EDGES, lat, side="right") - 1, 0, LATENCY_BINS - 1)
    np.add.at(out, (done["group"].to_numpy(), which), 1)
    return out


def latency_cdf(counts: np.ndarray, scenario, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for g, name in enumerate(scope_names(scenario)):
        n = counts[g].sum()
        if n == 0:
            continue
        used = counts[g] > 0
        ax.step(LATENCY_EDGES[1:][used], np.cumsum(counts[g])[used] / n, where="post", color="black",
                linestyle=STYLES[g % len(STYLES)], linewidth=1.0 + 0.5 * (g // len(STYLES)), label=name)
        ax.axvline(scenario.agents[g].deadline_s, color="0.6", linestyle=STYLES[g % len(STYLES)], linewidth=0.8)
    ax.set_xlabel("latency, arrival to done (s)")
    ax.set_ylabel("fraction of requests")
    ax.set_title("Latency CDF (grey: deadlines)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def mode_counts(requests: pd.DataFrame, duration_s: float, bins: int = 30) -> pd.DataFrame:
    edges = np.linspace(0, duration_s, bins + 1)
    which = np.clip(np.digitize(requests["arrival_s"], edges) - 1, 0, bins - 1)
    return pd.crosstab(which, requests["mode"]).reindex(range(bins), fill_value=0)


def modes_over_time(table: pd.DataFrame, duration_s: float, path: Path) -> None:
    bins = len(table)
    edges = np.linspace(0, duration_s, bins + 1)
    table = table.reindex(sorted(table.columns), axis=1)
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


class RunFigures:
    """What a run's figures need, gathered one replication's records at a time."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.latency = np.zeros((len(scenario.agents), LATENCY_BINS), dtype=np.int64)
        self.modes: pd.DataFrame | None = None

    def add(self, requests: pd.DataFrame) -> None:
        self.latency += latency_counts(requests, self.scenario)
        counts = mode_counts(requests, self.scenario.duration_s)
        self.modes = counts if self.modes is None else self.modes.add(counts, fill_value=0).astype("int64")

    def draw(self, out_dir: Path, summary: pd.DataFrame) -> None:
        compliance(summary, out_dir / "deadline_compliance.png")
        latency_cdf(self.latency, self.scenario, out_dir / "latency_cdf.png")
        modes = self.modes if self.modes is not None else mode_counts(pd.DataFrame(
            {"arrival_s": [], "mode": []}), self.scenario.duration_s)
        modes_over_time(modes, self.scenario.duration_s, out_dir / "modes_over_time.png")


def draw_run(out_dir: Path, requests: pd.DataFrame, summary: pd.DataFrame, scenario) -> None:
    figures = RunFigures(scenario)
    figures.add(requests)
    figures.draw(out_dir, summary)
