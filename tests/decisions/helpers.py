"""Shared helpers for the decision tests: run scenario dicts, paired per-replication metrics."""

from __future__ import annotations

import copy

import numpy as np
import yaml
from scipy import stats

from scoutsim.config.loader import scenario_from_dict
from scoutsim.sim.records import misses_scored_zero
from scoutsim.sim.runner import simulate
from tests.conftest import ROOT, small_scenario


def load_dict(relative: str) -> dict:
    return yaml.safe_load((ROOT / relative).read_text())


def run(data: dict, **overrides):
    data = copy.deepcopy(data)
    data.update(overrides)
    return simulate(scenario_from_dict(data, source="<test>", base_dir=ROOT))


def per_replication(df, metric: str = "met_deadline") -> np.ndarray:
    """One value per replication: deadline compliance, or F1 with misses scored 0 ("f0")."""
    values = misses_scored_zero(df) if metric == "f0" else df[metric].to_numpy(dtype=float)
    frame = df.assign(v=values)
    return frame.groupby("replication")["v"].mean().to_numpy()


def paired_ci(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of a - b with the Student-t 95 % interval across replications."""
    d = np.asarray(a) - np.asarray(b)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.inf
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def behind_a_busy_cloud(latency_ms: float = 20, **device_a):
    """Device b sends text at t = 0 whose 400-token answer holds the only cloud GPU for
    seconds; device a (20 Mbps link, 170-token context, 21-token answer, whole-answer
    deadline) is asked at 0.5 s with ``device_a``'s keys. Returns b's and a's requests."""
    data = small_scenario(duration_s=1.5, replications=1, deadline_on="answer",
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 20},
                                    "allocator": "equal", "latency_ms": latency_ms}])
    a = data["agents"][0]
    a.update(name="a", count=1, arrival={"kind": "periodic", "period_s": 10, "offset_s": 0.5},
             context_tokens=170, answer_tokens=21, **device_a)
    b = dict(a, name="b", arrival={"kind": "periodic", "period_s": 10, "offset_s": 0.0}, answer_tokens=400,
             policy="static:text", modes=["text"], cloud_aware=False)
    df = run(dict(data, agents=[b, a]))
    return df[df["group"] == 0].iloc[0], df[df["group"] == 1].iloc[0]
