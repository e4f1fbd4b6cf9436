"""Checks of the cell and network keys (docs/models/cell.md, docs/models/topology.md) that need
more than one block: cloud sites named by agents, paths from cells to their clouds,
agents' own channels. Each failure names the key path."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from scoutsim.config.schema import CloudSite, Scenario
from scoutsim.errors import UserError
from scoutsim.network.channels import CHANNELS
from scoutsim.network.topology import NoPath, Topology, WiredLink


def _allocators():
    from scoutsim.decisions.allocators import ALLOCATORS

    return ALLOCATORS


def wired_links(s: Scenario) -> list[WiredLink]:
    return [WiredLink(lk.link_id, lk.from_, lk.to, lk.mbps * 1e6 / 8, lk.latency_ms / 1000.0)
            for lk in s.topology.links] if s.topology is not None else []


# Group keys about a device's own rate estimate, with when a value is set and why a device
# told its granted rate (a granting allocator, joint) refuses it: it has no estimate of its own.
OWN_ESTIMATE = {"estimator_warmup": (lambda v: v is not None, "there is nothing to warm up"),
                "estimator_prior": (lambda v: v == "offer", "there is no prior")}


def refused_when_granted(group: dict) -> list[str]:
    """The keys of ``group`` (a scenario's agent group, as a mapping) that a device told its
    granted rate refuses (:data:`OWN_ESTIMATE`)."""
    return [k for k, (is_set, _) in OWN_ESTIMATE.items() if k in group and is_set(group[k])]


def check_network(s: Scenario, source: str, base: Path) -> None:
    def fail(where: str, message: str) -> None:
        raise UserError(message, source=source, where=where)

    if s.uses_cell_model:
        for i, u in enumerate(s.uplinks):
            if u.tcp is not None:
                fail(f"uplinks[{i}].tcp", "TCP corrections are not modelled together with the cell and "
                     "network keys (time_share, grant_delay_ms, bler, link_quality, channel, cloud, "
                     "topology, clouds); drop one or the other")
            rule = getattr(_allocators().get(u.allocator), "online", None)  # re-weighs at every event
            if rule is not None and not callable(getattr(rule, "rank", None)):
                fail(f"uplinks[{i}].allocator", f"the online allocator {u.allocator!r} has no rank(lefts, dues, "
                     "alone_rates, now) method, which the cell model needs to order transfers "
                     "(scoutsim/decisions/online.py); use it without the cell and network keys")
            if rule is not None and u.sharing == "time_share" and (u.scheduler or "rr") not in ("rr", "weighted"):
                fail(f"uplinks[{i}].scheduler", f"{u.scheduler!r} cannot be combined with the online allocator "
                     f"{u.allocator!r}: under time_share the online allocator is the cell's scheduler (the "
                     "resource goes to the transfer due first); leave scheduler out or use rr or weighted")
    sites = [c.id for c in s.clouds] if s.clouds is not None else []
    for i, cid in enumerate(sites):
        if sites.index(cid) != i:
            fail(f"clouds[{i}].id", f"cloud site id {cid!r} is used twice; ids must be unique")
    from scoutsim.decisions.allocators import grants_rate

    allocators = {u.id: u.allocator for u in s.uplinks}
    for i, g in enumerate(s.agents):
        at = f"agents[{i}]"
        if grants_rate(allocators.get(g.uplink, "equal")):
            for key in refused_when_granted(g.model_dump()):
                fail(f"{at}.{key}", f"uplink {g.uplink!r}'s allocator {allocators[g.uplink]!r} tells the device the "
                     f"rate it grants, which is its estimate from the first request: {OWN_ESTIMATE[key][1]} (drop the key)")
        if g.cloud is not None and s.clouds is None:
            fail(f"{at}.cloud", "names a cloud site, but the scenario has no `clouds:` list")
        if g.cloud is not None and g.cloud not in sites:
            fail(f"{at}.cloud", f"unknown cloud site {g.cloud!r}; expected one of {sites}")
        if g.cloud is None and len(sites) > 1:
            fail(f"{at}.cloud", f"required when `clouds:` lists more than one site; expected one of {sites}")
        if g.channel is not None:
            check = getattr(CHANNELS.get(g.channel.kind), "check", None)
            if check is not None:
                try:
                    check(g.channel, base)
                except UserError as exc:
                    fail(f"{at}.channel", str(exc))
    if s.topology is None:
        return
    if s.clouds is None:
        fail("topology", "needs a `clouds:` list: the sites its paths lead to")
    ids = [lk.link_id for lk in s.topology.links]
    for j, lid in enumerate(ids):
        if ids.index(lid) != j:
            fail(f"topology.links[{j}].id", f"link id {lid!r} is used twice; ids must be unique")
    try:
        topo = Topology(wired_links(s))
    except ValueError as exc:
        fail("topology.links", str(exc))
    for i, g in enumerate(s.agents):
        site = cast(CloudSite, s.cloud_of(g)).id  # with `clouds:` (required above), a site
        try:
            topo.path(g.uplink, site)
        except NoPath as exc:
            fail("topology", f"no path from cell {g.uplink!r} to cloud site {site!r} "
                 f"(agents[{i}]): {exc}")
