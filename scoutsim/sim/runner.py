"""Replications: run the world once per replication and gather the records.

Replications are independent (each has its own streams, see :mod:`scoutsim.sim.streams`), so
they may run in worker processes; they come back in replication order, so the result is the
same for any number of workers and any start method (fork, spawn, forkserver). Workers
import the parent's plug-ins before their first task (:mod:`scoutsim.plugins`), and what a
worker counts (the oracle's extrapolated timing look-ups) is returned with its records and
added to the parent's count, as if it had run in the parent.
"""

from __future__ import annotations

import math
import multiprocessing
import signal
import threading
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from typing import Callable, Generator, Iterator

import pandas as pd

from scoutsim import plugins
from scoutsim.config import ResolvedScenario
from scoutsim.sim import records
from scoutsim.sim.world import World, build_pools

START_METHODS = ("fork", "spawn", "forkserver")
THREAD_END_S = 10.0  # how long an ended pool's own thread may take to notice (milliseconds, normally)


def run_replication(resolved: ResolvedScenario, replication: int, pools=None) -> pd.DataFrame:
    world = World(resolved, replication, pools)
    try:
        return world.run()
    finally:
        release(world)


def release(world: World) -> None:
    # A world is a web of references (agents point back to it, its event queue to the
    # agents' processes): garbage that only Python's rare full collection frees. Dropping
    # its records and agents now frees the bulk, so that a run of many replications holds
    # one at a time.
    world.records.rows.clear()
    world.records.spill.close()
    world.agents.clear()


def replication_parts(resolved: ResolvedScenario, workers: int = 1, start_method: str | None = None,
                      done: Callable[[int], None] | None = None) -> Generator[Iterator[pd.DataFrame], None, None]:
    """As :func:`replications`, each replication's records in parts, in order: in this
    process a replication too large to hold comes back one agent range at a time
    (:mod:`scoutsim.sim.spill`); each must be read to its end before the next. A replication
    run in a worker process comes back whole (one part)."""
    n = resolved.scenario.replications
    if workers > 1 and n > 1:
        for frame in replications(resolved, workers, start_method, done):
            yield iter((frame,))
        return
    pools = build_pools(resolved)
    for r in range(n):
        world = World(resolved, r, pools)
        try:
            yield world.run_parts()
        finally:
            release(world)
        if done:
            done(r)


def init_worker(specs: list[str]) -> None:
    # The parent handles Ctrl-C and SIGTERM and then ends its workers; a worker forked from a
    # parent with a SIGTERM handler would inherit it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    plugins.init_worker(specs)
    # A worker returns its replication whole, and one ended from outside could not remove a
    # spill directory: it does not spill (scoutsim/sim/spill.py).
    records.SPILL_ROWS = math.inf  # type: ignore[assignment]  # an int threshold; infinity: never


def _replication_in_worker(task: tuple[ResolvedScenario, int]) -> tuple[pd.DataFrame, int]:
    resolved, replication = task
    before = resolved.oracle.extrapolated
    frame = run_replication(resolved, replication)
    return frame, resolved.oracle.extrapolated - before


def replications(resolved: ResolvedScenario, workers: int = 1, start_method: str | None = None,
                 done: Callable[[int], None] | None = None) -> Iterator[pd.DataFrame]:
    """Each replication's records, in replication order; ``done(r)`` after each one."""
    n = resolved.scenario.replications
    if workers <= 1 or n == 1:
        for parts in replication_parts(resolved, done=done):
            frames = list(parts)
            yield frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
        return
    # A process pool that reports a worker killed from outside (BrokenProcessPool) rather
    # than waiting for it forever.
    pool = ProcessPoolExecutor(min(workers, n), mp_context=multiprocessing.get_context(start_method),
                               initializer=init_worker, initargs=(plugins.loaded(),))
    try:
        results = pool.map(_replication_in_worker, [(resolved, r) for r in range(n)])
        for r, (frame, extrapolated) in enumerate(results):
            resolved.oracle.extrapolated += extrapolated
            if done:
                done(r)
            yield frame
    except BaseException:  # an error, an interrupt, or the consumer stopped early
        end_pool(pool)
        raise
    pool.shutdown(wait=True)


def end_pool(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down without waiting for work still running (after an error or an
    interrupt, nothing of it is wanted): no worker outlives its run, and the pool's own
    thread ends, so that nothing holds the process at exit."""
    # The executor has no public way to stop tasks already running; its processes do.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # Its queue's feeder thread may be blocked writing a task into a pipe that no worker will
    # read again; joined at exit it would hold the ended run.
    calls = getattr(pool, "_call_queue", None)
    if calls is not None:
        calls.cancel_join_thread()
    results = getattr(pool, "_result_queue", None)
    thread = getattr(pool, "_executor_manager_thread", None)
    # Its thread, seeing its workers gone, marks the pool broken and sets that error on every
    # task it still lists, where Python 3.11 fails on the tasks already cancelled
    # (InvalidStateError: a traceback on stderr beside the run's one message). The thread ends
    # either way; that error, from that thread, is not shown.
    previous = threading.excepthook

    def quiet(args):
        if not (args.thread is thread and isinstance(args.exc_value, InvalidStateError)):
            previous(args)

    threading.excepthook = quiet
    try:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()
        # A worker ended while it was sending a replication leaves part of a message in the
        # result pipe, and the thread waits for the rest for ever: the parent holds the pipe's
        # write end too, so no end of file comes. With every worker gone, closing that end
        # turns the wait into an end of file, which the thread takes for a broken pool.
        writer = getattr(results, "_writer", None)
        if writer is not None:
            writer.close()
        if thread is not None:
            thread.join(timeout=THREAD_END_S)
    finally:
        threading.excepthook = previous


def simulate(resolved: ResolvedScenario, workers: int = 1, start_method: str | None = None) -> pd.DataFrame:
    return pd.concat(list(replications(resolved, workers, start_method)), ignore_index=True)
