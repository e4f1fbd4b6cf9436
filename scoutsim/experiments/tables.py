"""The sweep's tidy tables, assembled from finished points only.

* ``summary.parquet``: one row per (point, scope, metric): the point's grid values as
  columns (named by key path), then ``scope``, ``group`` (-1 = all agents), ``metric``,
  ``mean``, ``ci95_low``, ``ci95_high``, ``ci95_half``, ``std``, ``replications``.
* ``paired.parquet``: for each compared key (an allocator, policy, sharing rule or
  estimator on the grid), each other value against the key's first value, at equal values
  of every other key: the mean of the per-replication differences ``value - baseline`` and
  its Student-t 95 % interval. Replication ``r`` of both points saw the same arrivals,
  channel and questions (common random numbers), so the pairing removes that variance.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from scoutsim.experiments.point import POINT_FILE, REPLICATIONS_FILE, SUMMARY_FILE, is_finished
from scoutsim.intervals import t_interval, within
from scoutsim.results.summary import SUMMARY_COLUMNS, is_bounded

COMPARED_LEAVES = ("allocator", "policy", "sharing", "estimator")
PAIRED_COLUMNS = ["key", "value", "baseline", "scope", "group", "metric", "mean", "ci95_low", "ci95_high",
                  "ci95_half", "std", "replications"]


def grid_column(values: list):
    """One Parquet-friendly column: numbers stay numbers, anything mixed becomes text."""
    if all(isinstance(v, bool) for v in values):
        return values
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return values
    return [v if isinstance(v, str) else json.dumps(v) for v in values]


def finished_points(points_dir: Path) -> list[dict]:
    out: list[dict] = []
    if not points_dir.is_dir():
        return out
    for d in sorted(points_dir.iterdir()):
        if d.name.startswith(".") or not is_finished(d):
            continue
        out.append({"dir": d, **json.loads((d / POINT_FILE).read_text())})
    return sorted(out, key=lambda p: p["index"])


def _groups(point_dir: Path) -> dict[str, int]:
    """Scope name -> group index, as the point's replication table pairs them (groups in
    order, then ``all`` = -1: a later name wins, as in ``scope_names``' order)."""
    pairs = pd.read_parquet(point_dir / REPLICATIONS_FILE, columns=["group", "scope"])
    return dict(zip(pairs["scope"], pairs["group"].astype(int)))


def summary_table(done: list[dict], keys: list[str]) -> pd.DataFrame:
    frames = []
    for p in done:
        s = pd.read_parquet(p["dir"] / SUMMARY_FILE)
        groups = _groups(p["dir"])
        s.insert(0, "point", p["id"])
        s.insert(s.columns.get_loc("metric"), "group", [groups[x] for x in s["scope"]])
        frames.append(s)
    if not frames:
        return pd.DataFrame(columns=["point", *keys, "group", *SUMMARY_COLUMNS])
    table = pd.concat(frames, ignore_index=True)
    values = {p["id"]: dict(p["values"]) for p in done}
    for i, key in enumerate(keys):
        table.insert(1 + i, key, grid_column([values[pid][key] for pid in table["point"]]))
    return table.astype({"group": "int32", "replications": "int32"})


def compared_keys(keys: list[str], chosen: list[str] | None) -> list[str]:
    if chosen is not None:
        return chosen
    return [k for k in keys if k.rsplit(".", 1)[-1] in COMPARED_LEAVES]


def paired_table(done: list[dict], keys: list[str], compare: list[str]) -> pd.DataFrame:
    reps = {p["id"]: pd.read_parquet(p["dir"] / REPLICATIONS_FILE) for p in done}
    values = {p["id"]: dict(p["values"]) for p in done}
    rows = []
    for key in compare:
        others = [k for k in keys if k != key]
        order = []  # the key's values in grid order; the first is the baseline
        for p in done:
            if values[p["id"]][key] not in order:
                order.append(values[p["id"]][key])
        by_context: dict[str, dict] = {}
        for p in done:
            ctx = json.dumps([values[p["id"]][k] for k in others])
            by_context.setdefault(ctx, {})[json.dumps(values[p["id"]][key])] = p["id"]
        for ctx, members in by_context.items():
            base_id = members.get(json.dumps(order[0]))
            if base_id is None:
                continue
            base = reps[base_id].set_index(["group", "metric", "replication"])["value"]
            base_names = reps[base_id].drop_duplicates("group").set_index("group")["scope"]
            for v in order[1:]:
                pid = members.get(json.dumps(v))
                if pid is None:
                    continue
                other = reps[pid].set_index(["group", "metric", "replication"])["value"]
                diff = (other - base).dropna()  # aligned on (group, metric, replication)
                for (g, metric), d in diff.groupby(level=["group", "metric"], sort=False):
                    # A difference of two shares lies in [-1, 1]; of counts, seconds, bytes anywhere.
                    t = t_interval(d.to_numpy())
                    if is_bounded(metric):
                        t = within(t, -1.0, 1.0)
                    mean, half = t.estimate, t.half_width
                    std = float(d.std(ddof=1)) if len(d) > 1 else math.nan
                    context = dict(zip(others, json.loads(ctx)))
                    rows.append({**context, "key": key, "value": v, "baseline": order[0],
                                 "scope": base_names.get(g, str(g)), "group": int(g), "metric": metric,
                                 "mean": mean, "ci95_low": t.low, "ci95_high": t.high,
                                 "ci95_half": half, "std": std, "replications": int(len(d))})
    if not rows:
        return pd.DataFrame(columns=PAIRED_COLUMNS)
    table = pd.DataFrame(rows)
    for col in ["value", "baseline", *[k for k in keys if k in table.columns]]:
        table[col] = grid_column(list(table[col]))
    return table


def write_atomic(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False)
    tmp.replace(path)
