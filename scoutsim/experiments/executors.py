"""Where grid points run: a local process pool, or Ray (a cluster or a local instance).

An executor takes ``[(point, resolved scenario)]`` and yields each point's
:class:`~scoutsim.experiments.point.PointFiles` as it finishes, in any order. Both call the
same pure :func:`~scoutsim.experiments.point.encode_point`, so they return the same bytes
for the same seeds; the driver stores them, so a crashed worker never leaves a half-written
point behind.

Ray is an optional extra (``pip install 'scoutsim[distributed]'``) and is imported only
when the ``ray`` executor is chosen. Without an address (``--ray-address`` or Ray's
``RAY_ADDRESS``) it starts a local instance with ``--workers`` CPUs and shuts it down at the
end. On a cluster every node needs scoutsim importable and the scenario's trace files at the
same paths; oracle caches travel inside each task. Plug-ins travel by name: local workers
(any start method) import the driver's before their first task, and a Ray task imports them
before it unpickles its scenario (:mod:`scoutsim.plugins`; on a cluster, a plug-in given as a
path must be at the same path on every node, or installed there).
"""

from __future__ import annotations

import multiprocessing
import pickle
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Iterable, Iterator

from scoutsim import plugins
from scoutsim.errors import UserError
from scoutsim.experiments.point import PointFiles, encode_point
from scoutsim.raystart import import_ray
from scoutsim.raystart import start as start_ray
from scoutsim.sim.runner import end_pool, init_worker

EXECUTORS = ("local", "ray")


def run_local(tasks: list, workers: int, start_method: str | None = None) -> Iterator[PointFiles]:
    if workers <= 1 or len(tasks) <= 1:
        for point, resolved in tasks:
            yield encode_point(point, resolved)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=multiprocessing.get_context(start_method),
                               initializer=init_worker, initargs=(plugins.loaded(),))
    try:
        pending = {pool.submit(encode_point, point, resolved) for point, resolved in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                yield f.result()
    except BaseException:  # a failed point, an interrupt, or the consumer stopped early
        end_pool(pool)
        raise
    pool.shutdown(wait=True)


def _run_point_with_plugins(specs: list[str], point, resolved_pickle: bytes) -> PointFiles:
    # The scenario may hold plug-in classes (a channel's config block): import the plug-ins
    # before unpickling it, which Ray would otherwise do before this function runs.
    plugins.load(specs)
    return encode_point(point, pickle.loads(resolved_pickle))


def run_ray(tasks: list, workers: int, address: str | None) -> Iterator[PointFiles]:
    ray = import_ray()
    started_here = start_ray(address, workers)  # the one Ray start-up, shared with oracle builds
    try:
        # max_retries: a task whose worker dies (killed, out of memory) runs again elsewhere;
        # points are pure, so a rerun gives the same result, and the driver writes each once.
        remote = ray.remote(num_cpus=1, max_retries=2)(_run_point_with_plugins)
        specs = plugins.loaded()
        pending = [remote.remote(specs, point, pickle.dumps(resolved)) for point, resolved in tasks]
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


def execute(name: str, tasks: list, workers: int, address: str | None = None,
            start_method: str | None = None) -> Iterable[PointFiles]:
    check(name)
    if name == "local":
        return run_local(tasks, workers, start_method)
    return run_ray(tasks, workers, address)
