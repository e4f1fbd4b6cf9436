"""One grid point: simulate all its replications, summarise, and write it atomically.

:func:`run_point` is a pure function of the resolved scenario (the seed fixes every random
stream), so any executor, local or Ray, returns the same :class:`PointResult`.
:func:`encode_point` runs it and encodes the point's files where it runs (a worker: the
encoding, Parquet mostly, is then parallel too), through :func:`write_point`, the run's
all-or-nothing writer, into a private directory; only the sweep's driver writes into the
sweep, through :func:`store_point`: a point's directory either holds all its files or does
not exist. That is what makes a sweep resumable: a point is finished exactly when its
directory is there.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoutsim.results.summary import replication_metrics, scope_names, summarize, summary_modes

POINT_FILE = "point.json"
REPLICATIONS_FILE = "replications.parquet"
SUMMARY_FILE = "summary.parquet"
REP_COLUMNS = ["replication", "group", "scope", "metric", "value"]


@dataclass
class PointResult:
    point_id: str
    requests: pd.DataFrame
    summary: pd.DataFrame
    replications: pd.DataFrame  # long: replication, group, scope, metric, value
    seconds: float


@dataclass
class PointFiles:
    """A finished point as its directory's files (name -> bytes), encoded by a worker."""

    point_id: str
    files: dict[str, bytes]
    seconds: float


def replication_table(requests: pd.DataFrame, scenario) -> pd.DataFrame:
    """Every summary metric once per replication and scope (group -1 = all agents).

    Paired differences need these per-replication values; the group index (not the scope's
    name, which may contain the varied policy) is what pairs scopes across points.
    """
    names = scope_names(scenario)
    modes = summary_modes(scenario)
    rows: list[tuple[int, int, str, str, float]] = []  # REP_COLUMNS
    scopes = [(g, names[g], requests["group"] == g) for g in range(len(names))] + [(-1, "all", None)]
    for g, name, mask in scopes:
        part = requests if mask is None else requests[mask]
        for r in range(scenario.replications):
            values = replication_metrics(part[part["replication"] == r], modes)
            rows.extend((r, g, name, metric, v) for metric, v in values.items())
    return pd.DataFrame(rows, columns=REP_COLUMNS).astype({"replication": "int32", "group": "int32"})


def run_point(point_id: str, resolved) -> PointResult:
    from scoutsim.sim.runner import simulate

    started = time.perf_counter()
    s = resolved.scenario
    requests = simulate(resolved, workers=1)
    summary = summarize(requests, s, s.replications)
    reps = replication_table(requests, s)
    return PointResult(point_id, requests, summary, reps, time.perf_counter() - started)


def _jsonable(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def write_point(points_dir: Path, point, resolved, result: PointResult) -> Path:
    from scoutsim.results.output import run_meta, write_results

    meta = run_meta(resolved, {"requests": len(result.requests), "sweep_point": point.id,
                               "grid": {k: _jsonable(v) for k, v in point.values},
                               "simulated_s": round(result.seconds, 3)})

    def extras(tmp: Path) -> None:
        result.replications.to_parquet(tmp / REPLICATIONS_FILE, index=False)
        # summary.csv is rounded for people; the sweep's table is built from full precision.
        result.summary.to_parquet(tmp / SUMMARY_FILE, index=False)
        (tmp / POINT_FILE).write_text(json.dumps(
            {"id": point.id, "index": point.index, "values": [[k, _jsonable(v)] for k, v in point.values]},
            indent=2) + "\n")

    return write_results(points_dir / point.id, resolved, result.requests, result.summary, meta, extras)


def encode_point(point, resolved) -> PointFiles:
    """Run a point and encode its files: the same bytes :func:`write_point` writes, since it
    is what writes them (into a private directory, read back)."""
    result = run_point(point.id, resolved)
    with tempfile.TemporaryDirectory(prefix="scoutsim-point-") as tmp:
        written = write_point(Path(tmp), point, resolved, result)
        files = {f.name: f.read_bytes() for f in sorted(written.iterdir())}
    return PointFiles(point.id, files, result.seconds)


def store_point(points_dir: Path, encoded: PointFiles) -> Path:
    """Write an encoded point into the sweep in one rename (all or nothing)."""
    from scoutsim.results.outdir import make_temp_dir
    from scoutsim.results.output import swap_in

    out_dir = points_dir / encoded.point_id
    points_dir.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(points_dir, f".{out_dir.name}.")  # a leftover a resume clears
    try:
        for name, data in encoded.files.items():
            (tmp / name).write_bytes(data)
        return swap_in(tmp, out_dir)  # an unfinished directory there (a file missing) goes
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_finished(point_dir: Path) -> bool:
    return all((point_dir / f).is_file() for f in (POINT_FILE, REPLICATIONS_FILE, SUMMARY_FILE, "requests.parquet"))
