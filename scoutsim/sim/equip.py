"""Building a device, the one way both the shared uplinks (scoutsim/sim/world.py) and the
cell model (scoutsim/sim/cells.py) do it: what its group shares (:class:`Kit`), where it
sits (:class:`Seat`), and what :func:`build_agent` makes for it alone (its policy, its rate
estimator and, unless its group's calendar draws for it, its random streams)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from scoutsim.decisions.estimators import Estimator, Granted, build_estimator
from scoutsim.decisions.online import grant
from scoutsim.decisions.policy import build_policy
from scoutsim.sim import streams
from scoutsim.sim.agent import Agent


@dataclass(frozen=True)
class Kit:
    """What the devices of one group share: its spec, its edge model's shape, its mode
    options with their per-option tables, its question pool, its compute model and its
    cost tables (this world's and the one kept across replications)."""
    spec: Any
    edge_shape: Any
    options: list
    pool: Any
    compute: Any
    costs: dict
    memo: dict | None
    tables: tuple


@dataclass(frozen=True)
class Seat:
    """Where one device sits: its link and slot on it, its cell's id, the one-way latency
    to its cloud site, that site's GPU queue, the allocator of its cell and its share at the
    mean rate before anything is observed (the estimator's prior). The rest fills the
    optional request columns of the cell model: the cloud site's id, the path to it, the
    cell's grant delay and the device's offset."""
    link: Any
    slot: int
    uplink_id: str
    latency_s: float
    cloud: Any
    allocator: Any
    prior: float
    cloud_id: str = ""
    path: str = ""
    grant_s: float = 0.0
    offset_s: float = 0.0


def build_agent(world, kit: Kit, seat: Seat, index: int, group: int) -> Agent:
    """Device ``index`` of group ``group``: its own streams (none under superposed arrivals,
    where the group's calendar draws for it), policy and rate estimator, then the agent."""
    s = world.scenario
    if s.arrivals == "superposed":
        rngs: tuple = (None, None, None)
    else:
        rngs = tuple(streams.stream(s.seed, world.replication, c, index)
                     for c in (streams.ARRIVALS, streams.QUESTIONS, streams.PHASE))
    link, slot, spec = seat.link, seat.slot, kit.spec
    if seat.allocator.grants:  # the rate the allocator grants, else the estimator the group names
        horizon = spec.deadline_s - seat.latency_s
        def granted(elapsed: float = 0.0) -> float:
            # A transfer is due a deadline after its arrival, ``elapsed`` before this decision.
            return grant(link, slot, link.env.now, horizon - elapsed)

        estimator: Estimator = Granted(seat.prior, granted)
    else:
        warmup = spec.estimator_warmup
        estimator = build_estimator(spec.estimator, seat.prior, functools.partial(link.rate_if_joined, slot),
                                    None if warmup is None else (warmup.bytes, warmup.seconds),
                                    offered=spec.estimator_prior == "offer")
    return Agent(kit=kit, seat=seat, index=index, group=group, policy=build_policy(spec.policy),
                 estimator=estimator, streams=rngs, world=world)
