"""Where grid points run: a local process pool, or Ray (a cluster or a local instance).

An executor takes ``[(point_id, resolved scenario)]`` and yields each point's
:class:`~scoutsim.experiments.point.PointResult` as it finishes, in any order. Both call the
same pure :func:`~scoutsim.experiments.point.run_point`, so they return the same results
for the same seeds; the driver writes them, so a crashed worker never leaves a half-written
point behind.

Ray is an optional extra (``pip install 'scoutsim[distributed]'``) and is imported only
when the ``ray`` executor is chosen. Without an address (``--ray-address`` or Ray's
``RAY_ADDRESS``) it starts a local instance with ``--workers`` CPUs and shuts it down at the
end. On a cluster every node needs scoutsim importable and the scenario's trace files at the
same paths; oracle caches travel inside each task.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Iterable, Iterator

from scoutsim.errors import UserError
from scoutsim.experiments.point import PointResult, run_point
from scoutsim.raystart import import_ray
from scoutsim.raystart import start as start_ray

EXECUTORS = ("local", "ray")


def run_local(tasks: list, workers: int) -> Iterator[PointResult]:
    if workers <= 1 or len(tasks) <= 1:
        for pid, resolved in tasks:
            yield run_point(pid, resolved)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        pending = {pool.submit(run_point, pid, resolved) for pid, resolved in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()


def run_ray(tasks: list, workers: int, address: str | None) -> Iterator[PointResult]:
    ray = import_ray()
    started_here = start_ray(address, workers)  # the one Ray start-up, shared with oracle builds
    try:
        remote = ray.remote(num_cpus=1, max_retries=2)(run_point)
        pending = [remote.remote(pid, resolved) for pid, resolved in tasks]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])
    finally:
        if started_here:
            ray.shutdown()


def check(name: str) -> None:
    """Fail on an unknown or unavailable executor before a sweep writes anything."""
    if name not in EXECUTORS:
        raise UserError(f"unknown executor {name!r}; expected one of {list(EXECUTORS)}")
    if name == "ray":
        import_ray()


def execute(name: str, tasks: list, workers: int, address: str | None = None) -> Iterable[PointResult]:
    check(name)
    if name == "local":
        return run_local(tasks, workers)
    return run_ray(tasks, workers, address)
