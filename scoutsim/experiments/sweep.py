"""A sweep: every grid point of a scenario, each with all its replications, resumable.

Layout of a sweep directory::

    sweep.json          what was asked: scenario (raw, after overrides), grid, points
    points/p0000/ ...   each point's own run outputs (requests.parquet, summary.csv, ...)
    summary.parquet     the tidy table of every point's summaries with CIs
    paired.parquet      paired differences between compared allocators/policies

Every point shares the scenario's seed, so replication ``r`` of every point sees the same
arrivals, channel path and questions (common random numbers; :mod:`scoutsim.sim.streams`).

Resuming: a point is written in one rename when it finishes, so after an interruption the
same command skips the points whose directory exists and runs the rest; the tables are
rebuilt from the finished points, never appended to, so no point is lost or counted twice.
A directory holding a different sweep is refused rather than mixed (``--overwrite`` replaces
it), and so is any folder :func:`scoutsim.results.outdir.claim` refuses.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scoutsim.errors import UserError
from scoutsim.experiments import grid as gridmod
from scoutsim.experiments.executors import check as check_executor, execute
from scoutsim.experiments.point import is_finished, store_point
from scoutsim.commands.progress import progress_bar
from scoutsim.results.outdir import claim, clear
from scoutsim.results.summary import interval_text
from scoutsim.experiments.tables import (compared_keys, finished_points, paired_table, summary_table,
                                         write_atomic)

MANIFEST = "sweep.json"
SUMMARY = "summary.parquet"
PAIRED = "paired.parquet"


@dataclass
class SweepResult:
    out: Path
    keys: list[str]
    summary: pd.DataFrame
    paired: pd.DataFrame
    ran: int
    resumed: int


def read_raw(path: str | Path) -> tuple[dict, str, Path]:
    from scoutsim.config.loader import _read_yaml  # the run command's reader: same messages

    p = Path(path)
    data = _read_yaml(p)
    if not isinstance(data, dict):
        raise UserError("expected a mapping of scenario keys at the top level", source=str(p))
    return data, str(p), p.resolve().parent


def _manifest(raw, source, base, axes, overrides, compare, points) -> dict:
    return {
        "scenario": raw, "source": source, "base_dir": str(base), "overrides": overrides,
        "grid": [[a.key, list(a.values)] for a in axes], "compare": compare,
        "points": [{"id": p.id, "values": [[k, v] for k, v in p.values]} for p in points],
    }


def _same_sweep(old: dict, new: dict) -> bool:
    fields = ("scenario", "overrides", "grid")
    canon = lambda d: json.dumps({f: d.get(f) for f in fields}, sort_keys=True, default=str)  # noqa: E731
    return canon(old) == canon(new)


def _claim_dir(out: Path, manifest: dict, scenario: Path, overwrite: bool) -> None:
    """Make ``out`` this sweep's directory: new, resumed (the same sweep), or, with
    ``overwrite``, emptied of scoutsim's earlier result; anything else is refused
    (:func:`scoutsim.results.outdir.claim`)."""
    held = claim(out, overwrite=overwrite, inputs=[scenario], resumes=True)
    path = out / MANIFEST
    if held == "sweep":  # its manifest parses (scoutsim.results.layouts.is_sweep_manifest)
        if _same_sweep(json.loads(path.read_text()), manifest):
            return
        if not overwrite:
            raise UserError(f"{out} holds a different sweep (another scenario, grid or override); add --overwrite "
                            "to replace it, or choose another --out")
        clear(out)
    elif held is not None:
        if not overwrite:
            raise UserError(f"{out} holds an earlier scoutsim result that is not a sweep; add --overwrite to replace "
                            "it, or choose another --out")
        clear(out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    tmp.replace(path)


def _clear_leftovers(points_dir: Path) -> None:
    """Temporary directories of points that were being written when a run was killed."""
    if points_dir.is_dir():
        for d in points_dir.iterdir():
            if d.name.startswith("."):
                shutil.rmtree(d, ignore_errors=True)


def assemble(out: Path) -> tuple[list[str], pd.DataFrame, pd.DataFrame]:
    manifest = json.loads((out / MANIFEST).read_text())
    keys = [k for k, _ in manifest["grid"]]
    done = finished_points(out / "points")
    summary = summary_table(done, keys)
    paired = paired_table(done, keys, compared_keys(keys, manifest.get("compare")))
    write_atomic(summary, out / SUMMARY)
    write_atomic(paired, out / PAIRED)
    return keys, summary, paired


def run_sweep(scenario: str | Path, grid: list[str], out: str | Path, *, executor: str = "local",
              workers: int = 1, overrides: dict | None = None, address: str | None = None,
              compare: list[str] | None = None, progress: bool = True, stream=None,
              start_method: str | None = None, overwrite: bool = False) -> SweepResult:
    if workers < 1:
        raise UserError(f"--workers must be >= 1, got {workers}")
    check_executor(executor)
    raw, source, base = read_raw(scenario)
    axes = gridmod.parse_grid(grid)
    keys = [a.key for a in axes]
    if compare is not None:
        unknown = [k for k in compare if k not in keys]
        if unknown:
            raise UserError(f"--paired {unknown[0]!r} is not a --grid key; grid keys are {keys}")
    overrides = dict(overrides or {})
    resolved = gridmod.resolve_points(raw, source, base, axes, overrides)  # all points valid, or nothing runs
    out = Path(out)
    _claim_dir(out, _manifest(raw, source, base, axes, overrides, compare, [p for p, _ in resolved]), Path(scenario),
               overwrite)
    points_dir = out / "points"
    _clear_leftovers(points_dir)
    todo = [(p, r) for p, r in resolved if not is_finished(points_dir / p.id)]
    # Points found finished on resume start the bar; tqdm's rate and time left count only
    # the points run now.
    with progress_bar(len(resolved), "points", not progress, initial=len(resolved) - len(todo), stream=stream) as bar:
        for encoded in execute(executor, todo, workers, address, start_method):
            store_point(points_dir, encoded)
            bar.update(1)
    keys, summary, paired = assemble(out)
    return SweepResult(out, keys, summary, paired, len(todo), len(resolved) - len(todo))


def format_sweep(result: SweepResult, metrics=("deadline_compliance", "f1_misses_zero"), scope="all") -> str:
    """Per point, the chosen metrics of one scope as mean ± 95 % half-width (mean[low,high] where
    the interval is cut at the metric's range); then pairs."""
    s = result.summary
    lines = []
    rows = s[(s["scope"] == scope) & s["metric"].isin(metrics)]
    for pid, grp in rows.groupby("point", sort=True):
        first = grp.iloc[0]
        label = ", ".join(f"{k}={first[k]}" for k in result.keys)
        cells = [f"{m} {_cell(grp[grp['metric'] == m])}" for m in metrics]
        lines.append(f"{pid}  {label}:  " + "  ".join(cells))
    p = result.paired
    if len(p):
        lines.append("paired differences (value - baseline, same seeds; 95 % CI):")
        rows = p[(p["group"] == -1) & p["metric"].isin(metrics)]
        others = [k for k in result.keys if k in rows.columns]
        for _, r in rows.iterrows():
            ctx = ", ".join(f"{k}={r[k]}" for k in others)
            verdict = ("higher" if r["ci95_low"] > 0 else "lower" if r["ci95_high"] < 0 else "no significant difference")
            lines.append(f"  {r['key']}: {r['value']} - {r['baseline']}{' at ' + ctx if ctx else ''}: "
                         f"{r['metric']} {r['mean']:+.4f} [{r['ci95_low']:+.4f}, {r['ci95_high']:+.4f}] ({verdict})")
    return "\n".join(lines)


def _cell(row: pd.DataFrame) -> str:
    if row.empty:
        return "-"
    mean, low, high, half = (float(row[c].iloc[0]) for c in ("mean", "ci95_low", "ci95_high", "ci95_half"))
    return interval_text(mean, low, high, half)
