"""Which grid keys are x axes, and how to label them with units.

A swept key is an axis when all its values are numbers. ``...count`` keys are shown as
the total number of agents of the point's scenario, and the axis label says so and names
the group whose count was swept (a sweep of ``agents.0.count=2,4,8`` beside a group of 4
reads 6, 8, 12 "agents in all groups"). Every other key separates curves.
"""

from __future__ import annotations

import re

LABELS = {
    "mbps": "uplink capacity (Mbps)",
    "scale": "capacity scale (x trace)",
    "count": "number of agents",
    "deadline_s": "deadline (s)",
    "rate_per_s": "arrival rate per agent (1/s)",
    "period_s": "request period (s)",
    "latency_ms": "one-way latency (ms)",
    "context_tokens": "context length (tokens)",
    "slowdown": "cloud slowdown (x oracle device)",
    "edge_slowdown": "edge slowdown (x oracle device)",
    "gpus": "cloud GPUs",
    "duration_s": "simulated time per replication (s)",
}
METRIC_LABELS = {
    "deadline_compliance": ("deadline compliance (% of requests on time)", 100.0),
    "f1_misses_zero": ("mean F1, misses scored 0", 1.0),
    "mean_f1": ("mean F1 of answered requests", 1.0),
}


def leaf(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def axis_label(key: str, sweep=None) -> str:
    if leaf(key) == "count" and sweep is not None:
        match = re.match(r"agents(?:\.|\[)(\d+)", key)
        scenario = next(iter(sweep.points.values())).scenario
        if match and int(match.group(1)) < len(scenario.agents):
            i = int(match.group(1))
            name = scenario.agents[i].name or f"agents[{i}]"
            if len(scenario.agents) > 1:
                return f"agents in all groups (swept: count of {name})"
        return "number of agents"
    return LABELS.get(leaf(key), key)


def numeric_keys(sweep) -> list[str]:
    out = []
    for k in sweep.keys:
        vals = [v[k] for v in sweep.values.values()]
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in vals) and len(set(vals)) > 1:
            out.append(k)
    return out


def x_value(sweep, point_id: str, key: str) -> float:
    if leaf(key) == "count":
        return float(sum(g.count for g in sweep.points[point_id].scenario.agents))
    return float(sweep.values[point_id][key])


def curve_label(sweep, point_id: str, others: list[str]) -> str:
    if not others:
        return "all points"
    return ", ".join(f"{leaf(k)}={sweep.values[point_id][k]}" for k in others)
