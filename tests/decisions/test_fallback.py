"""+fallback: a KV transfer that can no longer be on time is stopped at the last instant its
fallback can still make the deadline (hand-worked), and the request answers locally."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from scoutsim.oraclecache import OracleCache, file_sha256
from scoutsim.sim.fallback import GUARD
from tests.conftest import ROOT, small_scenario
from tests.decisions.helpers import run

ORACLE = OracleCache(ROOT / "oracle_cache" / "published-squad-v2")
# Published timings of Qwen2.5-7B (one length, 170 tokens), x edge_slowdown 8.
PREFILL = ORACLE.seconds("qwen2.5-7b", "prefill", 170) * 8  # 0.018 x 8 = 0.144 s
DECODE = ORACLE.seconds("qwen2.5-7b", "decode_token", 0) * 8  # 0.008514 x 8 s per token
BF16_BYTES = 2 * 28 * 4 * 170 * 128 * 2 + 64  # K and V, 28 layers, 4 KV heads, head_dim 128, + header


def one_request(policy: str, mbps: float):
    """One Qwen2.5-7B request at t = 0, 170 tokens, whole answers of 21 tokens, 5 s deadline."""
    data = small_scenario(
        duration_s=50, replications=1, deadline_on="answer",
        uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": mbps}, "allocator": "equal",
                  "latency_ms": 20}])
    data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 100, "offset_s": 0},
                             context_tokens=170, answer_tokens=21, policy=policy, modes=["local"])
    return run(data).iloc[0]


def test_fallback_triggers_at_the_hand_worked_instant():
    assert PREFILL == pytest.approx(0.144)
    tail = 20 * DECODE  # local's answer: 20 more decode steps at the edge = 1.36224 s
    assert tail == pytest.approx(20 * 0.008514 * 8, rel=1e-3)
    # bf16 starts after the edge prefill (0.144 s) at 10 Mbps = 1.25 MB/s: alone it would
    # need 9,748,544 / 1.25e6 = 7.8 s, far past the 5 s deadline. The local fallback takes
    # `tail`, so the last instant it fits is t* = 5 - tail (- a 1 us guard) = 3.63776 s.
    t_star = 5.0 - tail - GUARD
    row = one_request("static:bf16+fallback", 10)
    assert row["mode"] == "bf16" and row["fallback"] == "local"
    assert row["tx_start_s"] == pytest.approx(PREFILL, abs=1e-12)
    assert row["tx_end_s"] == pytest.approx(t_star, abs=1e-9)
    # Bytes sent by then: 1.25e6 x (3.63776 - 0.144) = 4,367,200 (less the guard's 1.25 bytes).
    sent = 1.25e6 * (t_star - PREFILL)
    assert row["wasted_bytes"] == round(sent)
    assert row["payload_bytes"] == round(sent)
    # (the table's decode time, 0.008514 s, is rounded to 6 places: +-100 bytes)
    assert row["wasted_bytes"] == pytest.approx(4_367_200, abs=150)
    # The fallback's own completion: t* + tail = 5 s - 1 us: on time, scored as local.
    assert row["done_s"] == pytest.approx(5.0 - GUARD, abs=1e-9)
    assert row["met_deadline"]
    assert row["f1"] == pytest.approx(ORACLE.draws("qwen2.5-7b", "qwen2.5-14b", "local").mean)


def test_a_transfer_that_will_make_it_is_left_alone():
    # 1000 Mbps: bf16 needs 0.078 s on the link and is done long before t*.
    row = one_request("static:bf16+fallback", 1000)
    assert row["fallback"] == "" and row["wasted_bytes"] == 0
    assert row["payload_bytes"] == BF16_BYTES
    # Without +fallback, at 10 Mbps the request misses and the columns do not exist.
    plain = one_request("static:bf16", 10)
    assert not plain["met_deadline"] and "fallback" not in plain.index
    assert plain["tx_end_s"] == pytest.approx(PREFILL + BF16_BYTES / 1.25e6, abs=1e-9)


def test_fallback_needs_a_cheaper_mode():
    from scoutsim.errors import UserError
    from scoutsim.config.loader import scenario_from_dict

    data = small_scenario()
    data["agents"][0].update(policy="adaptive+fallback", modes=["bf16", "int8"])
    with pytest.raises(UserError, match="fall back"):
        scenario_from_dict(data, source="<test>", base_dir=ROOT)


def weaker_local_cache(directory: Path) -> Path:
    """The published cache with Qwen2.5-7B's local answer at the study's own 0.582 (its
    'local 75 %'), below int8's 0.771: an edge whose local answer is worse than its KV cache
    answered in the cloud (e.g. a smaller local model), where upgrading is worth a try."""
    src = ROOT / "oracle_cache" / "published-squad-v2"
    out = directory / "weaker-local"
    shutil.copytree(src, out)
    q = pd.read_parquet(out / "quality.parquet")
    q.loc[(q["edge_model"] == "qwen2.5-7b") & (q["mode"] == "local"), "f1"] = 0.582
    q.to_parquet(out / "quality.parquet", index=False)
    meta = json.loads((out / "meta.json").read_text())
    meta["files"]["quality.parquet"] = file_sha256(out / "quality.parquet")
    (out / "meta.json").write_text(json.dumps(meta))
    return out


def test_adaptive_fallback_tries_a_kv_mode_its_fallback_insures(tmp_path):
    # First-token deadline 3 s, 10 Mbps (1.25 MB/s, also the estimate's prior: the whole link
    # for one device). int8 (4,950,464 B) would need ~4 s on the link, so plain adaptive takes
    # local (F1 0.582 in this cache, on time). With +fallback, local still fits as int8's
    # fallback (it needs nothing more than the prefill already done), so the request tries
    # int8: it starts after prefill + quantize = 0.144 + 8 x 0.0014583 = 0.155667 s, and at
    # t* = 3 s - 1 us it would still need ~1.2 s: it is stopped and local answers at t*.
    oracle = str(weaker_local_cache(tmp_path))

    def request(policy):
        data = small_scenario(duration_s=50, replications=1, oracle=oracle,
                              uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 10},
                                        "allocator": "equal", "latency_ms": 20}])
        data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 100, "offset_s": 0},
                                 context_tokens=170, deadline_s=3.0, policy=policy, modes=["int8", "local"])
        return run(data).iloc[0]

    plain = request("adaptive")
    assert plain["mode"] == "local" and plain["met_deadline"]
    row = request("adaptive+fallback")
    start = PREFILL + 8 * ORACLE.seconds("qwen2.5-7b", "quantize", 170)
    assert start == pytest.approx(0.155667, abs=1e-6)
    assert row["mode"] == "int8" and row["fallback"] == "local"
    assert row["tx_start_s"] == pytest.approx(start, abs=1e-12)
    assert row["tx_end_s"] == pytest.approx(3.0 - GUARD, abs=1e-9)
    assert row["wasted_bytes"] == round(1.25e6 * (3.0 - GUARD - start))
    assert row["done_s"] == pytest.approx(3.0 - GUARD, abs=1e-9) and row["met_deadline"]
    assert row["f1"] == plain["f1"]
