"""A city in one run: 10^5 devices over 1,000 cells for 60 simulated seconds.

The scenario (:func:`scoutsim.bench.scenarios.city`) puts the main scenario's device mix
and per-cell load on every cell; each cell is its own uplink (the cell/topology model is
not used), with superposed arrivals. It runs in a fresh process so that its peak
resident memory (``ru_maxrss``) is its own: building the world, running it and building
the request table, with the interpreter and libraries (about 150 MB of it is the imports).

Target: peak memory <= 1 GB; its requests/s reported.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from concurrent.futures import ProcessPoolExecutor

TARGET_MB = 1000.0
FULL = (100_000, 1000, 60.0)
QUICK = (2_000, 20, 20.0)


def _one(devices: int, cells: int, duration_s: float) -> dict:
    from scoutsim.bench.scenarios import city, resolve
    from scoutsim.sim.world import World, build_pools

    imported = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    resolved = resolve(city(devices, cells, duration_s))
    pools = build_pools(resolved)
    world = World(resolved, 0, pools)
    built = time.perf_counter()
    df = world.run()
    done = time.perf_counter()
    return {"devices": devices, "cells": cells, "duration_s": duration_s, "requests": len(df),
            "build_s": built - started, "run_s": done - built, "requests_per_s": len(df) / (done - built),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "imports_mb": imported,
            "met_deadline": float(df["met_deadline"].mean())}


def measure(quick: bool = False) -> dict:
    devices, cells, duration = QUICK if quick else FULL
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_one, devices, cells, duration).result()


def report(r: dict) -> list[str]:
    return [
        f"city: {r['devices']:,} devices over {r['cells']:,} cells (independent uplinks), "
        f"{r['duration_s']:g} simulated s, {r['requests']:,} requests ({r['met_deadline']:.1%} met their deadline)",
        f"  build {r['build_s']:.1f} s, run {r['run_s']:.1f} s: {r['requests_per_s']:,.0f} simulated requests/s",
        f"  peak resident memory {r['peak_mb']:,.0f} MB (of which {r['imports_mb']:,.0f} MB after imports; "
        f"target <= {TARGET_MB:,.0f} MB: {'met' if r['peak_mb'] <= TARGET_MB else 'MISSED'})",
    ]


def run(quick: bool = False) -> dict:
    r = measure(quick)
    for line in report(r):
        print(line)
    return r
