"""On-time shares on a correlated channel: the interval must come from replications, not
from requests pooled as if independent.

The exact case: one Qwen2.5-7B device sends static INT4 (2,513,344 B) every second with a
1 s deadline over a two-level Markov channel, 10 or 50 Mbps, one step per second, staying
put with probability 0.98 either way. At 50 Mbps the transfer takes 0.40 s, at 10 Mbps
2.01 s: a round is on time exactly when the chain is at 50 Mbps. The chain is symmetric, so
its stationary law is (1/2, 1/2) and the exact steady-state on-time share is 1/2. Requests
a second apart share the chain's state for 50 s on average: 300 of them per replication
are worth a handful of independent ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from scoutsim.config import scenario_from_dict
from scoutsim.experiments.paperb import Results, replication_values
from scoutsim.intervals import replication_proportion_interval, wilson_interval
from scoutsim.sim.runner import simulate

ROOT = Path(__file__).resolve().parents[2]
STAY = 0.98
EXACT = 0.5

SCENARIO = f"""
name: exact_on_time_share
seed: 3
replications: 6
duration_s: 300
oracle: published-squad-v2-n50
deadline_on: first_token
uplinks:
  - id: cell0
    channel:
      kind: markov
      states_mbps: [10, 50]
      step_s: 1.0
      transition: [[{STAY}, {1 - STAY:.2f}], [{1 - STAY:.2f}, {STAY}]]
    allocator: equal
    sharing: reserved
    latency_ms: 0
cloud: {{slowdown: 1.0e-9, gpus: 1}}
agents:
  - name: qwen7b
    count: 1
    edge_model: qwen2.5-7b
    cloud_model: qwen2.5-14b
    uplink: cell0
    edge_slowdown: 1.0e-9
    arrival: {{kind: periodic, period_s: 1.0, offset_s: 0}}
    deadline_s: 1.0
    abandon_at_deadline: true
    policy: static:int4
    modes: [int4]
    estimator: oracle
"""


def test_the_per_replication_interval_covers_the_exact_share_that_pooled_wilson_excludes():
    """Seed 3, 6 x 300 rounds: 45.7 % on time. Wilson over the 1,800 pooled rounds gives
    [43.4, 48.0] % and excludes the exact 50 %; the t interval over the six replications'
    shares, which ``paperb.Results.ci`` now reports, is [32.5, 58.9] % and covers it."""
    scenario = scenario_from_dict(yaml.safe_load(SCENARIO), base_dir=ROOT)
    requests = simulate(scenario)
    assert len(requests) == 6 * 300
    per_rep = replication_values(requests, scenario.oracle, multi=False)
    results = Results(per_rep.assign(experiment="exact", variant="paper", arm="static:int4"))
    new = results.ci("exact", "paper", "static:int4", "on_time")
    old = wilson_interval(int(requests["met_deadline"].sum()), len(requests))
    assert not old.low <= EXACT <= old.high
    assert new.low <= EXACT <= new.high
    assert new.n == 6 and new.high - new.low > 5 * (old.high - old.low)


def test_pooled_wilson_undercovers_on_a_correlated_chain_and_the_replication_interval_does_not():
    """The same chain drawn directly (numpy, not the simulator), 400 seeds of 6 x 300 steps:
    the share of seeds whose interval covers the exact 1/2. A 95 % interval should cover in
    about 95 % of them; pooled Wilson's effective sample is about 1,800 / 49 (the chain's
    correlation time 1 + 2 x 0.96 / 0.04 = 49 steps), so it is about 7 times too narrow
    and covers in roughly 2 P(Z < 1.96 / 7) - 1 = 22 % of seeds."""
    covered_old = covered_new = 0
    seeds = 400
    for seed in range(seeds):
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        shares, total = [], 0
        for _ in range(6):
            state = rng.random() < 0.5
            flips = rng.random(300) >= STAY
            path = np.empty(300, dtype=bool)
            for i in range(300):
                path[i] = state
                state = state ^ flips[i]
            shares.append(path.mean())
            total += int(path.sum())
        old = wilson_interval(total, 1800)
        new = replication_proportion_interval(shares)
        covered_old += old.low <= EXACT <= old.high
        covered_new += new.low <= EXACT <= new.high
    assert covered_old / seeds < 0.5
    assert 0.90 <= covered_new / seeds <= 0.99
