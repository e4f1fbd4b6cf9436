from __future__ import annotations

import itertools

import numpy as np
import pytest

from scoutsim.network.channels.markov import MarkovChannel, default_transition
from scoutsim.traces.stats import stationary
from scoutsim.network.channels.trace import TraceChannel


def occupancy(channel: MarkovChannel, horizon: float) -> dict[float, float]:
    """Share of time spent at each level over [0, horizon)."""
    share: dict[float, float] = {}
    changes = channel.changes()
    t, level = next(changes)
    for nt, nlevel in changes:
        if nt >= horizon:
            break
        share[level] = share.get(level, 0.0) + (nt - t)
        t, level = nt, nlevel
    share[level] = share.get(level, 0.0) + (horizon - t)
    return {k: v / horizon for k, v in share.items()}


def test_markov_long_run_occupancy_matches_stationary_distribution():
    # Detailed balance by hand: pi0 * 0.1 = pi1 * 0.2 and pi1 * 0.1 = pi2 * 0.3 give
    # pi = (0.6, 0.3, 0.1).
    p = [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.0, 0.3, 0.7]]
    ch = MarkovChannel([10, 50, 200], 0.5, p, np.random.default_rng(11))
    occ = occupancy(ch, 0.5 * 400_000)
    assert occ[10] == pytest.approx(0.6, abs=0.01)
    assert occ[50] == pytest.approx(0.3, abs=0.01)
    assert occ[200] == pytest.approx(0.1, abs=0.01)
    assert stationary(np.array(p)) == pytest.approx([0.6, 0.3, 0.1], abs=1e-12)
    assert ch.mean_mbps() == pytest.approx(0.6 * 10 + 0.3 * 50 + 0.1 * 200)


def test_markov_default_matrix_is_birth_death_with_uniform_stationary_law():
    p = default_transition(6)
    assert p[0].tolist() == pytest.approx([0.9, 0.1, 0, 0, 0, 0])
    assert p[3].tolist() == pytest.approx([0, 0, 0.1, 0.8, 0.1, 0])
    assert stationary(p) == pytest.approx([1 / 6] * 6)
    ch = MarkovChannel([5, 10, 25, 50, 100, 200], 1.0, None, np.random.default_rng(5))
    occ = occupancy(ch, 300_000)
    for level in (5, 10, 25, 50, 100, 200):
        assert occ[level] == pytest.approx(1 / 6, abs=0.01)


def test_markov_steps_fall_on_the_step_grid():
    ch = MarkovChannel([5, 200], 0.25, [[0.5, 0.5], [0.5, 0.5]], np.random.default_rng(1))
    times = [t for t, _ in itertools.islice(ch.changes(), 200)]
    assert all(abs(t / 0.25 - round(t / 0.25)) < 1e-9 for t in times)


def test_trace_replay_offset_loop_and_scale():
    # Rows at 0,1,2,3 s; the last row holds 1 s (the median interval), so the loop is 4 s.
    ch = TraceChannel(np.array([10.0, 11, 12, 13]), np.array([10.0, 20, 20, 30]), offset_s=1.5, scale=2.0)
    got = list(itertools.islice(ch.changes(), 5))
    assert got == [(0.0, 40.0), (1.5, 60.0), (2.5, 20.0), (3.5, 40.0), (5.5, 60.0)]
    assert ch.mean_mbps() == pytest.approx(2 * (10 + 20 + 20 + 30) / 4)


def test_trace_without_loop_stops_changing_at_the_end():
    ch = TraceChannel(np.array([0.0, 1.0]), np.array([10.0, 20.0]), loop=False)
    assert list(ch.changes()) == [(0.0, 10.0), (1.0, 20.0)]


def _within_seconds(seconds, fn):
    import signal

    def alarm(signum, frame):
        raise TimeoutError(f"still drawing after {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("states,transition,settles_at", [
    ([7.0], None, 7.0),                                     # one state: its level for ever
    ([5.0, 9.0], [[0.5, 0.5], [0.0, 1.0]], 9.0),            # 9 absorbs
    ([5.0, 3.0, 3.0], [[0.0, 1.0, 0.0], [0.0, 0.5, 0.5], [0.0, 0.5, 0.5]], 3.0),  # two states, one level
])
def test_a_markov_chain_that_settles_ends_its_changes(states, transition, settles_at):
    # Once every state the chain can reach has one level, no change will ever come: the
    # changes end there (before, drawing steps that changed nothing never returned).
    ch = MarkovChannel(states, 0.5, transition, np.random.default_rng(3))
    changes = _within_seconds(5, lambda: list(itertools.islice(ch.changes(), 1000)))
    assert len(changes) < 1000 and changes[-1][1] == settles_at
    times = [t for t, _ in changes]
    assert times == sorted(times) and all(abs(t / 0.5 - round(t / 0.5)) < 1e-9 for t in times)


def test_a_markov_chain_that_never_settles_keeps_changing():
    ch = MarkovChannel([5.0, 9.0], 0.5, [[0.9, 0.1], [0.1, 0.9]], np.random.default_rng(3))
    assert not ch.settled().any()
    assert len(list(itertools.islice(ch.changes(), 1000))) == 1000
