"""A replication as the clairvoyant sees it: every request with each mode's window, bytes and
quality, and every uplink's capacity path, for the program of :mod:`scoutsim.decisions.bound`.

The world is built as for a run, so the arrivals, questions and channel paths are the ones
every policy of the scenario sees (they come from their own streams). Its agents are given
the union of their group's mode list and policy mode: the bound chooses among every mode a
policy of the group could send. Requests are the ones arriving before ``duration_s``, as in
``requests.parquet``; the edge and the cloud are taken as free (the relaxation that makes the
value an upper bound; see the program's docstring).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from scoutsim.config import ResolvedScenario
from scoutsim.decisions.bound import BoundResult, Choice, Instance, solve
from scoutsim.network.uplink import BYTES_PER_S_PER_MBPS
from scoutsim.sim.world import World, build_pools


def every_mode(resolved: ResolvedScenario) -> ResolvedScenario:
    """The scenario with every group free to choose among all its modes."""
    s = resolved.scenario
    agents = [g.model_copy(update={"policy": "adaptive", "modes": list(dict.fromkeys(g.modes + g.candidate_modes))})
              for g in s.agents]
    return dataclasses.replace(resolved, scenario=s.model_copy(update={"agents": agents}))


def instance(resolved: ResolvedScenario, replication: int, pools=None) -> Instance:
    free = every_mode(resolved)
    s = free.scenario
    world = World(free, replication, pools if pools is not None else build_pools(free))
    horizon = s.duration_s + max(g.deadline_s for g in s.agents)
    # The channel paths first: the world's own channel processes draw from the same streams
    # once it runs, and a path read afterwards would be another one.
    out = Instance()
    for uplink_id, channel in world.channels.items():
        steps = []
        for at, mbps in channel.changes():
            if at > horizon:
                break
            steps.append((float(at), mbps * BYTES_PER_S_PER_MBPS))
        out.capacity[uplink_id] = steps
    seen = []
    for agent in world.agents:
        agent._start = (lambda env, number, q, a=agent: seen.append((a.index, number, a, q, env.now)))
        world.env.process(agent.arrivals(world.env, s.duration_s))
    world.env.run(until=s.duration_s)
    for _, _, agent, q, arrival in sorted(seen, key=lambda x: (x[0], x[1])):
        choices = []
        for opt, (size, edge_s, cloud_s) in zip(agent.options, agent._all_costs(q)):
            draws = opt.quality
            f1 = draws.by_sample.get(q.sample_id, draws.mean) if draws.has_samples else draws.mean
            end = arrival + agent.deadline_s
            if opt.mode.uses_uplink:
                choices.append(Choice(float(f1), size, arrival + edge_s, end - agent.latency_s - cloud_s))
            else:
                choices.append(Choice(float(f1), 0.0, arrival + edge_s, end))
        out.requests.append((agent.uplink_id, choices))
    return out


def bound(resolved: ResolvedScenario, replications: int | None = None,
          time_limit_s: float = 120.0) -> list[tuple[int, BoundResult]]:
    """Per replication: (requests, the clairvoyant optimum)."""
    n = replications if replications is not None else resolved.scenario.replications
    pools = build_pools(every_mode(resolved))
    out = []
    for r in range(n):
        inst = instance(resolved, r, pools)
        out.append((len(inst.requests), solve(inst, time_limit_s)))
    return out


def f1_misses_zero(results: list[tuple[int, BoundResult]]) -> np.ndarray:
    """Per replication: the bound's mean F1 per request with misses scored 0."""
    return np.array([res.total_f1 / n if n else np.nan for n, res in results])
