"""The simulator's fast paths give what the plain ones they replaced give: the cloud queue
is simpy.Resource's FIFO, a policy's pick is its choose, block draws are single draws.
(Whole-run identity is benchmarks/output_identity.py.)"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import simpy

from scoutsim.sim.cloud import CloudQueue
from scoutsim.decisions.policy import Situation, build_policy

ROOT = Path(__file__).resolve().parents[2]


def run_jobs(make_queue, jobs):
    """jobs: (arrival time, service seconds). Returns each job's (start, end)."""
    env = simpy.Environment()
    queue = make_queue(env)
    out = [None] * len(jobs)

    def with_resource(i, at, seconds):
        yield env.timeout(at)
        with queue.request() as turn:
            yield turn
            start = env.now
            yield env.timeout(seconds)
        out[i] = (start, env.now)

    def with_cloud_queue(i, at, seconds):
        yield env.timeout(at)

        def done(_ev):
            queue.leave()
            out[i] = (env.now - seconds, env.now)

        queue.enter(seconds, done)

    body = with_resource if isinstance(queue, simpy.Resource) else with_cloud_queue
    for i, (at, seconds) in enumerate(jobs):
        env.process(body(i, at, seconds))
    env.run()
    return out


@pytest.mark.parametrize("gpus", [1, 2, 3])
def test_cloud_queue_serves_like_a_simpy_resource(gpus):
    rng = np.random.default_rng(gpus)
    jobs = list(zip(np.cumsum(rng.exponential(0.3, 200)).tolist(), rng.exponential(0.5, 200).tolist()))
    jobs += [(5.0, 1.0)] * 4  # simultaneous arrivals keep their order
    expected = run_jobs(lambda env: simpy.Resource(env, capacity=gpus), jobs)
    got = run_jobs(lambda env: CloudQueue(env, gpus), jobs)
    assert [e for _, e in got] == pytest.approx([e for _, e in expected], abs=1e-12)


def test_cloud_queue_needs_a_gpu():
    with pytest.raises(ValueError):
        CloudQueue(simpy.Environment(), 0)


def reference_adaptive(secs, quals, deadline_s):
    """The adaptive rule as first written (docs/models/policies.md): best quality among the modes that
    meet the deadline, ties to the faster; else the fastest."""
    best = -1
    for i, (s, q) in enumerate(zip(secs, quals)):
        if s <= deadline_s and (best < 0 or (q, -s) > (quals[best], -secs[best])):
            best = i
    if best >= 0:
        return best
    return min(range(len(secs)), key=lambda i: secs[i])


def test_adaptive_decide_is_the_rule_on_every_ordering():
    policy = build_policy("adaptive")
    values = [(1.0, 0.8), (6.0, 0.9), (2.0, 0.8), (math.inf, 0.95), (4.0, math.nan), (0.5, 0.3)]
    for k in range(1, len(values) + 1):
        for combo in itertools.permutations(values, k):
            names = [f"m{i}" for i in range(k)]
            secs = [s for s, _ in combo]
            quals = [q for _, q in combo]
            for deadline in (0.1, 1.5, 5.0):
                situation = Situation(names, secs, [0.0] * k, [0.0] * k, quals, deadline)
                assert policy.decide(situation) == reference_adaptive(secs, quals, deadline)


def test_block_draws_are_single_draws():
    from scoutsim.config import load_scenario
    from scoutsim.sim.world import build_pools

    resolved = load_scenario(str(ROOT / "scenarios" / "8agents_100mbps.yaml"))
    pool = build_pools(resolved)[0]
    single = np.random.default_rng(11)
    block = np.random.default_rng(11)
    drawn = [pool.draw(single) for _ in range(150)]
    picked = [pool.question(k) for k in pool.draw_indices(block, 100) + pool.draw_indices(block, 50)]
    assert drawn == picked
