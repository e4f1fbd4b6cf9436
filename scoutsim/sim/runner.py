"""Replications: run the world once per replication and gather the records.

Replications are independent (each has its own streams, see :mod:`scoutsim.sim.streams`), so
they may run in worker processes; the records are concatenated in replication order, so the
result is the same for any number of workers.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pandas as pd

from scoutsim.config import ResolvedScenario
from scoutsim.sim.world import World, build_pools


def run_replication(resolved: ResolvedScenario, replication: int, pools=None) -> pd.DataFrame:
    return World(resolved, replication, pools).run()


def simulate(resolved: ResolvedScenario, workers: int = 1) -> pd.DataFrame:
    n = resolved.scenario.replications
    if workers <= 1 or n == 1:
        pools = build_pools(resolved)
        frames = [run_replication(resolved, r, pools) for r in range(n)]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            frames = list(pool.map(run_replication, [resolved] * n, range(n)))
    return pd.concat(frames, ignore_index=True)
