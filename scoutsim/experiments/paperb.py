"""``reproduce paper-b``: the study's simulation (docs/study.md) as it was run, then relaxed.

Every experiment runs under the ``paper`` profile (the scenario files in scenarios/paper_b/,
see :mod:`.paperb_profile`) and under each relaxation of one of its assumptions; each
(experiment, variant) is a sweep over the experiment's arms, so it resumes if interrupted.

* ``markov``: one Qwen2.5-7B device, adaptive vs every static mode, six-state Markov, 5 s;
* ``markov_1s``: the same at a 1 s deadline (rounds every 1 s), adaptive over KV modes only;
* ``lumos5g``: the 5 s mode table on replayed Lumos5G runs (skipped, "not run", without them);
* ``two_50``, ``four_50``, ``eight_100``: N = 2, 4, 8 devices, three allocators.

Per replication it measures the quality of the mode each request was sent in, as % of the
device's full-KV (BF16) F1 from the same oracle, late or not, as the study counted it (its
static INT8 has 99.6 % quality and 88.3 % on time; its equal split 405.8 total quality with
no round all on time); the same with misses scored 0; ``local`` scores the study's 75 %,
quoted (:data:`STUDY_LOCAL_PCT`). Also the total of those percentages over devices (the
study's "total quality"), the share of requests on time, of rounds with every device on
time, and of requests sent as scout (adaptive's fallback).
Every interval is over replications, the independent units: shares get the Student-t interval
of the per-replication shares, cut at [0, 1] (:func:`.verdicts.share_interval`; pooling the
requests as if independent is too narrow on a correlated channel); means and paired
differences Student-t intervals across replications (same seeds in every arm).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import scoutsim.network.channels.trace_pool  # noqa: F401  (registers the trace_pool channel kind)
from scoutsim import shipped
from scoutsim.errors import UserError
from scoutsim.experiments.paperb_profile import (CAPACITY_JITTER, INFERRED_CHAIN, UPLINK_SCALED, VARIANTS, Relaxation,
                                                 grid_changes)
from scoutsim.experiments.sweep import read_raw, run_sweep
from scoutsim.experiments.tables import finished_points
from scoutsim.experiments.verdicts import Interval, share_interval
from scoutsim.intervals import t_interval, within

SCENARIO_DIR = shipped.folder("scenarios") / "paper_b"
MODE_ARMS = ("adaptive", "static:bf16", "static:int8", "static:mixed_int4", "static:int4",
             "static:scout@0.5", "static:local")
ARMS_1S = ("adaptive", "static:int8", "static:mixed_int4", "static:int4", "static:scout@0.5")
ALLOCATOR_ARMS = ("equal", "model_aware", "quality_max")
QUICK = {"replications": 5, "duration_s": 600.0}
STUDY_LOCAL_PCT = 75.0  # the study's mode table (docs/study.md); the cache's local = bf16 (meta.json notes.local)
SHARES = ("on_time", "rounds_all_on_time", "fallback")  # metrics that are a share of requests or rounds


@dataclass(frozen=True)
class Experiment:
    name: str
    scenario: str
    title: str
    arm_key: str
    arms: tuple[str, ...]
    fixed: dict[str, Any] = field(default_factory=dict)  # key path -> value, on top of the file
    sensitivities: tuple[Relaxation, ...] = ()  # variants run on this experiment only, under the paper profile

    @property
    def multi(self) -> bool:
        return self.arm_key.endswith("allocator")


EXPERIMENTS = (
    Experiment("markov", "markov_modes.yaml", "Adaptive vs static modes, six-state Markov channel, "
               "1x Qwen2.5-7B -> Qwen2.5-14B, 5 s deadline", "agents.0.policy", MODE_ARMS,
               sensitivities=(INFERRED_CHAIN,)),
    Experiment("markov_1s", "markov_modes.yaml", "The same at a 1 s deadline (rounds every 1 s), adaptive "
               "over KV modes only", "agents.0.policy", ARMS_1S,
               {"agents.0.deadline_s": 1.0, "agents.0.arrival": {"kind": "periodic", "period_s": 1.0, "offset_s": 0},
                "agents.0.modes": ["bf16", "int8", "mixed_int4", "int4"]}, (INFERRED_CHAIN,)),
    Experiment("lumos5g", "lumos5g_modes.yaml", "Adaptive vs static modes, replayed Lumos5G runs, "
               "1x Qwen2.5-7B -> Qwen2.5-14B, 5 s deadline", "agents.0.policy", MODE_ARMS,
               sensitivities=(UPLINK_SCALED,)),
    Experiment("two_50", "two_devices_50mbps.yaml", "Allocators, N = 2: Qwen2.5-7B + Qwen2.5-14B on 50 Mbps, "
               "5 s deadline", "uplinks.0.allocator", ALLOCATOR_ARMS),
    Experiment("four_50", "four_devices_50mbps.yaml", "Allocators, N = 4: 2x Qwen2.5-7B + Mistral-7B + "
               "Qwen2.5-14B on 50 Mbps, 5 s deadline", "uplinks.0.allocator", ALLOCATOR_ARMS,
               sensitivities=CAPACITY_JITTER),
    Experiment("eight_100", "eight_devices_100mbps.yaml", "Allocators, N = 8: 4x Qwen2.5-7B + 2x Mistral-7B + "
               "2x Qwen2.5-14B on 100 Mbps, 5 s deadline", "uplinks.0.allocator", ALLOCATOR_ARMS,
               sensitivities=CAPACITY_JITTER),
)


def experiment(name: str) -> Experiment:
    return next(e for e in EXPERIMENTS if e.name == name)


def _full_kv_f1(oracle, requests: pd.DataFrame) -> dict[int, float]:
    pairs = requests.drop_duplicates("agent")[["agent", "edge_model", "cloud_model"]]
    return {int(a): oracle.draws(e, c, "bf16").mean for a, e, c in pairs.itertuples(index=False)}


def replication_values(requests: pd.DataFrame, oracle, multi: bool) -> pd.DataFrame:
    """Per replication: shares (with their counts) and means of quality as % of full KV
    (of the mode sent, late or not; and with misses scored 0).

    A round is a window of one deadline from t = 0: under synchronised rounds, exactly every
    device's k-th request; under Poisson arrivals, the requests that arrived in that window
    (windows with no request are not rounds)."""
    full = _full_kv_f1(oracle, requests)
    df = requests.assign(pct=requests["f1"] / requests["agent"].map(full) * 100.0)
    df.loc[df["mode"] == "local", "pct"] = STUDY_LOCAL_PCT
    df["pct_on_time"] = np.where(df["met_deadline"], df["pct"], 0.0)
    df["round"] = np.floor(df["arrival_s"] / df["deadline_s"] + 1e-9)
    rows: list[tuple[int, str, float, float]] = []
    for rep, part in df.groupby("replication", sort=True):
        n = len(part)
        values = {"on_time": (part["met_deadline"].mean(), n),
                  "quality_pct": (part["pct"].mean(), math.nan),
                  "quality_on_time_pct": (part["pct_on_time"].mean(), math.nan),
                  "fallback": ((part["mode"] == "scout@0.5").mean(), n)}
        if multi:
            per_agent = part.groupby("agent")
            values["total_quality_pct"] = (per_agent["pct"].mean().sum(), math.nan)
            values["total_quality_on_time_pct"] = (per_agent["pct_on_time"].mean().sum(), math.nan)
            rounds = part.groupby("round")["met_deadline"].all()
            values["rounds_all_on_time"] = (rounds.mean(), len(rounds))
        rows.extend((int(rep), m, float(v), float(c)) for m, (v, c) in values.items())
    return pd.DataFrame(rows, columns=["replication", "metric", "value", "count"])


class Results:
    """Per-replication values of every (experiment, variant, arm), and intervals over them."""

    KEYS = ["experiment", "variant", "arm", "metric"]

    def __init__(self, values: pd.DataFrame, not_run: dict[str, str] | None = None):
        self.values = values  # experiment, variant, arm, replication, metric, value, count
        self.not_run = dict(not_run or {})  # experiment -> why
        self._index = {k: g.set_index("replication").sort_index() for k, g in values.groupby(self.KEYS, sort=False)}

    def has(self, exp: str, variant: str) -> bool:
        return any(k[0] == exp and k[1] == variant for k in self._index)

    def _frame(self, exp: str, variant: str, arm: str, metric: str) -> pd.DataFrame:
        return self._index.get((exp, variant, arm, metric), self.values.iloc[:0].set_index("replication"))

    def ci(self, exp: str, variant: str, arm: str, metric: str) -> Interval:
        f = self._frame(exp, variant, arm, metric).dropna(subset=["value"])
        if metric in SHARES:
            return share_interval(f["value"].to_numpy())
        t = within(t_interval(f["value"].to_numpy()), 0.0)  # qualities in % of full KV: never below 0
        return Interval(t.estimate, t.low, t.high, len(f))

    def diff(self, exp: str, variant: str, arm: str, base: str, metric: str) -> Interval:
        """Paired across replications (same seeds): a Student-t interval of the differences."""
        d = (self._frame(exp, variant, arm, metric)["value"]
             - self._frame(exp, variant, base, metric)["value"]).dropna()
        t = t_interval(d.to_numpy())
        if metric in SHARES:  # a difference of two shares lies in [-1, 1]
            t = within(t, -1.0, 1.0)
        return Interval(t.estimate, t.low, t.high, len(d))

    def table(self) -> pd.DataFrame:
        rows = []
        for key in self._index:
            ci = self.ci(*key)
            method = "student-t, replications, within [0, 1]" if key[3] in SHARES else "student-t, replications, within [0, inf)"
            rows.append((*key, ci.mean, ci.low, ci.high, (ci.high - ci.low) / 2, ci.n, method))
        return pd.DataFrame(rows, columns=self.KEYS + ["mean", "ci95_low", "ci95_high", "ci95_half",
                                                       "replications", "interval"])


def _missing_traces(path: Path) -> str | None:
    """Why a trace-driven scenario cannot run here (its runs are not imported), or None."""
    from scoutsim.network.channels.trace_pool import pool_files

    raw, source, base = read_raw(path)
    for u in raw["uplinks"]:
        if u["channel"].get("kind") == "trace_pool":
            try:
                pool_files(u["channel"], base, source=source)
            except UserError as exc:
                return str(exc)
    return None


def run_experiments(out: Path, *, quick: bool, workers: int, progress: bool = True,
                    only: tuple[str, ...] | None = None, variants: tuple[Relaxation, ...] = VARIANTS,
                    overrides: dict | None = None, sensitivities: bool = True) -> Results:
    """Run (or resume) every experiment under every variant, and its own sensitivities unless
    ``sensitivities`` is false; ``overrides`` (top-level scenario keys) replace the quick
    mode's replications and duration."""
    from scoutsim.config import load_scenario

    overrides = dict(overrides) if overrides is not None else (dict(QUICK) if quick else {})
    frames, not_run = [], {}
    for exp in EXPERIMENTS:
        if only and exp.name not in only:
            continue
        path = SCENARIO_DIR / exp.scenario
        why = _missing_traces(path)
        if why:
            not_run[exp.name] = why
            continue
        raw = read_raw(path)[0]
        for variant in (*variants, *(exp.sensitivities if sensitivities else ())):
            changes = grid_changes(raw, exp.fixed, variant)
            grid = [f"{exp.arm_key}={','.join(exp.arms)}", *[f"{k}={json.dumps(v)}" for k, v in changes.items()]]
            sweep_dir = out / exp.name / variant.name
            run_sweep(path, grid, sweep_dir, workers=workers, overrides=overrides, progress=progress)
            oracle = load_scenario(path, {**overrides, **({"oracle": changes["oracle"]} if "oracle" in changes
                                                          else {})}).oracle
            for p in finished_points(sweep_dir / "points"):
                vals = dict(p["values"])
                requests = pd.read_parquet(p["dir"] / "requests.parquet")
                per_rep = replication_values(requests, oracle, exp.multi)
                frames.append(per_rep.assign(experiment=exp.name, variant=variant.name, arm=vals[exp.arm_key]))
    cols = ["experiment", "variant", "arm", "replication", "metric", "value", "count"]
    values = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    return Results(values, not_run)
