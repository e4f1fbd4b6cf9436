"""Building a world on the cell model (docs/models/cell.md).

Used instead of the shared uplinks when a scenario gives any of the cell and network keys
(:attr:`scoutsim.config.schema.Scenario.uses_cell_model`); without them the world keeps the
old code path and its outputs byte for byte. One :class:`scoutsim.network.cell.Network`
carries every cell and wired link, because a wired link couples the cells that share it;
an agent's slot on it is its global index. Each cloud site gets its own FIFO GPU queue.
"""

from __future__ import annotations

from scoutsim.config.netchecks import wired_links
from scoutsim.decisions.allocators import build_allocator
from scoutsim.network.cell import CellSpec, DeviceSpec, Network
from scoutsim.network.channels import build_channel
from scoutsim.network.topology import Topology
from scoutsim.network.link import BYTES_PER_S_PER_MBPS, follow
from scoutsim.sim import streams
from scoutsim.sim.cloud import CloudQueue
from scoutsim.sim.equip import Seat, build_agent

HARQ_RTT_MS = 8.0  # LTE FDD: a retransmission 8 subframes after the first attempt


def record_extras(s) -> tuple[str, ...]:
    """The optional request columns this scenario's keys call for."""
    out: tuple[str, ...] = ()
    if s.topology is not None or s.clouds is not None:
        out += ("cloud", "path")
    if any(u.grant_delay_ms is not None for u in s.uplinks):
        out += ("grant_s",)
    if any(g.offset_ms is not None for g in s.agents):
        out += ("offset_s",)
    return out


def wired_latency(s, spec) -> float:
    """One-way latency (s) of the wired path from a group's cell to its cloud site."""
    if s.topology is None:
        return 0.0
    return Topology(wired_links(s)).path(spec.uplink, s.cloud_of(spec).id)[1]


def build_cells(world, resolved, specs, kits, plan_demand, planning_options) -> None:
    s = resolved.scenario
    env = world.env
    rep = world.replication
    world.clouds = ({c.id: CloudQueue(env, c.gpus) for c in s.clouds} if s.clouds is not None
                    else {None: world.cloud})
    topo = Topology(wired_links(s)) if s.topology is not None else None

    cells: list = []
    devices: list = []
    plans: list = []
    online = {}  # cell index -> an online allocator's rule
    own_channels = {}
    for c, u in enumerate(s.uplinks):
        mean_bps = world.channels[u.id].mean_mbps() * BYTES_PER_S_PER_MBPS
        cells.append(CellSpec(
            u.id, u.sharing, u.scheduler or "rr",
            grant_s=(u.grant_delay_ms or 0.0) / 1000.0, bler=u.bler or 0.0,
            harq_rtt_s=(u.harq_rtt_ms if u.harq_rtt_ms is not None else HARQ_RTT_MS) / 1000.0,
            resource_blocks=u.resource_blocks, mean_rate=mean_bps, fading=u.fading or "none",
            transport_blocks=bool(u.transport_blocks)))
        members = [(i, g, spec) for i, g, spec in specs if spec.uplink == u.id]
        if not members:
            continue
        built = []
        for slot, (i, g, spec) in enumerate(members):
            site = s.cloud_of(spec).id if s.clouds is not None else None
            links, wired_s = topo.path(u.id, site) if topo is not None and site is not None else ((), 0.0)
            latency = u.latency_ms / 1000.0 + wired_s
            built.append((slot, i, g, spec, site, links, latency))
        demands = [plan_demand(resolved, slot, spec, kits[g].pool, kits[g].compute,
                               planning_options(resolved, spec, kits[g].options), latency)
                   for slot, i, g, spec, site, links, latency in built]
        allocator = build_allocator(u.allocator)
        if allocator.online is not None:
            online[c] = allocator.online
        weights = allocator.weights(demands, mean_bps)
        for (slot, i, g, spec, site, links, latency), w in zip(built, weights):
            mean_own = 0.0
            if spec.channel is not None:
                rng = streams.stream(s.seed, rep, streams.DEVICE_CHANNEL, i)
                own_channels[len(devices)] = ch = build_channel(spec.channel, resolved.base_dir, rng)
                mean_own = ch.mean_mbps() * BYTES_PER_S_PER_MBPS
            devices.append(DeviceSpec(c, w, spec.link_quality, own_channel=spec.channel is not None,
                                      links=links, mean_rate=mean_own, offset_s=(spec.offset_ms or 0.0) / 1000.0))
            plans.append((i, g, spec, site, links, latency, cells[c], allocator))

    net = Network(env, cells, devices, topo.capacities() if topo is not None else None)
    world.network = net
    for c, rule in online.items():
        net.set_online(rule, c)
    world.links = {u.id: net for u in s.uplinks if any(spec.uplink == u.id for _i, _g, spec in specs)}
    for c, u in enumerate(s.uplinks):
        env.process(follow(env, lambda m, c=c: net.set_capacity(m, c), world.channels[u.id].changes()))
    for d, ch in own_channels.items():
        env.process(follow(env, lambda m, d=d: net.set_device_capacity(d, m), ch.changes()))

    for d, (i, g, spec, site, links, latency, cell, allocator) in enumerate(plans):
        seat = Seat(net, d, spec.uplink, latency, world.clouds[site], allocator, net.fair_share(d),
                    cloud_id=site or "", path=">".join((spec.uplink,) + tuple(links)), grant_s=cell.grant_s,
                    offset_s=(spec.offset_ms or 0.0) / 1000.0)
        world.agents.append(build_agent(world, kits[g], seat, i, g))
