"""The clairvoyant bound: the MILP equals an exhaustive search on tiny instances, and no
simulated policy ever beats it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scoutsim.decisions.bound import Choice, Instance, solve

MB = 1e6
C = 10 * MB  # bytes per second


def edf_feasible(jobs: list[tuple[float, float, float]], capacity: float) -> bool:
    """Can one preemptive server of ``capacity`` send every (release, due, bytes) job in its
    window? Earliest-deadline-first among released jobs is optimal for this (Horn 1974), so
    simulating it decides feasibility; written here independently of the program."""
    jobs = sorted(jobs)
    t, left, pending = 0.0, {}, []
    queue = list(range(len(jobs)))
    while queue or pending:
        if not pending:
            t = max(t, jobs[queue[0]][0])
        while queue and jobs[queue[0]][0] <= t + 1e-12:
            k = queue.pop(0)
            pending.append(k)
            left[k] = jobs[k][2]
        k = min(pending, key=lambda j: jobs[j][1])
        next_release = min((jobs[q][0] for q in queue), default=np.inf)
        finish = t + left[k] / capacity
        if finish <= next_release:
            t = finish
            if t > jobs[k][1] + 1e-9:
                return False
            pending.remove(k)
        else:
            left[k] -= (next_release - t) * capacity
            t = next_release
    return True


def exhaustive(requests: list[list[Choice]], capacity: float) -> float:
    best = 0.0
    for pick in itertools.product(*[[None] + list(range(len(ch))) for ch in requests]):
        total, jobs, ok = 0.0, [], True
        for choices, j in zip(requests, pick):
            if j is None:
                continue
            c = choices[j]
            if c.payload_bytes > 0:
                jobs.append((c.release_s, c.due_s, c.payload_bytes))
            elif c.release_s > c.due_s:
                ok = False
            total += c.quality
        if ok and edf_feasible(jobs, capacity) and total > best:
            best = total
    return best


def test_a_worked_pair():
    # Two 10 MB KV transfers on 10 MB/s, windows [0, 1] and [0, 1.5]: both cannot fit
    # (20 MB by 1.5 s needs 13.3 MB/s). Best: the first local (0.5) + the second KV (0.8) = 1.3,
    # better than the first KV (0.8) + the second local (0.2) = 1.0.
    requests = [[Choice(0.8, 10 * MB, 0.0, 1.0), Choice(0.5, 0.0, 0.0, 1.0)],
                [Choice(0.8, 10 * MB, 0.0, 1.5), Choice(0.2, 0.0, 0.0, 1.0)]]
    res = solve(Instance([("u", r) for r in requests], {"u": [(0.0, C)]}))
    assert res.total_f1 == pytest.approx(1.3)
    assert res.chosen == [1, 0]
    assert exhaustive(requests, C) == pytest.approx(1.3)


@pytest.mark.parametrize("seed", range(12))
def test_milp_equals_exhaustive_search_on_tiny_instances(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    requests = []
    for _ in range(n):
        arrival = float(rng.uniform(0, 2))
        big = Choice(float(rng.uniform(0.6, 0.9)), float(rng.uniform(5, 20)) * MB, arrival + 0.1,
                     arrival + float(rng.uniform(1.0, 3.0)))
        # The second mode: smaller and worse, or (one time in three) a local answer that may miss.
        if rng.random() < 1 / 3:
            small = Choice(float(rng.uniform(0.2, 0.6)), 0.0, arrival + float(rng.uniform(0.5, 4)), arrival + 3.0)
        else:
            small = Choice(float(rng.uniform(0.2, 0.6)), float(rng.uniform(1, 6)) * MB, arrival + 0.2,
                           arrival + float(rng.uniform(1.0, 3.0)))
        requests.append([big, small])
    res = solve(Instance([("u", r) for r in requests], {"u": [(0.0, C)]}))
    assert res.optimal
    assert res.total_f1 == pytest.approx(exhaustive(requests, C), abs=1e-6)


def test_capacity_steps_are_honoured():
    # 10 MB due by 2 s: at 10 MB/s for the first second and 0 after, only 10 MB fit by 1 s;
    # a transfer released at 1 s can never be sent.
    late = [Choice(1.0, 5 * MB, 1.0, 2.0)]
    early = [Choice(0.7, 10 * MB, 0.0, 2.0)]
    res = solve(Instance([("u", late), ("u", early)], {"u": [(0.0, C), (1.0, 0.0)]}))
    assert res.total_f1 == pytest.approx(0.7) and res.chosen == [None, 0]
