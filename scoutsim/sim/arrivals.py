"""Superposed arrivals: one pending event per agent group, not one per device.

With ``arrivals: superposed`` a group's devices do not each keep their next arrival pending
in SimPy's queue (whose cost per event grows with the number of pending events, see
benchmarks/README.md); the group keeps one:

* **Poisson**: ``n`` independent Poisson streams of rate ``r`` are, together, one Poisson
  stream of rate ``n r`` whose every arrival belongs to a device drawn uniformly (the
  superposition and splitting theorems; e.g. Kingman, *Poisson Processes*, 1993, ch. 2 and
  5). The per-device processes are then exactly independent Poisson processes of rate
  ``r``, so this is the same model, drawn differently.
* **Periodic**: device ``i`` arrives at ``phase_i + k period``; the phases sorted once form
  a calendar that one event walks through, cycle after cycle.

Randomness comes from the group's own streams (:mod:`scoutsim.sim.streams`: the gaps and
devices, the questions, the phases), by group index. Nothing a policy or an allocator does
draws from them, so for one seed every policy sees the same arrival times, devices and
questions (common random numbers across policies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

if TYPE_CHECKING:
    from scoutsim.sim.questions import Question

BLOCK = 64  # draws are taken in blocks; a block of n equals n single draws of each kind


class _Questions:
    """Draws the questions of ``pool`` from ``questions_rng`` in blocks: a device's own (its
    agent's streams) or its group's calendar."""

    pool: Any
    questions_rng: np.random.Generator
    _picks: list[int]

    def _question(self) -> Question:
        # Drawn at each arrival, in arrival order, so the n-th request asks the same question
        # under every policy.
        if not self._picks:
            self._picks = self.pool.draw_indices(self.questions_rng, BLOCK)[::-1]
        return self.pool.question(self._picks.pop())


class OwnArrivals(_Questions):
    """An agent's own chain of arrivals (without ``arrivals: superposed``), from its own
    streams, and the arrivals a group's calendar hands it: what :class:`Agent` inherits to
    start requests (its ``_start``)."""

    # What the agent sets (Agent.__init__).
    spec: Any
    world: Any
    arrivals_rng: np.random.Generator
    phase_rng: np.random.Generator
    count: int
    _gaps: list[float]

    def _start(self, env: simpy.Environment, number: int, q: Question) -> None:
        raise NotImplementedError

    def arrivals(self, env: simpy.Environment, until: float):
        """SimPy process that starts this agent's chain of arrivals."""
        self._env = env
        self._until = until
        arrival = self.spec.arrival
        if arrival.kind == "poisson":
            self._mean_gap = 1.0 / arrival.rate_per_s
            self._next = self._gap()
            step = self._poisson
        else:
            self._period = arrival.period_s
            self._first = arrival.offset_s if arrival.offset_s is not None else self.phase_rng.uniform(0, self._period)
            self._n = 0
            step = self._periodic
            if self._first >= until:
                return
            if self._first <= env.now:
                step(None)
                return
            self._next = self._first
        if self._next < until:
            env.timeout(self._next - env.now).callbacks.append(step)
        return
        yield  # a generator, for env.process

    def _gap(self) -> float:
        if not self._gaps:
            self._gaps = self.arrivals_rng.exponential(self._mean_gap, BLOCK).tolist()[::-1]
        return self._gaps.pop()

    def _poisson(self, _event) -> None:
        env = self._env
        q = self._question()
        # The next arrival is scheduled before this request starts, as the arrival loop
        # of a process would.
        self._next += self._gap()
        if self._next < self._until:
            env.timeout(self._next - env.now).callbacks.append(self._poisson)
        self.arrive(env, q)

    def _periodic(self, _event) -> None:
        env = self._env
        q = self._question()
        self._n += 1
        t = self._first + self._n * self._period
        if t < self._until:
            env.timeout(t - env.now).callbacks.append(self._periodic)
        self.arrive(env, q)

    def arrive(self, env: simpy.Environment, q: Question) -> None:
        """An arrival asking ``q``: drawn from this agent's own streams, or by its group's
        calendar (superposed arrivals)."""
        self.count += 1
        self.world.outstanding += 1
        self._start(env, self.count - 1, q)


