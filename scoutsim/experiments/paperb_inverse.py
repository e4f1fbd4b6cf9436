"""An inferred Markov chain: one that gives the study's two Markov on-time shares exactly.

The study published its chain's six levels, not its transitions or step. This module finds,
among birth-death chains over those levels with a 1 s step (move up with probability ``u``,
down with ``d``, stay otherwise; a blocked move at either end stays), the one whose exact
steady-state on-time shares are the study's: static INT8 on time in 88.3 % of 5 s rounds
and INT4 in 74.9 % of 1 s rounds. It is an inference, not the study's chain: the report shows
it as a sensitivity, marked as inferred.

Exact shares (rounds start on a step, a transfer sees the state of each second it spans):

* a 1 s round is on time when the current level carries the payload in one second, so the
  share is the stationary mass of those levels. A birth-death chain's stationary law is
  geometric, ``pi_i ~ (u / d)^i``, so this fixes the ratio ``u / d``;
* a 5 s round of INT8 misses when the five seconds' levels add up to fewer megabits than the
  payload; its probability, summed over the chain's paths, falls as ``u + d`` grows from 0
  (a chain that never moves misses in all of ``pi_0``'s rounds), which fixes ``u + d``.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from scoutsim.errors import UserError
from scoutsim.network.channels.markov import birth_death
from scoutsim.traces.stats import stationary

STUDY_INT8_ON_TIME = 0.883  # static INT8, 5 s deadline
STUDY_INT4_1S_ON_TIME = 0.749  # INT4 (and adaptive over KV modes), 1 s deadline


def one_step_on_time(transition: np.ndarray, states_mbps, need_mbps: float) -> float:
    """Share of 1-step rounds on time: the stationary mass of the levels at or above the need."""
    pi = stationary(transition)
    return float(pi[np.asarray(states_mbps, dtype=float) >= need_mbps].sum())


def miss_share(transition: np.ndarray, states_mbps, payload_mbit: float, steps: int) -> float:
    """Probability that ``steps`` seconds of the chain, from its stationary law, carry fewer
    than ``payload_mbit`` megabits (one level per second)."""
    states = np.asarray(states_mbps, dtype=float)
    # (state, megabits carried so far) -> probability; paths are few (levels ** steps at most).
    paths = {(i, states[i]): p for i, p in enumerate(stationary(transition))}
    for _ in range(steps - 1):
        nxt: dict[tuple[int, float], float] = {}
        for (i, carried), p in paths.items():
            for j in np.nonzero(transition[i])[0]:
                key = (int(j), carried + states[j])
                nxt[key] = nxt.get(key, 0.0) + p * transition[i, j]
        paths = nxt
    return float(sum(p for (_, carried), p in paths.items() if carried < payload_mbit))


def fit_chain(states_mbps, int8_mbit: float, int4_mbit: float, int8_on_time: float = STUDY_INT8_ON_TIME,
              int4_1s_on_time: float = STUDY_INT4_1S_ON_TIME) -> np.ndarray:
    """The birth-death transition matrix (1 s step) whose exact on-time shares are the given ones."""
    levels = len(states_mbps)

    def ratio_gap(log_ratio: float) -> float:
        r = float(np.exp(log_ratio))
        return one_step_on_time(birth_death(r / (1 + r) * 0.5, 0.5 / (1 + r), levels), states_mbps,
                                int4_mbit) - int4_1s_on_time

    try:
        r = float(np.exp(brentq(ratio_gap, -10.0, 10.0, xtol=1e-14)))

        def miss_gap(move: float) -> float:
            return miss_share(birth_death(move * r / (1 + r), move / (1 + r), levels), states_mbps, int8_mbit,
                              5) - (1.0 - int8_on_time)

        move = brentq(miss_gap, 1e-9, 1.0, xtol=1e-14)
    except ValueError as exc:  # brentq: the targets have the same sign at both ends
        raise UserError(f"no birth-death chain over {list(states_mbps)} Mbps gives INT8 {int8_on_time:.1%} "
                        f"and INT4 at 1 s {int4_1s_on_time:.1%} on time ({exc})") from None
    return birth_death(move * r / (1 + r), move / (1 + r), levels)
