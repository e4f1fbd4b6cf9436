"""``reproduce paper-b``: the study's simulation settings (RESEARCH.md s4), rerun with CIs.

Four experiments, each a sweep (so each resumes if interrupted), each under both sharing
rules (``reserved``, the study's slicing, and ``work_conserving``):

* ``markov``: one Qwen2.5-7B device, adaptive vs every static mode, six-state Markov channel;
* ``trace``: the same on the shipped synthetic 5G uplink trace (replayed, random offsets);
* ``four_50``: 2x Qwen2.5-7B + Mistral-7B + Qwen2.5-14B on 50 Mbps, three allocators;
* ``eight_100``: eight devices on 100 Mbps, three allocators.

Per replication it measures (beyond the run summary) quality as % of each device's full-KV
(BF16) F1 from the same oracle, the total of those percentages over devices (the study's
"total quality"), and the share of rounds in which every device was on time. Means carry
Student-t 95 % intervals across replications; comparisons use paired differences (same
seeds, so the same arrivals, channel and questions in every arm).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import scoutsim.network.channels.trace_pool  # noqa: F401  (registers the trace_pool channel kind)
from scoutsim.experiments.sweep import run_sweep
from scoutsim.experiments.tables import finished_points
from scoutsim.experiments.verdicts import Interval
from scoutsim.results.summary import t_interval

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "paper_b"
SHARINGS = ("reserved", "work_conserving")
MODE_ARMS = ("adaptive", "static:bf16", "static:int8", "static:mixed_int4", "static:int4",
             "static:scout@0.5", "static:local")
ALLOCATOR_ARMS = ("equal", "model_aware", "quality_max")
QUICK = {"replications": 5, "duration_s": 150.0}


@dataclass(frozen=True)
class Experiment:
    name: str
    scenario: str
    title: str
    arm_key: str
    arms: tuple[str, ...]

    @property
    def multi(self) -> bool:
        return self.arm_key.endswith("allocator")


EXPERIMENTS = (
    Experiment("markov", "markov_modes.yaml", "Adaptive vs static modes, six-state Markov channel, "
               "1x Qwen2.5-7B -> Qwen2.5-14B, 5 s deadline", "agents.0.policy", MODE_ARMS),
    Experiment("trace", "trace_modes.yaml", "Adaptive vs static modes, replayed synthetic 5G uplink trace, "
               "1x Qwen2.5-7B -> Qwen2.5-14B, 5 s deadline", "agents.0.policy", MODE_ARMS),
    Experiment("four_50", "four_devices_50mbps.yaml", "Allocators: 2x Qwen2.5-7B + Mistral-7B + Qwen2.5-14B "
               "on 50 Mbps, 5 s deadline", "uplinks.0.allocator", ALLOCATOR_ARMS),
    Experiment("eight_100", "eight_devices_100mbps.yaml", "Allocators: 4x Qwen2.5-7B + 2x Mistral-7B + "
               "2x Qwen2.5-14B on 100 Mbps, 5 s deadline", "uplinks.0.allocator", ALLOCATOR_ARMS),
)


def _full_kv_f1(oracle, requests: pd.DataFrame) -> dict[int, float]:
    pairs = requests.drop_duplicates("agent")[["agent", "edge_model", "cloud_model"]]
    return {int(a): oracle.draws(e, c, "bf16").mean for a, e, c in pairs.itertuples(index=False)}


def replication_values(requests: pd.DataFrame, oracle, multi: bool) -> pd.DataFrame:
    """Per replication: on time, quality % of full KV (answers; misses = 0), totals, rounds."""
    full = _full_kv_f1(oracle, requests)
    df = requests.assign(pct=requests["f1"] / requests["agent"].map(full) * 100.0)
    df["pct_on_time"] = np.where(df["met_deadline"], df["pct"], 0.0)
    rows = []
    for rep, part in df.groupby("replication", sort=True):
        done = part[part["completed"]]
        values = {"on_time": part["met_deadline"].mean(),
                  "quality_pct": done["pct"].mean() if len(done) else math.nan,
                  "quality_on_time_pct": part["pct_on_time"].mean()}
        if multi:
            per_agent = part.groupby("agent")
            values["total_quality_pct"] = per_agent.apply(
                lambda a: a.loc[a["completed"], "pct"].mean(), include_groups=False).sum()
            values["total_quality_on_time_pct"] = per_agent["pct_on_time"].mean().sum()
            # Rounds: every device's k-th request arrives at the same instant (offset 0).
            rounds = part.groupby("request")["met_deadline"].all()
            values["rounds_all_on_time"] = rounds.mean()
        rows.extend((int(rep), m, float(v)) for m, v in values.items())
    return pd.DataFrame(rows, columns=["replication", "metric", "value"])


class Results:
    """Per-replication values of every (experiment, sharing, arm), and intervals over them."""

    def __init__(self, values: pd.DataFrame):
        self.values = values  # experiment, sharing, arm, replication, metric, value

    def _series(self, exp: str, sharing: str, arm: str, metric: str) -> pd.Series:
        v = self.values
        sel = v[(v["experiment"] == exp) & (v["sharing"] == sharing) & (v["arm"] == arm) & (v["metric"] == metric)]
        return sel.set_index("replication")["value"].sort_index()

    def ci(self, exp: str, sharing: str, arm: str, metric: str) -> Interval:
        s = self._series(exp, sharing, arm, metric).dropna()
        mean, half, _ = t_interval(s.to_numpy())
        return Interval(mean, mean - half, mean + half, len(s))

    def diff(self, exp: str, sharing: str, arm: str, base: str, metric: str) -> Interval:
        d = (self._series(exp, sharing, arm, metric) - self._series(exp, sharing, base, metric)).dropna()
        mean, half, _ = t_interval(d.to_numpy())
        return Interval(mean, mean - half, mean + half, len(d))

    def table(self) -> pd.DataFrame:
        rows = []
        keys = ["experiment", "sharing", "arm", "metric"]
        for key, _ in self.values.groupby(keys, sort=False):
            ci = self.ci(*key)
            rows.append((*key, ci.mean, ci.low, ci.high, (ci.high - ci.low) / 2, ci.n))
        return pd.DataFrame(rows, columns=keys + ["mean", "ci95_low", "ci95_high", "ci95_half", "replications"])


def run_experiments(out: Path, *, quick: bool, workers: int, progress: bool = True,
                    only: tuple[str, ...] | None = None) -> Results:
    from scoutsim.config import load_scenario

    overrides = dict(QUICK) if quick else {}
    frames = []
    for exp in EXPERIMENTS:
        if only and exp.name not in only:
            continue
        path = SCENARIO_DIR / exp.scenario
        grid = [f"{exp.arm_key}={','.join(exp.arms)}", f"uplinks.0.sharing={','.join(SHARINGS)}"]
        run_sweep(path, grid, out / exp.name, workers=workers, overrides=overrides, progress=progress)
        oracle = load_scenario(path, overrides).oracle
        for p in finished_points(out / exp.name / "points"):
            vals = dict(p["values"])
            requests = pd.read_parquet(p["dir"] / "requests.parquet")
            per_rep = replication_values(requests, oracle, exp.multi)
            frames.append(per_rep.assign(experiment=exp.name, sharing=vals["uplinks.0.sharing"],
                                         arm=vals[exp.arm_key]))
    values = pd.concat(frames, ignore_index=True)
    return Results(values[["experiment", "sharing", "arm", "replication", "metric", "value"]])
