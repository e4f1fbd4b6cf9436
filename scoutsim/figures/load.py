"""Reading what ``scoutsim run`` and ``scoutsim sweep`` wrote.

A run directory has ``requests.parquet``, ``summary.csv``, ``scenario.yaml`` and
``meta.json``; a sweep directory has ``sweep.json`` and ``points/``. Anything else is a
:class:`~scoutsim.errors.UserError` naming what was expected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from scoutsim.errors import UserError

RUN_FILES = ("requests.parquet", "summary.csv", "scenario.yaml", "meta.json")


@dataclass
class Run:
    path: Path
    scenario: Any  # scoutsim.config.schema.Scenario (imported lazily: plotting needs no config at import)
    meta: dict
    _requests: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def requests(self) -> pd.DataFrame:
        if self._requests is None:
            self._requests = pd.read_parquet(self.path / "requests.parquet")
        return self._requests


@dataclass
class Sweep:
    path: Path
    manifest: dict
    summary: pd.DataFrame
    keys: list[str]
    points: dict[str, Run]  # point id -> its run
    values: dict[str, dict]  # point id -> {key: value}


def is_run(path: Path) -> bool:
    return all((path / f).is_file() for f in RUN_FILES)


def load_run(path: Path) -> Run:
    import scoutsim.network.channels.trace_pool  # noqa: F401  (so scenarios that use it validate)
    from scoutsim.config.schema import Scenario

    missing = [f for f in RUN_FILES if not (path / f).is_file()]
    if missing:
        raise UserError(f"not a run directory: missing {missing}", source=str(path))
    scenario = Scenario.model_validate(yaml.safe_load((path / "scenario.yaml").read_text()))
    return Run(path, scenario, json.loads((path / "meta.json").read_text()))


def load_sweep(path: Path) -> Sweep:
    from scoutsim.experiments.sweep import MANIFEST, SUMMARY, assemble
    from scoutsim.experiments.tables import finished_points

    manifest = json.loads((path / MANIFEST).read_text())
    if not (path / SUMMARY).is_file():
        assemble(path)  # an interrupted sweep: draw what has finished
    summary = pd.read_parquet(path / SUMMARY)
    done = finished_points(path / "points")
    if not done:
        raise UserError("the sweep has no finished points yet; run or resume it first", source=str(path))
    keys = [k for k, _ in manifest["grid"]]
    return Sweep(path, manifest, summary, keys, {p["id"]: load_run(p["dir"]) for p in done},
                 {p["id"]: dict(p["values"]) for p in done})


def load(path: str | Path) -> Run | Sweep:
    p = Path(path)
    if not p.is_dir():
        raise UserError("no such results directory", source=str(p))
    if (p / "sweep.json").is_file():
        return load_sweep(p)
    if is_run(p):
        return load_run(p)
    raise UserError("not a run directory (requests.parquet, summary.csv, scenario.yaml, meta.json) "
                    "nor a sweep directory (sweep.json)", source=str(p))