class _Group(_Questions):
    def __init__(self, agents: list, pool, questions_rng: np.random.Generator):
        if not agents:
            raise ValueError("a group needs at least one agent")
        self.agents = agents
        self.pool = pool
        self.questions_rng = questions_rng
        self._picks = []


class SuperposedPoisson(_Group):
    """``len(agents)`` Poisson devices of ``rate_per_s`` each, as one stream of the summed rate."""

    def __init__(self, agents: list, rate_per_s: float, pool, arrivals_rng: np.random.Generator,
                 questions_rng: np.random.Generator):
        super().__init__(agents, pool, questions_rng)
        self.rng = arrivals_rng
        self.mean_gap = 1.0 / (rate_per_s * len(agents))
        self._gaps: list[float] = []
        self._devices: list[int] = []

    def _draw(self) -> tuple[float, int]:
        if not self._gaps:
            self._gaps = self.rng.exponential(self.mean_gap, BLOCK).tolist()[::-1]
            self._devices = self.rng.integers(len(self.agents), size=BLOCK).tolist()[::-1]
        return self._gaps.pop(), self._devices.pop()

    def arrivals(self, env: simpy.Environment, until: float):
        """SimPy process that starts the group's chain of arrivals."""
        self._env = env
        self._until = until
        gap, self._device = self._draw()
        self._next = env.now + gap
        if self._next < until:
            env.timeout(gap).callbacks.append(self._step)
        return
        yield  # a generator, for env.process

    def _step(self, _event) -> None:
        env = self._env
        agent = self.agents[self._device]
        q = self._question()
        gap, self._device = self._draw()
        self._next += gap
        if self._next < self._until:
            env.timeout(self._next - env.now).callbacks.append(self._step)
        agent.arrive(env, q)


class PeriodicCalendar(_Group):
    """Devices arriving every ``period_s`` at their own phases, walked as one calendar."""

    def __init__(self, agents: list, period_s: float, offset_s: float | None, pool,
                 phase_rng: np.random.Generator, questions_rng: np.random.Generator):
        super().__init__(agents, pool, questions_rng)
        n = len(agents)
        self.period = period_s
        phases = np.full(n, float(offset_s)) if offset_s is not None else phase_rng.uniform(0, period_s, n)
        # Stable sort: devices with equal phases arrive in index order, as separate
        # processes created in index order would.
        self.order = np.argsort(phases, kind="stable")
        self.phases = phases[self.order]

    def arrivals(self, env: simpy.Environment, until: float):
        self._env = env
        self._until = until
        self._j = 0
        self._cycle = 0
        t = float(self.phases[0])
        if t < until:
            env.timeout(max(t - env.now, 0.0)).callbacks.append(self._step)
        return
        yield

    def _step(self, _event) -> None:
        env = self._env
        agent = self.agents[int(self.order[self._j])]
        q = self._question()
        self._j += 1
        if self._j == len(self.phases):
            self._j = 0
            self._cycle += 1
        # The same sum as a device's own schedule, phase + k period, so times agree exactly.
        t = float(self.phases[self._j]) + self._cycle * self.period
        if t < self._until:
            # max: (k + 1) x period may round an ulp below the last phase + k x period
            env.timeout(max(t - env.now, 0.0)).callbacks.append(self._step)
        agent.arrive(env, q)


def superposed(agents: list, arrival, pool, arrivals_rng, questions_rng, phase_rng):
    """The group's arrival calendar for its ``arrival`` spec (poisson or periodic)."""
    if arrival.kind == "poisson":
        return SuperposedPoisson(agents, arrival.rate_per_s, pool, arrivals_rng, questions_rng)
    return PeriodicCalendar(agents, arrival.period_s, arrival.offset_s, pool, phase_rng, questions_rng)
