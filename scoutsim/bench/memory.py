"""Peak memory per simulated request, and what writing the outputs costs.

Memory: tracemalloc's peak while a scenario is simulated (every Python allocation, the
request table included), over the requests it simulated; measured for the main scenario
and for a 4,096-agent one, so that memory held per agent shows apart from memory per
request. tracemalloc slows Python down, so nothing is timed while it runs.

Output: ``write_results`` (requests.parquet, summary.csv, scenario.yaml, meta.json; the
plots apart) against the simulation that produced the table, in the same run.

State per device: what the world holds per device in the city scenario at 10^5 devices
(:func:`scoutsim.bench.scenarios.city`, superposed arrivals; target: under 2 kB),
once built and after a 60 s run with its request records dropped.
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

from scoutsim.bench.scenarios import main_dict, resolve, scaled
from scoutsim.sim.runner import simulate


def peak_per_request(resolved) -> dict:
    tracemalloc.start()
    try:
        df = simulate(resolved)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"scenario": resolved.scenario.name, "requests": len(df), "peak_mb": peak / 1e6,
            "bytes_per_request": peak / len(df), "table_bytes_per_request": df.memory_usage(deep=True).sum() / len(df)}


def memory(quick: bool = False) -> list[dict]:
    main = resolve(main_dict(), **({"replications": 2, "duration_s": 300} if quick else {}))
    big = resolve(scaled(512 if quick else 4096, 1, 2000 if quick else 40_000))
    return [peak_per_request(main), peak_per_request(big)]


DEVICE_TARGET = 2000  # bytes of state per device


def device_state(devices: int, cells: int | None = None, duration_s: float = 60.0) -> dict:
    """Bytes per device the world holds (tracemalloc, after the question pools, which are per
    group): once built, and after a run with the request records dropped, i.e. what the
    devices' own state grew to (estimator windows, draw blocks)."""
    import gc

    from scoutsim.sim.world import World, build_pools

    from scoutsim.bench.scenarios import city

    cells = cells or max(1, devices // 100)  # the city's 100 devices per cell
    resolved = resolve(city(devices, cells, duration_s))
    pools = build_pools(resolved)
    gc.collect()
    tracemalloc.start()
    try:
        world = World(resolved, 0, pools)
        built, _ = tracemalloc.get_traced_memory()
        df = world.run()
        requests = len(df)
        del df
        world.records.rows.clear()
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"devices": devices, "cells": min(cells, devices), "requests": requests,
            "built_bytes_per_device": built / devices, "after_run_bytes_per_device": after / devices}


def output_time(quick: bool = False) -> dict:
    from scoutsim.results import plots
    from scoutsim.results.output import run_meta, write_results
    from scoutsim.results.summary import summarize

    resolved = resolve(main_dict(), **({"replications": 2, "duration_s": 300} if quick else {}))
    s = resolved.scenario
    started = time.perf_counter()
    df = simulate(resolved)
    sim = time.perf_counter() - started
    summary = summarize(df, s, s.replications)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        write_results(Path(tmp) / "out", resolved, df, summary, run_meta(resolved, {"requests": len(df)}))
        write = time.perf_counter() - started
        parquet = (Path(tmp) / "out" / "requests.parquet").stat().st_size
        started = time.perf_counter()
        write_results(Path(tmp) / "plots", resolved, df, summary, run_meta(resolved, {"requests": len(df)}),
                      lambda d: plots.draw_run(d, df, summary, s))
        with_plots = time.perf_counter() - started
    return {"requests": len(df), "simulate_s": sim, "write_s": write, "write_with_plots_s": with_plots,
            "parquet_bytes_per_request": parquet / len(df)}


def run(quick: bool = False) -> dict:
    rows = memory(quick)
    print(f"{'scenario':22s} {'requests':>9s} {'peak MB':>8s} {'peak B/request':>15s} {'table B/request':>16s}")
    for r in rows:
        print(f"{r['scenario']:22s} {r['requests']:9d} {r['peak_mb']:8.1f} {r['bytes_per_request']:15,.0f} "
              f"{r['table_bytes_per_request']:16,.0f}")
    d = device_state(2_000 if quick else 100_000)
    worst = max(d["built_bytes_per_device"], d["after_run_bytes_per_device"])
    print(f"state per device at {d['devices']:,} devices on {d['cells']} cells (city, superposed arrivals): "
          f"{d['built_bytes_per_device']:,.0f} B built, {d['after_run_bytes_per_device']:,.0f} B after a run of "
          f"{d['requests']:,} requests, records dropped (target < {DEVICE_TARGET:,} B: "
          f"{'met' if worst < DEVICE_TARGET else 'MISSED'})")
    o = output_time(quick)
    n = o["requests"]
    print(f"output of {n} requests: write {o['write_s'] * 1e3:.0f} ms ({o['write_s'] / n * 1e6:.1f} us/request, "
          f"{o['write_s'] / o['simulate_s']:.2f}x the simulation), with plots {o['write_with_plots_s']:.2f} s "
          f"({o['write_with_plots_s'] / o['simulate_s']:.1f}x); requests.parquet "
          f"{o['parquet_bytes_per_request']:.0f} B/request")
    return {"memory": rows, "device": d, "output": o}
