"""Bandwidth allocators: the weight each agent holds on its uplink.

An allocator turns what each agent on an uplink needs into a weight ``w_i``. The uplink's
sharing rule then turns weights into rates (see :mod:`scoutsim.network.uplink`): under
``work_conserving`` the transfers in flight split ``C(t)`` in proportion to their weights;
under ``reserved`` each agent owns ``C(t) w_i / sum(w)`` whether it sends or not. Only
ratios of weights matter.

Allocators are planning-time rules, computed once per replication from each agent's
:class:`Demand` (its modes' payloads at its typical context length, fixed compute and
latency times, expected qualities; the modes it can send, its group's ``modes``, whatever its
policy sends: a network knows devices, not their policies, and a policy changed for a
comparison keeps the allocation) and the channel's long-run mean capacity, except the
online ones (``deadline``, ``joint``): they hold equal weights (each agent's slice under
``reserved``) and hand the uplink a rule from :mod:`.online` that re-weighs the transfers
in flight at every event.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoutsim.decisions.online import EarliestDeadline
from scoutsim.registry import Registry

ALLOCATORS: Registry[type] = Registry("allocator")

# Below this share of the mean capacity a weight is raised to it, so that an agent a greedy
# rule left with nothing still drains when the link is otherwise idle (work_conserving).
WEIGHT_FLOOR = 1e-6


@dataclass(frozen=True)
class Option:
    mode: str
    payload_bytes: float
    fixed_s: float  # compute + latency: the part of the deadline the transfer cannot use
    quality: float  # the oracle's mean F1 for this mode

    def need(self, deadline_s: float) -> float:
        """Bytes per second the transfer needs to meet the deadline: infinite where the
        compute and latency alone miss it (a local answer decoded too slowly, say), 0 for a
        mode that sends nothing and fits."""
        slack = deadline_s - self.fixed_s
        if slack < 0:
            return math.inf
        if self.payload_bytes == 0:
            return 0.0
        return self.payload_bytes / slack if slack > 0 else math.inf


@dataclass(frozen=True)
class Demand:
    agent: int
    full_kv_bytes: float  # bf16 KV of the edge model at the agent's typical context (or its stated bf16 size)
    deadline_s: float
    options: tuple[Option, ...]


class Allocator:
    # An online allocator's per-event rule for the uplink (None: the weights decide alone),
    # and whether devices are told the rate they will be granted.
    online: EarliestDeadline | None = None
    grants = False

    def weights(self, demands: list[Demand], mean_capacity: float) -> list[float]:
        raise NotImplementedError


@ALLOCATORS.register("equal")
class Equal(Allocator):
    """Every agent the same weight."""

    def weights(self, demands, mean_capacity):
        return [1.0] * len(demands)


@ALLOCATORS.register("model_aware")
class ModelAware(Allocator):
    """Weight = the agent's full-KV size, so that KV size / share is equal across agents."""

    def weights(self, demands, mean_capacity):
        return [d.full_kv_bytes for d in demands]


@ALLOCATORS.register("quality_max")
class QualityMax(Allocator):
    """Greedy quality per unit of bandwidth; the study's "quality-maximizing" allocator.

    The exact rule, with ``C`` the uplink's mean capacity in bytes per second:

    1. For each agent and mode, the need ``r(m)`` = payload / (deadline - compute -
       latency), in bytes per second (infinite when the fixed times alone miss).
    2. Each agent's best feasible mode ``m*`` is the highest-quality mode with
       ``r(m) <= C`` (ties: the smaller need); if none is feasible, the smallest need.
    3. Agents are served in decreasing order of ``quality(m*) / r(m*)`` (ties: agent order);
       each gets weight ``min(r(m*), what is left of C)``.
    4. Weights below ``WEIGHT_FLOOR x C`` are raised to it. Agents served late can thus be
       starved, as the study observed ("greedy starves some devices").
    """

    def weights(self, demands, mean_capacity):
        best = []
        for d in demands:
            feasible = [o for o in d.options if o.need(d.deadline_s) <= mean_capacity]
            if feasible:
                choice = max(feasible, key=lambda o: (o.quality, -o.need(d.deadline_s)))
            else:
                choice = min(d.options, key=lambda o: o.need(d.deadline_s))
            best.append(choice)

        def efficiency(i: int) -> float:
            need = best[i].need(demands[i].deadline_s)
            if need == 0:
                return math.inf
            return best[i].quality / need

        order = sorted(range(len(demands)), key=lambda i: (-efficiency(i), i))
        left = mean_capacity
        weights = [0.0] * len(demands)
        for i in order:
            need = best[i].need(demands[i].deadline_s)
            weights[i] = min(need, left)
            left -= weights[i]
        floor = WEIGHT_FLOOR * mean_capacity
        return [max(w, floor) for w in weights]


@ALLOCATORS.register("deadline")
class Deadline(Allocator):
    """Online, earliest deadline first among transfers that can still be on time
    (:class:`scoutsim.decisions.online.EarliestDeadline`)."""

    online = EarliestDeadline()

    def weights(self, demands, mean_capacity):
        return [1.0] * len(demands)


@ALLOCATORS.register("joint")
class Joint(Allocator):
    """Online: EDF service, and each device told the rate it will be granted before it picks
    its mode (:func:`scoutsim.decisions.online.grant`, EDF admission)."""

    online = EarliestDeadline()
    grants = True

    def weights(self, demands, mean_capacity):
        return [1.0] * len(demands)


def grants_rate(name: str) -> bool:
    """Whether the allocator registered as ``name`` tells each device the rate it grants (which
    is then the device's estimate); False for a name not registered (the loader reports it)."""
    return name in ALLOCATORS and bool(getattr(ALLOCATORS.get(name), "grants", False))


def build_allocator(name: str) -> Allocator:
    return ALLOCATORS.get(name)()
