"""Writing a run's results: all or nothing.

Everything goes into a temporary directory beside the target, which replaces the target in
one rename at the end; a run that fails or is interrupted leaves the previous results (or
nothing) in place, never a half-written set. :class:`RunWriter` is that directory open while
a run goes on: records stream into its ``requests.parquet`` replication by replication
(:mod:`scoutsim.results.requestsfile`), the rest is written when the run is done.
"""

from __future__ import annotations

import json
import platform
import shutil
from importlib import metadata
from pathlib import Path
from typing import Callable

import pandas as pd
import yaml

from scoutsim import __version__, plugins
from scoutsim.config import ResolvedScenario
from scoutsim.oraclecache import timing_warnings
from scoutsim.results.outdir import SIGNATURE, check_old_copy, make_temp_dir, old_copy
from scoutsim.results.provenance import code_version
from scoutsim.results.requestsfile import RequestsWriter

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
        **SIGNATURE,
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
        "code": code_version(),
        "plugins": plugins.provenance(),
        **(extra or {}),
    }


def swap_in(tmp: Path, out_dir: Path) -> Path:
    """Put the finished directory ``tmp`` (beside ``out_dir``) in ``out_dir``'s place by
    renames, so that ``out_dir`` is never half-written; what was there goes (the commands
    ask :func:`scoutsim.results.outdir.claim` first whether it may). A ``.NAME.old`` left
    there by an interrupted swap is removed only when it is scoutsim's own result."""
    if out_dir.exists():
        old = old_copy(out_dir)
        check_old_copy(out_dir, "the output folder")
        if old.exists():
            shutil.rmtree(old)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)
    return out_dir


class RunWriter:
    """``with RunWriter(out) as w: w.add(records)...; w.commit(...)``: all or nothing."""

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = make_temp_dir(self.out_dir.parent, f".{self.out_dir.name}.")
        self.requests = RequestsWriter(self.tmp / "requests.parquet")

    def add(self, records: pd.DataFrame) -> None:
        self.requests.add(records)

    def commit(self, resolved: ResolvedScenario, summary: pd.DataFrame, meta: dict,
               plots: Callable[[Path], None] | None = None) -> Path:
        tmp, out_dir = self.tmp, self.out_dir
        self.requests.close()
        summary.to_csv(tmp / "summary.csv", index=False, float_format="%.10g")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(resolved.resolved_dict(), sort_keys=False))
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
        if plots is not None:
            plots(tmp)
        return swap_in(tmp, out_dir)

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()  # nothing left after a commit (renamed away); everything after a failure


def write_results(out_dir: Path, resolved: ResolvedScenario, requests: pd.DataFrame, summary: pd.DataFrame,
                  meta: dict, plots: Callable[[Path], None] | None = None) -> Path:
    with RunWriter(out_dir) as writer:
        writer.add(requests)
        return writer.commit(resolved, summary, meta, plots)
