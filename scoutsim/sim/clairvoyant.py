"""A replication as the clairvoyant sees it: every request with each mode's window, bytes and
quality, and every uplink's capacity path, for the program of :mod:`scoutsim.decisions.bound`.

The world is built as for a run, so the arrivals, questions and channel paths are the ones
every policy of the scenario sees (they come from their own streams). Its agents are given
the union of their group's mode list and policy mode: the bound chooses among every mode a
policy of the group could send. Requests are the ones arriving before ``duration_s``, as in
``requests.parquet``; the edge and the cloud are taken as free (the relaxation that makes the
value an upper bound; see the program's docstring).

On the cell model the limits are the ones no sharing rule or scheduler breaks (see
:mod:`scoutsim.decisions.bound`): a ``work_conserving`` or ``reserved`` cell's capacity, each
device's own rate (``link_quality`` x the cell's reference rate, or its own channel's path,
rebuilt from the device's own stream), and in a ``time_share`` cell the time constraint
``sum_i x_i / r_i <= G_max``. A due time gets the records' rounding slack
(``DEADLINE_SLACK_S``): a request the records count on time must be feasible here.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from scoutsim.config import ResolvedScenario
from scoutsim.decisions.bound import BoundResult, Choice, Instance, Limit, solve
from scoutsim.network import epa
from scoutsim.network.cell import rides_fading
from scoutsim.network.channels import build_channel
from scoutsim.network.schedulers import SCHEDULERS
from scoutsim.network.link import BYTES_PER_S_PER_MBPS
from scoutsim.sim import streams
from scoutsim.sim.records import DEADLINE_SLACK_S
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
    world = World(free, replication, pools if pools is not None else build_pools(free), record_arrivals=True)
    horizon = s.duration_s + max(g.deadline_s for g in s.agents)
    # The channel paths first: the world's own channel processes draw from the same streams
    # once it runs, and a path read afterwards would be another one.
    paths = {u: _path(channel, horizon) for u, channel in world.channels.items()}
    out = Instance()
    if s.uses_cell_model:
        out.limits = cell_limits(free, replication, paths, horizon)
        out.capacity = {u.id: paths[u.id] for u in s.uplinks if u.sharing != "time_share"}
    else:
        out.capacity = paths
    for source in world.calendars or world.agents:  # superposed arrivals: the groups' calendars
        world.env.process(source.arrivals(world.env, s.duration_s))
    world.env.run(until=s.duration_s)
    for _, _, agent, q, arrival in sorted(world.arrival_log or [], key=lambda x: (x[0], x[1])):
        choices = []
        for opt, (size, edge_s, cloud_s) in zip(agent.options, agent._all_costs(q)):
            draws = opt.quality
            f1 = draws.by_sample.get(q.sample_id, draws.mean) if draws.has_samples else draws.mean
            end = arrival + agent.deadline_s + DEADLINE_SLACK_S
            if opt.mode.uses_uplink:
                choices.append(Choice(float(f1), size, arrival + edge_s, end - agent.latency_s - cloud_s))
            else:
                choices.append(Choice(float(f1), 0.0, arrival + edge_s, end))
        out.requests.append((agent.uplink_id, choices))
        out.devices.append(agent.index)
    return out


def _path(channel, horizon: float) -> list[tuple[float, float]]:
    """A channel's capacity steps (bytes/s) up to ``horizon``."""
    steps = []
    for at, mbps in channel.changes():
        if at > horizon:
            break
        steps.append((float(at), mbps * BYTES_PER_S_PER_MBPS))
    return steps


def cell_limits(resolved: ResolvedScenario, replication: int, paths: dict, horizon: float) -> list[Limit]:
    """Each device's own-rate limit and each time-share cell's time limit (global device
    indices, as the world numbers its agents)."""
    s = resolved.scenario
    rates: dict[str, dict[int, list]] = {u.id: {} for u in s.uplinks}
    time_shared = {u.id for u in s.uplinks if u.sharing == "time_share"}
    index = 0
    for g in s.agents:
        for _ in range(g.count):
            if g.channel is not None:
                rng = streams.stream(s.seed, replication, streams.DEVICE_CHANNEL, index)
                own = _path(build_channel(g.channel, resolved.base_dir, rng), horizon)
            elif g.link_quality is not None:
                own = [(at, g.link_quality * c) for at, c in paths[g.uplink]]
            else:
                own = None  # the cell's rate under time sharing; no own limit otherwise
            if own is not None or g.uplink in time_shared:
                rates[g.uplink][index] = own if own is not None else paths[g.uplink]
            index += 1
    limits = []
    for u in s.uplinks:
        if u.sharing == "time_share":
            limits.append(Limit(u.id, [(0.0, largest_gain(s, u, len(rates[u.id])))], rates[u.id]))
        else:
            limits += [Limit(u.id, [(0.0, 1.0)], {d: path}) for d, path in rates[u.id].items()]
    return limits


def largest_gain(s, u, n: int) -> float:
    """``G_max``: the most a time-share cell's scheduler can raise ``sum_i x_i / r_i`` above 1.
    Its gain applies only where the cell rides fast fading (``fading: rayleigh``, no resource
    blocks: :func:`scoutsim.network.cell.rides_fading`); there ``sum_i x_i / r_i =
    sum_i G(k, q_i) / k <= max_i G(k, q_i)`` over ``k <= n`` devices with data, each at its
    quality ``q`` (its own rate over the cell's; at most 1). A device with a channel of its own
    has no fixed quality: then ``G(k, q) <= k <= n`` (the scheduler's own limit: no device
    sends faster than its own rate) is used. Under ``fading: epa`` a device's transport-block
    gain may exceed 1 (the worst of few blocks beats the worst of all): the largest gain of
    the group qualities on the cell (:func:`scoutsim.network.epa.largest_gain`)."""
    if u.fading != "epa" and not rides_fading(u.fading, u.resource_blocks):
        return 1.0
    groups = [g for g in s.agents if g.uplink == u.id]
    qualities = {min(g.link_quality if g.link_quality is not None else 1.0, 1.0) for g in groups}
    if u.fading == "epa":  # (no group there has a channel of its own: the schema refuses it)
        return epa.largest_gain(qualities, u.resource_blocks, n)
    if any(g.channel is not None for g in groups):
        return float(max(n, 1))
    sched = SCHEDULERS.get(u.scheduler or "rr")()
    return max([1.0] + [sched.gain(k, q) for k in range(1, n + 1) for q in qualities])


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
