"""One replication's world: uplinks, channels, the cloud, agents; run it, return records.

Building the world is where a validated scenario meets the oracle: each agent gets its
candidate modes with their oracle qualities, its question pool, its compute model, a
policy, an estimator, and a slot with a weight on its uplink. Random streams come from
:mod:`scoutsim.sim.streams` by (replication, component, index).
"""

from __future__ import annotations

import dataclasses
import gc
import math

import simpy

from scoutsim.sim import streams
from scoutsim.sim.agent import Agent
from scoutsim.sim.costs import ModeOption, option_tables
from scoutsim.sim.request import Request
from scoutsim.sim.arrivals import superposed as arrival_calendar
from scoutsim.decisions.allocators import Demand, Option, build_allocator
from scoutsim.network.channels import build_channel
from scoutsim.sim.cloud import CloudQueue
from scoutsim.physics.compute import ComputeModel, Site
from scoutsim.physics.journey import request_seconds
from scoutsim.config import ResolvedScenario, scope_names
from scoutsim.config.checks import mode_problem
from scoutsim.modes import parse_mode
from scoutsim.physics.payload import kv_bytes, sent_bytes
from scoutsim.sim.equip import Kit, Seat, build_agent
from scoutsim.sim.questions import QuestionPool
from scoutsim.sim.records import RecordBuffer
from scoutsim.sim.stall import describe_links, run_until, stall_limit
from scoutsim.sim.cells import build_cells, record_extras, wired_latency
from scoutsim.network.tcp import from_config as tcp_model
from scoutsim.network.choose import make_uplink
from scoutsim.network.link import BYTES_PER_S_PER_MBPS, Link, follow


class World:
    def __init__(self, resolved: ResolvedScenario, replication: int, pools: dict | None = None,
                 record_arrivals: bool = False):
        """``pools`` (:func:`build_pools`): shared by the replications of a run, they carry the
        cost tables of its earlier replications (``QuestionPool.cost_memo``); None: this
        world's own. ``record_arrivals``: the agents note each arrival in
        :attr:`arrival_log` (agent index, request number, agent, question, time) instead of
        serving it (the clairvoyant bound's instance, :mod:`scoutsim.sim.clairvoyant`)."""
        s = resolved.scenario
        self.scenario = s
        self.replication = replication
        self.env = simpy.Environment()
        self.records = RecordBuffer(replication, record_extras(s), fallback=any(g.falls_back for g in s.agents),
                                    agents=sum(g.count for g in s.agents))
        self.pending: dict[tuple[int, int], Request] = {}
        self.outstanding = 0
        self.arrivals_over = False
        self.arrival_log: list | None = [] if record_arrivals else None
        self._end = self.env.event()
        pools = pools if pools is not None else build_pools(resolved)

        self.cloud = CloudQueue(self.env, s.cloud.gpus)

        # Channels first: their streams must not depend on the agents.
        self.channels = {}
        for i, u in enumerate(s.uplinks):
            rng = streams.stream(s.seed, replication, streams.CHANNEL, i)
            self.channels[u.id] = build_channel(u.channel, resolved.base_dir, rng)

        specs: list[tuple] = []  # (global index, group index, group spec)
        for g, group in enumerate(s.agents):
            for _ in range(group.count):
                specs.append((len(specs), g, group))

        self.links: dict[str, Link] = {}
        self.agents: list[Agent] = []
        kits = group_kits(resolved, pools)
        if s.uses_cell_model:  # per-device radio, schedulers, topology: scoutsim/sim/cells.py
            build_cells(self, resolved, specs, kits, plan_demand, planning_options)
        on_uplink: dict[str, list] = {u.id: [] for u in s.uplinks}
        for i, g, spec in specs:
            on_uplink[spec.uplink].append((i, g, spec))
        for u in ([] if s.uses_cell_model else s.uplinks):
            members = on_uplink[u.id]
            if not members:
                continue
            mean_bps = self.channels[u.id].mean_mbps() * BYTES_PER_S_PER_MBPS
            latency = u.latency_ms / 1000.0
            # A group's agents plan the same demand (their typical question); work it out once.
            planned = {}
            for slot, (i, g, spec) in enumerate(members):
                if g not in planned:
                    kit = kits[g]
                    planned[g] = plan_demand(resolved, slot, spec, kit.pool, kit.compute,
                                             planning_options(resolved, spec, kit.options), latency)
            demands = [dataclasses.replace(planned[g], agent=slot) for slot, (i, g, _) in enumerate(members)]
            allocator = build_allocator(u.allocator)
            weights = allocator.weights(demands, mean_bps)
            # The link's model (virtual time or O(n)) by the rule of scoutsim/network/choose.py.
            link = make_uplink(self.env, weights, u.sharing, tcp=tcp_model(u.tcp, u.latency_ms), online=allocator.online,
                               reads_progress=any(spec.falls_back for _, _, spec in members))
            self.links[u.id] = link
            self.env.process(follow(self.env, link.set_capacity, self.channels[u.id].changes()))
            for slot, (i, g, spec) in enumerate(members):
                seat = Seat(link, slot, u.id, latency, self.cloud, allocator, link.fair_share(slot, mean_bps))
                self.agents.append(build_agent(self, kits[g], seat, i, g))
        self.agents.sort(key=lambda a: a.index)
        superposed = s.arrivals == "superposed"
        # Superposed arrivals: one calendar per group draws arrivals and questions for all
        # its devices (scoutsim/sim/arrivals.py); the devices' own streams are never made.
        calendar_members: dict[int, list] = {g: [] for g in range(len(s.agents))}
        for a in self.agents if superposed else ():
            calendar_members[a.group].append(a)
        self.calendars = [
            arrival_calendar(calendar_members[g], group.arrival, pools[g],
                             streams.stream(s.seed, replication, streams.GROUP_ARRIVALS, g),
                             streams.stream(s.seed, replication, streams.GROUP_QUESTIONS, g),
                             streams.stream(s.seed, replication, streams.GROUP_PHASE, g))
            for g, group in enumerate(s.agents)] if superposed else []

    # ---------------------------------------------------------------- running
    def finish(self, r: Request) -> None:
        del self.pending[(r.agent.index, r.number)]
        self.records.add(r)
        self.outstanding -= 1
        if self.arrivals_over and self.outstanding == 0 and not self._end.triggered:
            self._end.succeed()

    def _clock(self, duration: float, drain: float):
        yield self.env.timeout(duration)
        self.arrivals_over = True
        if self.outstanding == 0:
            self._end.succeed()
            return
        yield self.env.timeout(drain)
        if not self._end.triggered:
            self._end.succeed()

    def run(self):
        """Simulate the replication; its records, whole."""
        self.run_to_end()
        return self.records.frame()

    def run_to_end(self) -> None:
        s = self.scenario
        drain = s.drain_s if s.drain_s is not None else max(60.0, 10 * max(g.deadline_s for g in s.agents))
        for source in self.calendars or self.agents:
            self.env.process(source.arrivals(self.env, s.duration_s))
        self.env.process(self._clock(s.duration_s, drain))
        # A run makes no reference cycles but those of requests still in flight at its end
        # (tests/test_no_cycles.py): its garbage goes by reference counts. So the cyclic
        # collector, which would walk the objects of every device again and again, is off
        # while it runs: with 10^5 devices it took about 15 % of the run. Outputs do not
        # depend on it; the few cycles left are collected once it is back on.
        collecting = gc.isenabled()
        gc.disable()
        try:
            run_until(self.env, self._end, stall_limit(len(self.agents)), lambda: describe_links(self.links))
            for key in sorted(self.pending):  # still in flight at the drain limit: misses
                self.records.add(self.pending[key])
        finally:
            if collecting:
                gc.enable()

    def run_parts(self):
        """As :meth:`run`, the records handed on in parts (one frame, or one per agent range
        after the records were spilled to disk: :mod:`scoutsim.sim.spill`)."""
        self.run_to_end()
        return self.records.parts()


