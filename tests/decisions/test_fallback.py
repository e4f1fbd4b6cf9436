"""+fallback: a KV transfer that can no longer be on time is stopped at the last instant its
fallback can still make the deadline (hand-worked), and the request answers locally."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from scoutsim.oraclecache import OracleCache, file_sha256
from scoutsim.sim.fallback import GUARD, Fallback
from tests.conftest import ROOT, small_scenario
from tests.decisions.helpers import behind_a_busy_cloud, run

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


def test_adaptive_fallback_stops_upgrading_when_its_upgrades_miss(tmp_path):
    # First-token deadline 3 s, 10 Mbps (1.25 MB/s, also the estimate's prior: the whole link
    # for one device), a request every 10 s. int8 (4,950,464 B) would need ~4 s on the link, so
    # plain adaptive takes local (F1 0.582 in this cache, on time). The first request tries
    # int8, insured by local (which needs nothing more than the prefill already done): it starts
    # after prefill + quantize = 0.144 + 8 x 0.0014583 = 0.155667 s, and at local's instant
    # t* = 3 s - 1 us it would still need ~1.2 s: it is stopped and local answers at t*. The
    # upgrade's record is then 0 on time of 1; the rate model gives int8 no chance either (with
    # fewer than five rate ratios recorded the prior factor 1/2 decides, and at 0.625 MB/s int8
    # would end at 8.08 s). P = (0 + 2 x 0) / (1 + 2) = 0 < 1/4: later requests send local.
    oracle = str(weaker_local_cache(tmp_path))

    def requests(policy):
        data = small_scenario(duration_s=25, replications=1, oracle=oracle,
                              uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 10},
                                        "allocator": "equal", "latency_ms": 20}])
        data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 10, "offset_s": 0},
                                 context_tokens=170, deadline_s=3.0, policy=policy, modes=["int8", "local"])
        return [row for _, row in run(data).iterrows()]

    plain = requests("adaptive")
    assert all(r["mode"] == "local" and r["met_deadline"] for r in plain)
    first, *later = requests("adaptive+fallback")
    start = PREFILL + 8 * ORACLE.seconds("qwen2.5-7b", "quantize", 170)
    assert start == pytest.approx(0.155667, abs=1e-6)
    assert first["mode"] == "int8" and first["fallback"] == "local"
    assert first["tx_start_s"] == pytest.approx(start, abs=1e-12)
    assert first["tx_end_s"] == pytest.approx(3.0 - GUARD, abs=1e-9)
    assert first["wasted_bytes"] == round(1.25e6 * (3.0 - GUARD - start))
    assert first["done_s"] == pytest.approx(3.0 - GUARD, abs=1e-9) and first["met_deadline"]
    assert start + 4_950_464 / (Fallback.PRIOR * 1.25e6) > 3.0
    assert len(later) == 2
    for row in later:  # the upgrade refused
        assert row["mode"] == "local" and row["fallback"] == "" and row["wasted_bytes"] == 0
        assert row["payload_bytes"] == 0 and row["met_deadline"] and row["f1"] == plain[0]["f1"]


def busy_edge():
    """Two bf16+fallback requests, at t = 0 and 1 s, on a 10 Mbps link (5 s deadlines)."""
    data = small_scenario(duration_s=1.5, replications=1, deadline_on="answer",
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 10},
                                    "allocator": "equal", "latency_ms": 20}])
    data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 1.0, "offset_s": 0},
                             context_tokens=170, answer_tokens=21, policy="static:bf16+fallback",
                             modes=["scout@0.5", "local"])
    return data


def test_a_fallback_that_would_wait_for_a_busy_edge_is_not_taken():
    # Two bf16 requests at t = 0 and 1 s on a 10 Mbps link, 5 s whole-answer deadlines, both
    # doomed (9.7 MB each). Request 0 falls back to local at t*_0 = 5 - tail - 1 us = 3.637764 s
    # (as in the first test) and its decode holds the edge until 5 s - 1 us. Request 1's local
    # fallback would have to start by t*_1 = 6 - tail - 1 us = 4.637764 s: the edge is busy
    # then, so that fallback is dropped from its plan (the old rule took it, waited for the
    # edge until 5 s and ended at 6.362 s, late). Request 1 falls back to scout@0.5 instead:
    # its Q2C selection needs the edge only after 5 s, and it is on time.
    first, second = (row for _, row in run(busy_edge()).iterrows())
    tail = 20 * DECODE
    assert first["fallback"] == "local" and first["tx_end_s"] == pytest.approx(5.0 - tail - GUARD, abs=1e-9)
    assert first["done_s"] == pytest.approx(5.0 - GUARD, abs=1e-9)
    assert 6.0 - tail - GUARD < first["done_s"]  # request 1's local could not start in time
    assert second["fallback"] == "scout@0.5" and second["met_deadline"]
    assert second["tx_end_s"] >= first["done_s"]  # stopped after the edge was free again
    assert second["f1"] == pytest.approx(ORACLE.draws("qwen2.5-7b", "qwen2.5-14b", "scout@0.5").mean)


def test_a_new_plan_leaves_no_check_of_the_old_one_to_run(monkeypatch):
    # As above: request 0's local fallback queues edge work, so request 1's checks are planned
    # again; the old plan's queued timeouts are detached (and a sent transfer's too), so every
    # check that runs belongs to a transfer still watched, by its current plan.
    ran, replanned = [], []
    check, replan = Fallback._check, Fallback.replan

    def counted_check(self, r, done, k, last):
        ran.append(id(done) in self._watched)
        check(self, r, done, k, last)

    def counted_replan(self, now):
        replanned.append(len(self._watched))
        replan(self, now)

    monkeypatch.setattr(Fallback, "_check", counted_check)
    monkeypatch.setattr(Fallback, "replan", counted_replan)
    first, second = (row for _, row in run(busy_edge()).iterrows())
    assert first["fallback"] == "local" and second["fallback"] == "scout@0.5"
    assert any(replanned) and ran and all(ran)


def queued_cloud(aware):
    """Device b sends text at t = 0 whose 400-token answer holds the only cloud GPU; device a
    sends bf16 at 0.5 s (20 Mbps link, 5 s whole-answer deadline) with local as fallback."""
    return behind_a_busy_cloud(policy="static:bf16+fallback", modes=["local"], cloud_aware=aware)


def test_a_known_cloud_queue_makes_a_transfer_fall_back():
    # a's bf16 (9,748,544 B from 0.644 s at 2.5 MB/s) is sent by 4.543 s and reaches the
    # cloud at 4.563 s, on time for its 5.5 s deadline as far as the link goes; but b's answer
    # holds the GPU until b is done. Told the queue (cloud_aware: exact), the check at local's
    # instant t* = 5.5 - tail - 1 us sees the KV answer late and falls back; not told, the
    # transfer goes on and the answer waits for the GPU.
    b, told = queued_cloud("exact")
    tail = 20 * DECODE
    assert b["done_s"] > 5.5  # b's answer holds the GPU past a's deadline
    assert told["fallback"] == "local" and told["met_deadline"]
    assert told["tx_end_s"] == pytest.approx(5.5 - tail - GUARD, abs=1e-9)
    _, blind = queued_cloud(False)
    assert blind["fallback"] == "" and not blind["met_deadline"]
    assert blind["tx_end_s"] == pytest.approx(0.644 + BF16_BYTES / 2.5e6, abs=1e-9)
    assert blind["done_s"] > b["done_s"]  # it waited for b's job


def test_the_margin_is_the_devices_own_low_quantile_of_rate_ratios():
    fb = Fallback(agent=None, fallback_indices=[])
    for ratio in (0.9, 1.1, 0.8, 1.0):
        fb.record(ratio)
    assert fb.factor() == Fallback.PRIOR  # four ratios: not enough, the prior half
    for ratio in (0.5 + 0.05 * i for i in range(1, 21)):  # 0.55 ... 1.50: only the last 20 are kept
        fb.record(ratio)
    # 10 % of 20 ratios may fall below the factor: the third smallest, 0.65.
    assert fb.factor() == pytest.approx(0.65)
    for ratio in [3.0] * 20:
        fb.record(ratio)
    assert fb.factor() == 1.0  # never planned faster than the estimate
    for ratio in [0.01] * 20:
        fb.record(ratio)
    assert fb.factor() == Fallback.FLOOR  # nor slower than half of it
