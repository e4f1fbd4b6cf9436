"""``payload_bytes``: a group's stated payload per mode replaces the payload physics for the
modes it names, in every place a payload is used (the transfer, the prediction, the
allocators' weights), and leaves every other mode to the physics.

Hand-worked case. A constant 10 Mbps uplink (1,250,000 B/s), ``reserved`` sharing, no
latency, compute scaled to under a nanosecond (slowdowns 1e-9), 170-token contexts.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from scoutsim.config import scenario_from_dict
from scoutsim.sim.runner import simulate
from tests.conftest import ROOT

RATE = 10e6 / 8
# Physics for Qwen2.5-7B INT4 at 170 tokens: 4-bit values + one FP16 scale per vector + 64 B.
INT4 = 2 * 28 * 4 * 170 * 128 // 2 + 2 * 28 * 4 * 170 * 2 + 64


def group(name: str, policy: str, **extra) -> dict:
    return {"name": name, "edge_model": "qwen2.5-7b", "cloud_model": "qwen2.5-14b", "uplink": "cell0",
            "arrival": {"kind": "periodic", "period_s": 5.0, "offset_s": 0}, "deadline_s": 5.0,
            "context_tokens": 170, "estimator": "oracle", "edge_slowdown": 1e-9, "abandon_at_deadline": True,
            "policy": policy, **extra}


def scenario(agents: list[dict], allocator: str = "equal") -> dict:
    return {"name": "stated", "seed": 3, "replications": 1, "duration_s": 20.0, "oracle": "published-squad-v2-n50",
            "uplinks": [{"id": "cell0", "channel": {"kind": "constant", "mbps": 10}, "allocator": allocator,
                         "sharing": "reserved", "latency_ms": 0}],
            "cloud": {"gpus": 4, "slowdown": 1e-9}, "agents": agents}


def run(data: dict):
    return simulate(scenario_from_dict(data, base_dir=ROOT))


def test_a_stated_size_is_sent_and_timed_as_stated():
    # 2,500,000 B alone on 1,250,000 B/s: exactly 2 s on the link, every round.
    df = run(scenario([group("a", "static:int8", payload_bytes={"int8": 2_500_000})]))
    assert (df["payload_bytes"] == 2_500_000).all() and len(df) == 4
    np.testing.assert_allclose(df["tx_end_s"] - df["tx_start_s"], 2.0, rtol=1e-12)


def test_modes_it_does_not_name_keep_the_physics():
    df = run(scenario([group("a", "static:int4", payload_bytes={"int8": 2_500_000})]))
    assert (df["payload_bytes"] == INT4).all()


def test_adaptive_decides_on_the_stated_sizes():
    # With the physics INT8 (4,950,464 B) takes 3.96 s on 10 Mbps and fits 5 s; stated at
    # 7,000,000 B it takes 5.6 s and cannot, so adaptive takes the next best that fits (INT4).
    modes = ["int8", "int4"]
    physical = run(scenario([group("a", "adaptive", modes=modes)]))
    stated = run(scenario([group("a", "adaptive", modes=modes, payload_bytes={"int8": 7_000_000})]))
    assert (physical["mode"] == "int8").all()
    assert (stated["mode"] == "int4").all() and stated["met_deadline"].all()


def test_model_aware_weights_follow_the_stated_full_kv():
    # model_aware gives each device a share proportional to its full KV (bf16) size. Stated
    # full KV 3:1 -> slices of 7.5 and 2.5 Mbps (937,500 and 312,500 B/s); each sends a
    # stated 1,000,000 B INT8: 1.0667 s and 3.2 s on its slice.
    agents = [group("big", "static:int8", payload_bytes={"bf16": 3_000_000, "int8": 1_000_000}),
              group("small", "static:int8", payload_bytes={"bf16": 1_000_000, "int8": 1_000_000})]
    df = run(scenario(agents, allocator="model_aware"))
    tx = (df["tx_end_s"] - df["tx_start_s"]).to_numpy()
    big, small = tx[df["agent"] == 0], tx[df["agent"] == 1]
    np.testing.assert_allclose(big, 1_000_000 / (RATE * 0.75), rtol=1e-9)
    np.testing.assert_allclose(small, 1_000_000 / (RATE * 0.25), rtol=1e-9)


def test_keys_are_canonical_modes():
    data = scenario([group("a", "static:int8", payload_bytes={"q2c@0.50+int8": 1000})])
    resolved = scenario_from_dict(copy.deepcopy(data), base_dir=ROOT)
    (spec,) = resolved.scenario.agents
    assert spec.payload_bytes == {"q2c@0.5+int8": 1000}


@pytest.mark.parametrize("name", ["markov_modes", "four_devices_50mbps"])
def test_the_paper_profile_sends_the_study_sizes(name):
    # The study's mode table (Qwen2.5-7B, 170 tokens): 9.7 / 4.7 / 2.6 / 2.3 MB, scout 336 B.
    from scoutsim.config import load_scenario

    resolved = load_scenario(ROOT / "scenarios" / "paper_b" / f"{name}.yaml")
    seven = next(g for g in resolved.scenario.agents if g.edge_model == "qwen2.5-7b")
    assert {k: v for k, v in seven.payload_bytes.items() if k != "scout@0.5"} == \
        {"bf16": 9_700_000, "int8": 4_700_000, "mixed_int4": 2_600_000, "int4": 2_300_000}