def plan_demand(resolved, slot, spec, pool, compute, options, latency) -> Demand:
    """What an agent expects of each of its modes at its typical question: the allocators'
    input, and the break-even bandwidths reported beside each run."""
    q = pool.typical_question()
    shape = resolved.models[spec.edge_model]
    opts = []
    for opt in options:
        size = sent_bytes(opt.name, spec.payload_bytes, shape, opt.mode, q.tokens, context_bytes=q.context_bytes,
                          question_bytes=q.question_bytes, context_at_cloud=spec.context_at_cloud)
        sends = opt.mode.uses_uplink
        cloud = compute.cloud_seconds(opt.mode, q.tokens, q.answer_tokens) if sends else 0.0
        fixed = request_seconds(compute.edge_seconds(opt.mode, q.tokens, q.answer_tokens), float(size), math.inf,
                                latency, cloud, sends=sends)  # the time off the link
        opts.append(Option(opt.name, float(size), fixed, opt.quality.mean))
    full_kv = (spec.payload_bytes or {}).get("bf16") or kv_bytes(shape, parse_mode("bf16"), q.tokens)
    return Demand(slot, float(full_kv), spec.deadline_s, tuple(opts))


def planning_options(resolved: ResolvedScenario, spec, options: list[ModeOption]) -> list[ModeOption]:
    """The modes an allocator plans a group's weight from: those of its ``modes`` list that
    the oracle and its models can serve (:func:`scoutsim.config.checks.mode_problem`),
    whatever its policy sends, then any other mode its policy sends. A network allocates to
    devices, which it knows by what they can send, not by their policies: so a group whose
    policy is changed for a comparison (a static mode against adaptive) keeps the weight the
    other policies got, and policy comparisons stay paired. (For ``adaptive`` the two lists
    are the same.)"""
    known = {o.name: o for o in options}
    out = []
    for m in spec.modes:
        if m in known:
            out.append(known.pop(m))
        elif mode_problem(spec, m, resolved.oracle, resolved.models, resolved.scenario) is None:
            out.append(ModeOption(m, parse_mode(m), resolved.oracle.draws(spec.edge_model, spec.cloud_model, m)))
    return out + list(known.values())


