"""Writing a run's results: all or nothing.

Everything goes into a temporary directory beside the target, which replaces the target in
one rename at the end; a run that fails or is interrupted leaves the previous results (or
nothing) in place, never a half-written set.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Callable

import pandas as pd
import yaml

from scoutsim import __version__
from scoutsim.config import ResolvedScenario
from scoutsim.oraclecache import timing_warnings

LIBRARIES = ("simpy", "numpy", "pandas", "pyarrow", "scipy", "pydantic", "matplotlib", "pyyaml")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "scoutsim": __version__}
    for lib in LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def run_meta(resolved: ResolvedScenario, extra: dict | None = None) -> dict:
    s = resolved.scenario
    oracle = resolved.oracle
    return {
        "scenario": s.name,
        "scenario_file": resolved.source,
        "seed": s.seed,
        "replications": s.replications,
        "streams": "numpy SeedSequence(entropy=seed, spawn_key=(replication, component, index)); "
                   "components: 0 channel (per uplink), 1 arrivals, 2 questions, 3 periodic phase (per agent)"
                   + ("; 8 own radio channel (per agent)" if any(g.channel is not None for g in s.agents) else ""),
        "oracle": {"name": oracle.name, "path": str(oracle.path), "kind": oracle.meta["kind"],
                   "digest": oracle.digest, "files": oracle.meta["files"], "device": oracle.meta["device"]},
        "timing_lookups_extrapolated": oracle.extrapolated,
        # the oracle's timings come from one machine class; slowdown 1 means that machine
        "oracle_timing_warnings": timing_warnings(
            oracle.meta, [s.cloud.slowdown] + [c.slowdown for c in (getattr(s, "clouds", None) or [])],
            [g.edge_slowdown for g in s.agents]),
        "versions": library_versions(),
        **(extra or {}),
    }


def write_results(out_dir: Path, resolved: ResolvedScenario, requests: pd.DataFrame, summary: pd.DataFrame,
                  meta: dict, plots: Callable[[Path], None] | None = None) -> Path:
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        requests.to_parquet(tmp / "requests.parquet", index=False)
        summary.to_csv(tmp / "summary.csv", index=False, float_format="%.10g")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(resolved.resolved_dict(), sort_keys=False))
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
        if plots is not None:
            plots(tmp)
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out_dir.rename(old)
            tmp.rename(out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
