"""What a device carries beside its policy, the same on a shared uplink and in a cell: the
cloud-wait prediction (``cloud_aware``), the watcher of transfers in flight (``+fallback``),
and, under the ``joint`` allocator, the rate it is told it will be granted."""

from __future__ import annotations

from scoutsim.decisions.estimators import Granted, build_estimator
from scoutsim.decisions.online import grant
from scoutsim.sim.cloudwait import build_cloud_wait
from scoutsim.sim.fallback import Fallback


def estimator_for(spec, allocator, link, slot: int, prior: float, probe, latency_s: float):
    """The device's rate estimator: the granted rate under an allocator that grants one,
    else the estimator its group names."""
    if allocator.grants:
        horizon = spec.deadline_s - latency_s
        told = (lambda: grant(link, slot, link.env.now, horizon))
        return Granted(prior, told)
    return build_estimator(spec.estimator, prior, probe)


def equip(agent, spec, options, cloud) -> None:
    agent.cloud_wait = build_cloud_wait(spec.cloud_aware, cloud)
    if spec.falls_back:
        fallbacks = set(spec.fallback_modes)
        agent.fallback = Fallback(agent, [k for k, o in enumerate(options) if o.name in fallbacks])
        agent.upgrades = spec.base_policy == "adaptive"
