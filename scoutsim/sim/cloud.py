"""The cloud: ``gpus`` identical servers, one FIFO queue in front of them.

Each job's service time is known when it enters, so a job needs one event, the end of its
service; the queue hands a freed GPU to the next job in the same instant. This is what
``simpy.Resource`` with a request/release pair per job does, without its two extra events
per job (see benchmarks/README.md).
"""

from __future__ import annotations

from collections import deque
from typing import Callable

import simpy

from scoutsim.sim.congestion import Load


class CloudQueue:
    def __init__(self, env: simpy.Environment, gpus: int):
        if gpus < 1:
            raise ValueError(f"the cloud needs at least one GPU, got {gpus}")
        self.env = env
        self.gpus = gpus
        self.free = gpus
        self.waiting: deque[tuple[float, Callable]] = deque()
        # End times of the jobs in service, kept only when someone asks for the exact wait
        # (cloud_aware: exact), so that other runs pay nothing for it.
        self.ends: list[float] | None = None
        # Its recent load, kept only when a device prices its work (expected_f1:priced).
        self.load: Load | None = None

    def track(self) -> None:
        if self.ends is None:
            self.ends = []

    def track_load(self) -> Load:
        self.track()
        if self.load is None:
            self.load = Load(self.gpus)
        return self.load

    def wait_if_entered(self) -> float:
        """The exact time a job entering now would wait for a GPU (FIFO, known service
        times): replay the servers' free instants through the jobs already waiting."""
        now = self.env.now
        free = sorted(self.ends or [])  # None: no job has entered yet, every GPU is free
        free = [now] * (self.gpus - len(free)) + free
        for seconds, _ in self.waiting:
            start = max(free.pop(0), now)
            free.append(start + seconds)
            free.sort()
        return max(free[0] - now, 0.0)

    def enter(self, seconds: float, done: Callable[[simpy.Event], None]) -> None:
        """Queue a job of ``seconds``; ``done(event)`` runs when its service ends. The job
        must then call :meth:`leave`."""
        if self.load is not None:
            self.load.entered(self.env.now, seconds)
        if self.free > 0:
            self.free -= 1
            self._serve(seconds, done)
        else:
            self.waiting.append((seconds, done))

    def leave(self) -> None:
        """A job's service ended: its GPU takes the next job in line, or goes idle."""
        if self.ends is not None:
            self.ends.remove(min(self.ends))  # the job ending now ends first
        if self.waiting:
            self._serve(*self.waiting.popleft())
        else:
            self.free += 1

    def _serve(self, seconds: float, done: Callable[[simpy.Event], None]) -> None:
        if self.ends is not None:
            self.ends.append(self.env.now + seconds)
        self.env.timeout(seconds).callbacks.append(done)