def break_even_mbps(resolved: ResolvedScenario) -> dict[str, dict[str, float | None]]:
    """Per agent group and mode, the least rate (Mbps) at which a request alone on its link
    meets the deadline at the group's typical prompt (LMCache reports the same per codec);
    None where the compute and latency alone miss it, 0 for modes that send nothing."""
    s = resolved.scenario
    pools = build_pools(resolved)
    latency = {u.id: u.latency_ms / 1000.0 for u in s.uplinks}
    out: dict = {}
    for g, ((compute, options), name, spec) in enumerate(zip(group_models(resolved), scope_names(s), s.agents)):
        demand = plan_demand(resolved, 0, spec, pools[g], compute, options,
                             latency[spec.uplink] + wired_latency(s, spec))
        out[name] = {}
        for o in demand.options:
            need = o.need(spec.deadline_s)
            out[name][o.mode] = None if need == float("inf") else round(need * 8 / 1e6, 6)
    return out


def group_kits(resolved: ResolvedScenario, pools: dict) -> list[Kit]:
    """Per agent group, what its devices share (:class:`scoutsim.sim.equip.Kit`). Agents of
    one group pay the same costs for the same question: they share the cost table, so that
    thousands of agents do not each work it out again. Groups that differ only in what does
    not change a question's costs (their cell, count, arrivals, policy...) share one table:
    a city has a group per cell."""
    s = resolved.scenario
    tables_by_key: dict = {}
    kits = []
    for g, (spec, (compute, options)) in enumerate(zip(s.agents, group_models(resolved))):
        key = cost_key(spec)
        kits.append(Kit(spec, resolved.models[spec.edge_model], options, pools[g], compute,
                        tables_by_key.setdefault(key, {}), pools[g].cost_memo.setdefault(key, {}),
                        option_tables(options)))
    return kits


def group_models(resolved: ResolvedScenario) -> list[tuple[ComputeModel, list[ModeOption]]]:
    """Per agent group: its compute model and its candidate modes with their oracle qualities
    (the same for every agent of the group)."""
    s = resolved.scenario
    out = []
    made: dict[str, tuple[ComputeModel, list[ModeOption]]] = {}
    for spec in s.agents:
        key = cost_key(spec)
        if key in made:  # groups of one kind in many cells: the same (read-only) models
            out.append(made[key])
            continue
        site = s.cloud_of(spec)
        cloud = Site(site.slowdown, site.prefill_tokens_per_s)
        compute = ComputeModel(resolved.oracle, spec.edge_model, spec.cloud_model,
                               Site(spec.edge_slowdown, spec.edge_prefill_tokens_per_s), cloud,
                               s.deadline_on == "answer")
        options = [ModeOption(m, parse_mode(m), resolved.oracle.draws(spec.edge_model, spec.cloud_model, m))
                   for m in spec.candidate_modes]
        out.append(made.setdefault(key, (compute, options)))
    return out


def build_pools(resolved: ResolvedScenario) -> dict[int, QuestionPool]:
    """Question pools per agent group; they depend only on the scenario and the oracle, and
    groups asking from the same pool share the object (it is read-only but for its cache)."""
    s = resolved.scenario
    made: dict[tuple, QuestionPool] = {}
    out = {}
    for g, spec in enumerate(s.agents):
        key = (spec.edge_model, spec.cloud_model, spec.context_tokens, spec.answer_tokens)
        if spec.answer_length is not None:
            # Assumed answer lengths are the group's own: a property of the question, drawn
            # once per sample and the same in every replication.
            pool = QuestionPool(resolved.oracle, *key)
            rng = streams.stream(s.seed, 0, streams.ANSWERS, g)
            pool.set_answer_tokens(rng.integers(spec.answer_length.low, spec.answer_length.high + 1, size=len(pool)))
            out[g] = pool
            continue
        if key not in made:
            made[key] = QuestionPool(resolved.oracle, *key)
        out[g] = made[key]
    return out


# Group keys that do not change what a question costs (payload, edge and cloud seconds) or
# which modes it may take (the policy does: static:<mode> has one candidate).
_NOT_COSTS = frozenset({"name", "count", "uplink", "arrival", "estimator", "estimator_warmup", "estimator_prior",
                        "deadline_s"})


def cost_key(spec) -> str:
    """Groups with equal keys pay the same costs for the same question. Conservative: any
    key not known to leave costs alone (a new one included) separates groups."""
    return repr(sorted((k, v) for k, v in spec.model_dump().items() if k not in _NOT_COSTS))
