"""Which figures a run or a sweep gets, drawn into a fresh directory in one rename.

A run: compliance and F1 (misses 0) per group with CIs, latency CDFs with CI bands, modes
over time, decision maps. A sweep: compliance and F1 (misses 0) against every swept
numeric axis (bandwidth, number of agents, deadline, ...), one curve per value of the
other keys (allocator, policy, ...), with CI error bars (grouped bars with CIs when only
categorical keys were swept); latency CDFs with CI bands per
axis value; modes over time per point; the decision maps of its first point's scenario.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from scoutsim.errors import UserError
from scoutsim.results.outdir import META, SIGNATURE, claim, make_temp_dir
from scoutsim.results.output import swap_in
from scoutsim.figures import cdf, curves, decision, modes
from scoutsim.figures.load import Run, Sweep, load


def _oracle(run: Run):
    from scoutsim.oraclecache import load_cache

    path = run.meta.get("oracle", {}).get("path")
    try:
        return load_cache(path if path and Path(path).is_dir() else run.scenario.oracle, run.path)
    except UserError as exc:
        raise UserError(f"decision map needs the run's oracle cache: {exc}") from None


def draw_run(run: Run, out: Path) -> list[Path]:
    import pandas as pd

    summary = pd.read_csv(run.path / "summary.csv")
    paths = curves.group_bars(summary, out)
    paths += cdf.run_cdf(run, out)
    paths += modes.run_modes(run, out)
    paths += decision.draw_decision_maps(run.scenario, _oracle(run), out)
    return paths


def draw_sweep(sweep: Sweep, out: Path, scope: str) -> list[Path]:
    if scope not in set(sweep.summary["scope"]):
        raise UserError(f"no scope {scope!r} in this sweep; it has {sorted(set(sweep.summary['scope']))}")
    paths = curves.sweep_curves(sweep, scope, out)
    paths += cdf.sweep_cdf(sweep, out)
    paths += modes.sweep_modes(sweep, out)
    first = next(iter(sweep.points.values()))
    paths += decision.draw_decision_maps(first.scenario, _oracle(first), out)
    return paths


def figures_dir(results: str | Path, out: str | Path | None = None) -> Path:
    return Path(out) if out else Path(results) / "figures"


def draw(results: str | Path, out: str | Path | None = None, scope: str = "all",
         overwrite: bool = False) -> tuple[Path, list[Path]]:
    """Draw the figures of ``results`` into ``out`` (default RESULTS/figures/); an earlier
    figure folder there is replaced only with ``overwrite`` (:func:`claim`)."""
    out_dir = figures_dir(results, out)
    claim(out_dir, "--out" if out else "the figure folder", overwrite=overwrite, inputs=[Path(results)])
    target = load(results)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = make_temp_dir(out_dir.parent, f".{out_dir.name}.")
    try:
        made = draw_sweep(target, tmp, scope) if isinstance(target, Sweep) else draw_run(target, tmp)
        # The signature that lets a later `plot --overwrite` know this folder for scoutsim's own.
        (tmp / META).write_text(json.dumps({**SIGNATURE, "figures_of": str(results)}, indent=2) + "\n")
        swap_in(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir, [out_dir / p.name for p in made]
