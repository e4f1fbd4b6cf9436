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


class CloudQueue:
    def __init__(self, env: simpy.Environment, gpus: int):
        if gpus < 1:
            raise ValueError(f"the cloud needs at least one GPU, got {gpus}")
        self.env = env
        self.free = gpus
        self.waiting: deque[tuple[float, Callable]] = deque()

    def enter(self, seconds: float, done: Callable[[simpy.Event], None]) -> None:
        """Queue a job of ``seconds``; ``done(event)`` runs when its service ends. The job
        must then call :meth:`leave`."""
        if self.free > 0:
            self.free -= 1
            self.env.timeout(seconds).callbacks.append(done)
        else:
            self.waiting.append((seconds, done))

    def leave(self) -> None:
        """A job's service ended: its GPU takes the next job in line, or goes idle."""
        if self.waiting:
            seconds, done = self.waiting.popleft()
            self.env.timeout(seconds).callbacks.append(done)
        else:
            self.free += 1
