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

import numpy as np
import simpy

BLOCK = 64  # draws are taken in blocks; a block of n equals n single draws of each kind


class _Group:
    def __init__(self, agents: list, pool, questions_rng: np.random.Generator):
        if not agents:
            raise ValueError("a group needs at least one agent")
        self.agents = agents
        self.pool = pool
        self.questions_rng = questions_rng
        self._picks: list[int] = []

    def _question(self):
        if not self._picks:
            self._picks = self.pool.draw_indices(self.questions_rng, BLOCK)[::-1]
        return self.pool.question(self._picks.pop())


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
