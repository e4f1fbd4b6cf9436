"""The bare-SimPy floor: what the events a simulated request needs cost on their own.

A request needs, at the least, a timeout for its arrival and one for the end of its edge
compute; one that uses the uplink also needs the end of its transfer, the end of its
one-way latency (when there is one) and the end of its cloud compute. Nothing cheaper
than a SimPy timeout can stand for one of these in a SimPy model, so the floor of a
request is its count of such events times the cost of one plain timeout, measured in the
same run as the simulator (the machines are shared: only ratios within a run mean much).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import simpy


def needed_events(requests: pd.DataFrame, latency_s: dict[str, float]) -> int:
    """Events the requests in ``requests`` need at the least (see the module docstring)."""
    n = len(requests)
    sent = requests["tx_start_s"].notna()
    lat = requests["uplink"].map(latency_s).fillna(0.0) > 0
    return int(2 * n + 2 * int(sent.sum()) + int((sent & lat).sum()))


def _loop(env: simpy.Environment, gaps: np.ndarray):
    for gap in gaps:
        yield env.timeout(gap)


def timeout_cost(events: int, processes: int = 8, seed: int = 0, repeats: int = 3) -> float:
    """Seconds per event of a plain SimPy loop: ``processes`` generators each yielding
    exponential timeouts, ``events`` timeouts in all. The best of ``repeats`` runs, since
    noise on a shared machine only ever adds time."""
    rng = np.random.default_rng(seed)
    per = max(1, events // processes)
    gaps = [rng.exponential(1.0, per).tolist() for _ in range(processes)]
    best = float("inf")
    for _ in range(repeats):
        env = simpy.Environment()
        for g in gaps:
            env.process(_loop(env, g))
        env.run(until=1e-9)  # start the processes untimed: a request starts no process
        start = time.perf_counter()
        env.run()
        best = min(best, time.perf_counter() - start)
    return best / (per * processes)
