"""The speed-up of a sweep: the README's sweep of the main scenario with one local worker,
two local workers and (when Ray is importable) two CPUs of a local Ray instance, timed in
one run and interleaved (one of each, then again; the best of each), with its tables
checked identical.

Target: two workers at least 1.8x faster than one, locally and on Ray. What is
timed is :func:`~scoutsim.experiments.sweep.run_sweep` from the scenario file to the tidy
tables on disk (resolving every point, the pool's start, the runs, the points' files, the
tables); not the interpreter's start and imports, the same for every executor. The Ray
instance is started once before the repeats (its start-up, several seconds, is reported
apart: a sweep on a running cluster does not pay it); its first sweep pays its workers'
imports, which later ones reuse, as a cluster's would. The command line
(``python -m scoutsim sweep``, with and without ``--workers 2``) is timed too, as a whole
process: there the interpreter's start and imports (about 0.8 s) are a serial part that no
number of workers shortens.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scoutsim.bench.scenarios import MAIN, ROOT

TARGET = 1.8
GRID = ["uplinks.0.channel.mbps=25,50,100,200", "uplinks.0.allocator=equal,model_aware"]
QUICK_GRID = ["uplinks.0.channel.mbps=50,100", "uplinks.0.allocator=equal,model_aware"]
TABLES = ("summary.parquet", "paired.parquet")


def _ray_available() -> bool:
    try:
        import ray  # noqa: F401  (optional)
    except ModuleNotFoundError:
        return False
    return True


def _point_bytes(out: Path) -> dict[str, bytes]:
    """Every file of every point but meta.json (which records the point's own run time),
    and the sweep's tables."""
    files = {name: (out / name).read_bytes() for name in TABLES}
    for f in sorted((out / "points").rglob("*")):
        if f.is_file() and f.name != "meta.json":
            files[str(f.relative_to(out))] = f.read_bytes()
    return files


def measure(quick: bool = False, repeats: int | None = None, ray: bool | None = None,
            command: bool = True) -> dict:
    from scoutsim.experiments.sweep import run_sweep
    from scoutsim.raystart import start as start_ray

    grid = QUICK_GRID if quick else GRID
    overrides = {"replications": 2, "duration_s": 100} if quick else {}
    repeats = repeats or (1 if quick else 3)
    # (name, executor, workers, the case its speed-up is against)
    cases = [("local, 1 worker", "local", 1, None), ("local, 2 workers", "local", 2, "local, 1 worker")]
    use_ray = _ray_available() if ray is None else ray
    ray_start_s = None
    if use_ray:
        import ray as ray_module

        cases.append(("local Ray instance, 2 CPUs", "ray", 2, "local, 1 worker"))
        started = time.perf_counter()
        started_here = start_ray(None, 2)
        ray_start_s = time.perf_counter() - started
    if command:
        cases += [("command, --workers 1", "command", 1, None),
                  ("command, --workers 2", "command", 2, "command, --workers 1")]
    best = {c[0]: float("inf") for c in cases}
    first: dict[str, float] = {}
    reference, points = None, 0
    scratch = Path(tempfile.mkdtemp(prefix="scoutsim-bench-sweep-"))
    try:
        for rep in range(repeats):
            for name, executor, workers, _ in cases:
                out = scratch / f"{executor}{workers}-{rep}"
                started = time.perf_counter()
                if executor == "command":
                    _command(grid, overrides, out, workers)
                else:
                    run_sweep(MAIN, grid, out, executor=executor, workers=workers, overrides=overrides,
                              progress=False)
                seconds = time.perf_counter() - started
                first.setdefault(name, seconds)
                best[name] = min(best[name], seconds)
                files = _point_bytes(out)
                if reference is None:
                    reference, points = files, len(list((out / "points").iterdir()))
                elif files != reference:
                    differ = sorted(k for k in set(files) | set(reference) if files.get(k) != reference.get(k))
                    raise AssertionError(f"{name}: the sweep's files differ from one worker's: {differ[:5]}")
                shutil.rmtree(out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if use_ray and started_here:
            ray_module.shutdown()
    ray_absent = None if use_ray else ("it is not installed" if not _ray_available() else "not asked for")
    return {"points": points, "grid": grid, "overrides": overrides, "repeats": repeats, "ray_start_s": ray_start_s,
            "ray_absent": ray_absent,
            "cases": [{"case": name, "executor": executor, "workers": workers, "seconds": best[name],
                       "first_seconds": first[name], "against": against,
                       "speedup": best[against] / best[name] if against else 1.0}
                      for name, executor, workers, against in cases]}


def _command(grid: list[str], overrides: dict, out: Path, workers: int) -> None:
    flags = {"replications": "--replications", "duration_s": "--duration"}
    args = [sys.executable, "-m", "scoutsim", "sweep", str(MAIN), *[a for g in grid for a in ("--grid", g)],
            "--out", str(out), "--workers", str(workers), "--no-progress",
            *[a for k, v in overrides.items() for a in (flags[k], str(v))]]
    # From the checkout's root, so that ``-m scoutsim`` runs this checkout.
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()[-500:]}")


def report(r: dict, load: float) -> list[str]:
    reps = r["overrides"].get("replications", "the scenario's")
    lines = [f"sweep of {MAIN.name}: {r['points']} points ({' x '.join(g.split('=')[0] for g in r['grid'])}), "
             f"{reps} replications each; best of {r['repeats']}, interleaved; load average {load:.2f} "
             "(other users' jobs take cores from the workers: compare at a load well under 1)",
             f"{'executor':30s} {'best s':>8s} {'first s':>8s} {'speed-up':>9s}"]
    for c in r["cases"]:
        lines.append(f"{c['case']:30s} {c['seconds']:8.2f} {c['first_seconds']:8.2f} {c['speedup']:8.2f}x")
    if r["ray_start_s"] is not None:
        lines.append(f"(Ray's start-up, once before the repeats: {r['ray_start_s']:.1f} s)")
    else:
        lines.append(f"(Ray not measured: {r['ray_absent']})")
    for c in r["cases"]:
        if c["against"] is None:
            continue
        verdict = "met" if c["speedup"] >= TARGET else "MISSED"
        lines.append(f"{c['case']}: {c['speedup']:.2f}x {c['against']} (target >= {TARGET}x; {verdict}); "
                     "files identical to one worker's")
    return lines


def run(quick: bool = False) -> dict:
    import os

    r = measure(quick)
    r["load"] = os.getloadavg()[0]
    for line in report(r, r["load"]):
        print(line)
    return r
