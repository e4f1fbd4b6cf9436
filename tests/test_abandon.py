"""``abandon_at_deadline``: a request unfinished at its deadline is dropped there, a miss
with the bytes it had sent; the next round starts on a link free of it.

Hand-worked two-device case. A constant 10 Mbps uplink, ``reserved`` equal split: each
device owns 5 Mbps = 625,000 B/s whether the other sends or not. Both ask in rounds every
5 s (offset 0) with a 5 s deadline, 170-token contexts, no latency.

* Device A sends Qwen2.5-7B BF16 KV: 2 x 28 layers x 4 heads x 170 x 128 x 2 B = 9,748,480 B
  + a 64 B header = 9,748,544 B, i.e. 15.6 s on its slice: it cannot finish. Its transfer
  starts after the edge prefill ``e`` (the oracle's 7B prefill at 170 tokens, slowdown 1)
  and is stopped at the deadline, having sent 625,000 x (5 - e) bytes.
* Device B sends INT4: 2,437,120 B of 4-bit values + 76,160 B of FP16 scales + 64 B =
  2,513,344 B, 4.02 s on its own slice: on time in every round, whatever A does.
* Round k+1 of A starts at the instant round k's deadline ends; the drop comes first, so
  the oracle estimator sees A's whole slice (5 Mbps, not half of it) and round k+1 repeats
  round k exactly, shifted by 5 s.
Without abandonment A's requests pile up: the second shares A's slice with the first, and
the first finishes long after its deadline with every byte sent.
"""

from __future__ import annotations

import math

import numpy as np

from scoutsim.config import scenario_from_dict
from scoutsim.sim.runner import simulate
from tests.conftest import ROOT

SLICE = 10e6 / 8 / 2  # bytes per second: half of 10 Mbps
BF16 = 2 * 28 * 4 * 170 * 128 * 2 + 64
INT4 = 2 * 28 * 4 * 170 * 128 // 2 + 2 * 28 * 4 * 170 * 2 + 64


def scenario(abandon: bool) -> dict:
    agent = {"edge_model": "qwen2.5-7b", "cloud_model": "qwen2.5-14b", "uplink": "cell0",
             "arrival": {"kind": "periodic", "period_s": 5.0, "offset_s": 0}, "deadline_s": 5.0,
             "context_tokens": 170, "estimator": "oracle", "abandon_at_deadline": abandon}
    return {"name": "abandon", "seed": 1, "replications": 1, "duration_s": 20.0, "oracle": "published-squad-v2",
            "uplinks": [{"id": "cell0", "channel": {"kind": "constant", "mbps": 10}, "allocator": "equal",
                         "sharing": "reserved", "latency_ms": 0}],
            "cloud": {"gpus": 2},
            "agents": [{**agent, "name": "a", "policy": "static:bf16"},
                       {**agent, "name": "b", "policy": "static:int4"}]}


def test_dropped_at_the_deadline_with_the_bytes_sent_and_the_next_round_unaffected():
    resolved = scenario_from_dict(scenario(True), base_dir=ROOT)
    edge = resolved.oracle.seconds("qwen2.5-7b", "prefill", 170)
    df = simulate(resolved)
    a = df[df["agent"] == 0].sort_values("request")
    b = df[df["agent"] == 1].sort_values("request")
    assert list(a["arrival_s"]) == [0.0, 5.0, 10.0, 15.0]
    assert not a["met_deadline"].any() and not a["completed"].any()
    assert a["done_s"].isna().all() and a["tx_end_s"].isna().all()
    np.testing.assert_allclose(a["tx_start_s"], a["arrival_s"] + edge, rtol=0, atol=1e-12)
    # Bytes sent: the slice times the time on the link, 5 - e seconds, in every round.
    expected = SLICE * (5.0 - edge)
    assert BF16 > SLICE * 5.0  # it really cannot finish
    assert (a["payload_bytes"] == round(expected)).all()
    # The drop comes before the next round's arrival: the estimate is the whole slice.
    np.testing.assert_allclose(a["est_rate_mbps"], SLICE * 8 / 1e6, rtol=1e-12)
    # B owns its slice: 2,513,344 B take 4.02 s, on time every round.
    assert (b["payload_bytes"] == INT4).all() and b["met_deadline"].all()
    np.testing.assert_allclose(b["tx_end_s"] - b["tx_start_s"], INT4 / SLICE, rtol=1e-9)


def test_without_abandonment_the_backlog_grows():
    df = simulate(scenario_from_dict(scenario(False), base_dir=ROOT))
    a = df[df["agent"] == 0].sort_values("request")
    first = a.iloc[0]
    # Round 2 arrives with round 1 still sending: the oracle estimator gives it half the slice.
    assert math.isclose(a.iloc[1]["est_rate_mbps"], SLICE * 8 / 1e6 / 2, rel_tol=1e-12)
    assert first["completed"] and not first["met_deadline"]
    assert first["payload_bytes"] == BF16 and first["latency_s"] > 15.6
