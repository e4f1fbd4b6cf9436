"""Allocators plan a device's weight from the modes it can send (its group's `modes`), not
from its policy's candidates, so that changing a policy (a static mode against adaptive, in
a comparison) leaves the allocation alone."""

from __future__ import annotations

import yaml

from scoutsim.config import scenario_from_dict
from scoutsim.sim.world import World, group_models, planning_options
from tests.conftest import ROOT

QUALITY_MAX = ROOT / "scenarios" / "compare_allocators" / "quality_max_reserved.yaml"


def weights(data):
    world = World(scenario_from_dict(data, base_dir=ROOT), 0)
    (link,) = world.links.values()
    return link.weights


def test_a_static_policy_keeps_the_weight_its_modes_plan():
    data = yaml.safe_load(QUALITY_MAX.read_text())
    adaptive = weights(data)
    mistral = next(i for i, g in enumerate(data["agents"]) if g["edge_model"] == "mistral-7b")
    data["agents"][mistral]["policy"] = "static:int4"
    assert weights(data) == adaptive
    # Mistral-7B is the greedy rule's last: it holds the floor weight whatever it sends.
    first = sum(g["count"] for g in data["agents"][:mistral])
    assert adaptive[first] == min(adaptive) < 1e-4 * max(adaptive)


def test_planning_options_are_the_modes_the_device_can_send():
    data = yaml.safe_load(QUALITY_MAX.read_text())
    g = data["agents"][0]
    # A static mode outside the list is planned too; a listed mode the oracle has no quality
    # for (the published cache has no token-selected KV, q2c) is left out, not an error.
    g.update(policy="static:scout@0.5", modes=["int8", "q2c@0.5+bf16", "local"])
    resolved = scenario_from_dict(data, base_dir=ROOT)
    spec = resolved.scenario.agents[0]
    _, options = group_models(resolved)[0]
    assert [o.name for o in options] == ["scout@0.5"]
    assert [o.name for o in planning_options(resolved, spec, options)] == ["int8", "local", "scout@0.5"]
    # Adaptive: the policy sends its modes, and they are what is planned.
    adaptive = scenario_from_dict(yaml.safe_load(QUALITY_MAX.read_text()), base_dir=ROOT)
    _, options = group_models(adaptive)[0]
    assert planning_options(adaptive, adaptive.scenario.agents[0], options) == options
