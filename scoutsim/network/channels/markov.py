"""A discrete-time Markov chain over capacity levels, the study's idealised channel.

Every ``step_s`` seconds the chain moves from state ``i`` to ``j`` with probability
``transition[i][j]``. The first state is drawn from the chain's stationary distribution, so
a replication starts in steady state. Only actual changes of level are emitted.

Default transition matrix (used when a scenario gives none): a birth-death chain that stays
put with probability 0.8 and moves to each neighbouring level with probability 0.1; at the
lowest and highest level the blocked move's 0.1 stays put (0.9). Its stationary
distribution is uniform over the levels.
"""

from __future__ import annotations

from typing import Iterator, Literal, Optional

import numpy as np
from pydantic import Field, model_validator

from scoutsim.network.channels.base import CHANNELS, Channel, ChannelConfig
from scoutsim.traces.stats import stationary

STUDY_STATES_MBPS = (5.0, 10.0, 25.0, 50.0, 100.0, 200.0)
DEFAULT_STAY = 0.8


def birth_death(up: float, down: float, k: int) -> np.ndarray:
    """A chain over ``k`` levels that moves one level up with probability ``up``, one down with
    ``down``, and stays otherwise (a blocked move at either end stays too)."""
    p = np.zeros((k, k))
    for i in range(k):
        if i > 0:
            p[i, i - 1] = down
        if i < k - 1:
            p[i, i + 1] = up
        p[i, i] = 1.0 - p[i].sum()
    return p


def default_transition(k: int) -> np.ndarray:
    move = (1.0 - DEFAULT_STAY) / 2.0
    return birth_death(move, move, k)


@CHANNELS.register("markov")
class MarkovChannel(Channel):
    class Config(ChannelConfig):
        kind: Literal["markov"]
        states_mbps: list[float] = Field(default=list(STUDY_STATES_MBPS), min_length=1)
        step_s: float = Field(default=1.0, gt=0)
        transition: Optional[list[list[float]]] = None

        @model_validator(mode="after")
        def _matrix(self):
            if any(s <= 0 for s in self.states_mbps):
                raise ValueError(f"states_mbps must all be > 0, got {self.states_mbps}")
            if self.transition is None:
                return self
            k = len(self.states_mbps)
            if len(self.transition) != k or any(len(row) != k for row in self.transition):
                raise ValueError(f"transition must be a {k}x{k} matrix (one row and column per state)")
            for i, row in enumerate(self.transition):
                if any(p < 0 for p in row):
                    raise ValueError(f"transition row {i} has a negative probability: {row}")
                if abs(sum(row) - 1.0) > 1e-9:
                    raise ValueError(f"transition row {i} sums to {sum(row):.12g}; each row must sum to 1")
            return self

    def __init__(self, states_mbps, step_s: float, transition, rng: np.random.Generator):
        self.states = np.asarray(states_mbps, dtype=float)
        self.step_s = float(step_s)
        self.transition = (default_transition(len(self.states)) if transition is None
                           else np.asarray(transition, dtype=float))
        self.cumulative = np.cumsum(self.transition, axis=1)
        self.cumulative[:, -1] = 1.0
        self.pi = stationary(self.transition)
        self.rng = rng

    @classmethod
    def from_config(cls, config, base_dir, rng):
        return cls(config.states_mbps, config.step_s, config.transition, rng)

    def changes(self) -> Iterator[tuple[float, float]]:
        state = int(np.searchsorted(np.cumsum(self.pi), self.rng.random(), side="right"))
        state = min(state, len(self.states) - 1)
        yield 0.0, float(self.states[state])
        settled = self.settled()
        step = 0
        # Draw uniforms in blocks: one Generator call per block instead of per step.
        while not settled[state]:
            for u in self.rng.random(256):
                step += 1
                nxt = int(np.searchsorted(self.cumulative[state], u, side="right"))
                nxt = min(nxt, len(self.states) - 1)
                if self.states[nxt] != self.states[state]:
                    yield step * self.step_s, float(self.states[nxt])
                state = nxt
                if settled[state]:
                    break

    def settled(self) -> np.ndarray:
        """Per state, whether every state the chain can reach from it has the same level: the
        capacity never changes again there (a single state, an absorbing one), and drawing
        steps that change nothing would never end."""
        k = len(self.states)
        reach = (self.transition > 0) | np.eye(k, dtype=bool)
        for _ in range(max(k - 1, 0).bit_length() + 1):  # transitive closure by squaring
            reach = reach | ((reach.astype(int) @ reach.astype(int)) > 0)
        return np.array([bool(np.all(self.states[reach[i]] == self.states[i])) for i in range(k)])

    def mean_mbps(self) -> float:
        return float(self.pi @ self.states)
