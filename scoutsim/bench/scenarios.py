"""Scenarios the benchmarks and the output-identity check run.

The main scenario is the shipped ``scenarios/8agents_100mbps.yaml``. The scaled ones keep
its agent mix and per-uplink load but spread ``n`` agents over ``u`` uplinks: each uplink's
capacity and each agent's arrival rate are chosen so that every uplink sees the same
offered load as the main scenario (8 agents x 0.2 requests/s on 100 Mbps), whatever ``n``.
The work per request is then the same at every size, and a cost per request that grows
with ``n`` can only come from work proportional to all agents rather than to the active
transfers.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from scoutsim.config import ResolvedScenario, scenario_from_dict
from scoutsim import shipped
from scoutsim.errors import UserError

ROOT = Path(__file__).resolve().parents[2]
MAIN = shipped.folder("scenarios") / "8agents_100mbps.yaml"
# The identity cases are built from the main scenario as it stood before it had
# answer-length decode (a frozen copy), so that saved references stay comparable.
IDENTITY_BASE = ROOT / "benchmarks" / "identity_main.yaml"


def main_dict() -> dict:
    if not MAIN.is_file():
        raise UserError(f"the main scenario {MAIN} is missing: this scoutsim was installed without its shipped scenarios")
    return yaml.safe_load(MAIN.read_text())


def identity_base() -> dict:
    """The main scenario as it stood before answer-length decode (see IDENTITY_BASE)."""
    return yaml.safe_load(IDENTITY_BASE.read_text())


def resolve(data: dict, **overrides) -> ResolvedScenario:
    return scenario_from_dict(data, source=f"<bench:{data['name']}>", base_dir=ROOT, overrides=overrides)


def scaled(agents: int, uplinks: int, requests: int, replications: int = 1, base: dict | None = None,
           arrivals: str = "per_device", gpus_per_uplink: bool = False) -> dict:
    """The main scenario's mix (or ``base``'s) with ``agents`` agents on ``uplinks`` uplinks,
    run long enough for about ``requests`` requests in all; ``arrivals`` the scenario key
    (per_device or superposed, scoutsim/sim/arrivals.py); ``gpus_per_uplink``: the main
    scenario's cloud GPUs for every uplink used (else its GPUs for all of them)."""
    if agents < 1 or uplinks < 1:
        raise UserError(f"need at least one agent and one uplink, got {agents} agents on {uplinks} uplinks")
    base = main_dict() if base is None else base
    groups = base["agents"]
    main_agents = sum(g["count"] for g in groups)
    main_rate = groups[0]["arrival"]["rate_per_s"]
    used = min(uplinks, agents)
    data = copy.deepcopy(base)
    data["name"] = f"scaled_{agents}a_{uplinks}u"
    data["replications"] = replications
    if arrivals != "per_device":
        data["arrivals"] = arrivals
    if gpus_per_uplink:
        data["cloud"] = dict(base.get("cloud", {}), gpus=base.get("cloud", {}).get("gpus", 1) * min(uplinks, agents))
    data["uplinks"] = []
    data["agents"] = []
    template = base["uplinks"][0]
    mbps = template["channel"]["mbps"]
    per_link_rate = main_agents * main_rate  # requests/s each uplink sees
    total_rate = per_link_rate * used
    data["duration_s"] = max(requests / total_rate, 1.0)
    for u in range(used):
        on_link = agents // used + (1 if u < agents % used else 0)
        link = copy.deepcopy(template)
        link["id"] = f"cell{u}"
        data["uplinks"].append(link)
        # The main scenario's 4:2:2 mix, as near as this uplink's agent count allows.
        counts = [on_link * g["count"] // main_agents for g in groups]
        counts[0] += on_link - sum(counts)
        for g, count in zip(groups, counts):
            if count == 0:
                continue
            group = copy.deepcopy(g)
            group["name"] = f"{g.get('name', 'g')}_{u}"
            group["count"] = count
            group["uplink"] = link["id"]
            group["arrival"] = {"kind": "poisson", "rate_per_s": per_link_rate / on_link}
            data["agents"].append(group)
        link["channel"] = {"kind": "constant", "mbps": mbps}
    return data


def city(devices: int, cells: int, duration_s: float) -> dict:
    """A city: ``devices`` devices over ``cells`` cells, each cell one uplink at the main
    scenario's load (8 x 0.2 requests/s on 100 Mbps, whatever the devices per cell), one
    cloud GPU per cell, superposed arrivals.

    Each cell is an independent uplink of the existing kind (``SharedUplink`` /
    ``VirtualTimeUplink``); a cell/topology model shared between cells is not
    used here.
    """
    per_link_rate = 8 * 0.2
    data = scaled(devices, cells, int(per_link_rate * cells * duration_s), arrivals="superposed",
                  gpus_per_uplink=True)
    data["name"] = f"city_{devices}d_{cells}c"
    data["duration_s"] = duration_s
    return data


def identity_cases() -> dict[str, dict]:
    """Small scenarios covering the simulator's branches, for before/after output checks:
    the main one, reserved slices, a Markov channel, periodic arrivals, the oracle
    estimator, exact ties in time, a run cut at its drain limit and several uplinks."""
    base = identity_base()
    cases = {"main": dict(base, replications=2, duration_s=300)}
    reserved = copy.deepcopy(cases["main"])
    reserved["uplinks"][0]["sharing"] = "reserved"
    cases["reserved"] = reserved
    markov = copy.deepcopy(cases["main"])
    markov["uplinks"][0]["channel"] = {"kind": "markov", "states_mbps": [5, 10, 25, 50, 100, 200], "step_s": 1.0}
    for g in markov["agents"]:
        g["arrival"] = {"kind": "periodic", "period_s": 3.0}
        g["estimator"] = "ewma"
    cases["markov_periodic"] = markov
    oracle = copy.deepcopy(reserved)
    oracle["uplinks"][0]["channel"] = {"kind": "markov", "states_mbps": [10, 50, 200], "step_s": 0.5}
    oracle["uplinks"][0]["allocator"] = "equal"
    for g in oracle["agents"]:
        g["estimator"] = "oracle"
    cases["oracle_equal"] = oracle
    # Exact ties: every agent arrives at the same instants, on the channel's steps, and
    # asks questions of one fixed length, so events coincide in time and only SimPy's
    # (time, priority, order of creation) decides which goes first.
    ties = copy.deepcopy(cases["markov_periodic"])
    ties["uplinks"][0]["channel"] = {"kind": "markov", "states_mbps": [50, 100], "step_s": 1.0}
    ties["cloud"] = {"slowdown": 1.0, "gpus": 2}
    for g in ties["agents"]:
        g["arrival"] = {"kind": "periodic", "period_s": 2.0, "offset_s": 0.0}
        g["context_tokens"] = 1024
        g["estimator"] = "oracle"
    cases["periodic_ties"] = ties
    # Overloaded and cut short: requests still queued at the edge, on the link and at the
    # cloud when the drain limit ends the run are recorded as they stand.
    cut = copy.deepcopy(cases["main"])
    cut["duration_s"] = 60
    cut["drain_s"] = 2.0
    cut["uplinks"][0]["channel"] = {"kind": "constant", "mbps": 200}
    for g in cut["agents"]:
        g["policy"] = "static:bf16"
        g["edge_slowdown"] = 30.0
        g["arrival"] = {"kind": "poisson", "rate_per_s": 0.5}
    cases["drain_cut"] = cut
    many = scaled(64, 4, requests=6000, replications=2, base=identity_base())
    many["uplinks"][1]["channel"] = {"kind": "markov", "states_mbps": [25, 100, 400], "step_s": 2.0}
    cases["scaled_64a_4u"] = many
    return cases
