"""End-to-end behaviour of the simulator on scenarios with known answers."""

from __future__ import annotations

import hashlib
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scoutsim.cli import main
from scoutsim.config import scenario_from_dict
from scoutsim.sim.records import CONTRACT_COLUMNS
from scoutsim.sim.runner import simulate
from tests.conftest import MAIN_SCENARIO, ROOT, small_scenario


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_byte_identical_requests(write_scenario, tmp_path):
    path = write_scenario(small_scenario(duration_s=120, replications=3))
    for name in ("a", "b"):
        assert main(["run", str(path), "--out", str(tmp_path / name), "--no-plots"]) == 0
    assert sha(tmp_path / "a" / "requests.parquet") == sha(tmp_path / "b" / "requests.parquet")
    assert main(["run", str(path), "--out", str(tmp_path / "c"), "--no-plots", "--seed", "4"]) == 0
    assert sha(tmp_path / "a" / "requests.parquet") != sha(tmp_path / "c" / "requests.parquet")


def test_policies_and_allocators_see_the_same_arrivals_and_questions():
    markov = {"kind": "markov", "states_mbps": [5, 10, 25, 50, 100, 200], "step_s": 1.0}
    frames = []
    for policy, allocator in [("adaptive", "equal"), ("static:int4", "model_aware"), ("static:local", "quality_max")]:
        data = small_scenario(duration_s=200, replications=2)
        data["uplinks"][0]["channel"] = markov
        data["uplinks"][0]["allocator"] = allocator
        data["agents"][0]["policy"] = policy
        frames.append(simulate(scenario_from_dict(data, base_dir=ROOT)))
    key = ["replication", "agent", "request"]
    for df in frames[1:]:
        a, b = frames[0].sort_values(key), df.sort_values(key)
        assert len(a) == len(b) > 100
        assert np.array_equal(a["arrival_s"].to_numpy(), b["arrival_s"].to_numpy())
        assert np.array_equal(a["sample_id"].to_numpy(), b["sample_id"].to_numpy())
    assert set(frames[1]["mode"]) == {"int4"} and set(frames[2]["mode"]) == {"local"}


def test_requests_table_has_contract_columns_in_order(write_scenario, tmp_path):
    path = write_scenario(small_scenario(duration_s=30, replications=1))
    assert main(["run", str(path), "--out", str(tmp_path / "o"), "--no-plots"]) == 0
    df = pd.read_parquet(tmp_path / "o" / "requests.parquet")
    assert tuple(df.columns[: len(CONTRACT_COLUMNS)]) == CONTRACT_COLUMNS
    local = df[df["mode"] == "local"]
    assert local["tx_start_s"].isna().all() and (local["payload_bytes"] == 0).all()
    sent = df[df["mode"] != "local"]
    assert (sent["tx_start_s"] >= sent["arrival_s"]).all() and (sent["tx_end_s"] > sent["tx_start_s"]).all()
    assert np.allclose(df["latency_s"], df["done_s"] - df["arrival_s"])
    assert (df["met_deadline"] == (df["latency_s"] <= df["deadline_s"])).all()
    for f in ("summary.csv", "scenario.yaml", "meta.json"):
        assert (tmp_path / "o" / f).is_file()


def test_single_request_latency_is_the_sum_of_its_parts():
    # One bf16 request alone on a 100 Mbps link. Published timings (RTX PRO 6000 class):
    # 7B prefill 18 ms at 170 tokens x edge slowdown 8; payload 9,748,544 B at 12.5 MB/s;
    # 20 ms latency; cloud decode step of the 7B = 2 x 7.62e9 B / 1.79e12 B/s.
    data = small_scenario(duration_s=10, replications=1)
    data["agents"][0].update(count=1, policy="static:bf16", arrival={"kind": "periodic", "period_s": 100,
                                                                      "offset_s": 1.0})
    df = simulate(scenario_from_dict(data, base_dir=ROOT))
    assert len(df) == 1
    r = df.iloc[0]
    edge = 0.018 * 8
    tx = 9_748_544 / 12.5e6
    cloud = 2 * 7.62e9 / 1.79e12
    assert r["tx_start_s"] == pytest.approx(1.0 + edge, abs=1e-9)
    assert r["tx_end_s"] == pytest.approx(1.0 + edge + tx, abs=1e-9)
    assert r["latency_s"] == pytest.approx(edge + tx + 0.020 + cloud, abs=1e-9)
    assert r["f1"] == pytest.approx(0.776)


def test_poisson_processor_sharing_matches_mg1_ps_theory():
    # Four agents, Poisson arrivals (1.25/s each: 5/s in all), every request sends the same
    # text payload over a constant link with equal weights: the link is an M/D/1-PS queue,
    # whose mean sojourn time is (S / C) / (1 - rho), rho = lambda S / C (insensitive to the
    # size distribution).
    data = small_scenario(duration_s=1500, replications=10)
    data["uplinks"][0].update(channel={"kind": "constant", "mbps": 8}, latency_ms=0)
    data["agents"][0].update(count=4, policy="static:text", context_tokens=20000,
                             arrival={"kind": "poisson", "rate_per_s": 1.25}, deadline_s=100)
    df = simulate(scenario_from_dict(data, base_dir=ROOT))
    size = df["payload_bytes"].iloc[0]
    assert (df["payload_bytes"] == size).all()
    capacity = 8e6 / 8
    rho = 5.0 * size / capacity
    assert 0.4 < rho < 0.6
    theory = (size / capacity) / (1 - rho)
    per_rep = (df["tx_end_s"] - df["tx_start_s"]).groupby(df["replication"]).mean().to_numpy()
    half = stats.t.ppf(0.975, len(per_rep) - 1) * per_rep.std(ddof=1) / math.sqrt(len(per_rep))
    assert abs(per_rep.mean() - theory) <= half, (per_rep.mean(), theory, half)
    assert half < 0.05 * theory  # the interval is tight enough to mean something


def test_reserved_slices_slow_a_lone_sender():
    # One active sender of two equal agents: under reserved sharing its transfer runs at half
    # the capacity whatever the other does.
    data = small_scenario(duration_s=20, replications=1)
    data["uplinks"][0].update(sharing="reserved", latency_ms=0)
    data["agents"] = [
        dict(data["agents"][0], count=1, policy="static:bf16", arrival={"kind": "periodic", "period_s": 100, "offset_s": 1}),
        dict(data["agents"][0], count=1, policy="static:local", arrival={"kind": "periodic", "period_s": 100, "offset_s": 1}),
    ]
    df = simulate(scenario_from_dict(data, base_dir=ROOT))
    sent = df[df["mode"] == "bf16"].iloc[0]
    assert sent["tx_end_s"] - sent["tx_start_s"] == pytest.approx(9_748_544 / 6.25e6, abs=1e-9)


def test_main_job_runs_twenty_replications_and_writes_every_output(tmp_path):
    # No wall-clock bound: on a shared machine it would measure the other users. Its speed is
    # what `python -m scoutsim bench main` reports; the timeout only stops a hang.
    proc = subprocess.run([sys.executable, "-m", "scoutsim", "run", str(MAIN_SCENARIO), "--out",
                           str(tmp_path / "main")], capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "20 replications" in proc.stdout and "on time" in proc.stdout and "±" in proc.stdout
    summary = pd.read_csv(tmp_path / "main" / "summary.csv")
    overall = summary[(summary["scope"] == "all") & (summary["metric"] == "deadline_compliance")].iloc[0]
    assert overall["replications"] == 20 and overall["ci95_low"] <= overall["mean"] <= overall["ci95_high"]
    for png in ("deadline_compliance.png", "latency_cdf.png", "modes_over_time.png"):
        assert (tmp_path / "main" / png).stat().st_size > 1000


def test_deadline_on_answer_adds_the_answer_decode_steps():
    # The published cache's mean answer is 5 tokens: 4 decode steps after the first token,
    # of the model that answers (the 7B for KV modes; the 7B on the edge, 8x slower, for local).
    decode7 = 2 * 7.62e9 / 1.79e12
    latencies = {}
    for on in ("first_token", "answer"):
        for policy in ("static:bf16", "static:local"):
            data = small_scenario(duration_s=10, replications=1, deadline_on=on)
            data["agents"][0].update(count=1, policy=policy,
                                     arrival={"kind": "periodic", "period_s": 100, "offset_s": 1.0})
            latencies[on, policy] = simulate(scenario_from_dict(data, base_dir=ROOT))["latency_s"].iloc[0]
    assert latencies["answer", "static:bf16"] - latencies["first_token", "static:bf16"] == pytest.approx(4 * decode7)
    assert latencies["answer", "static:local"] - latencies["first_token", "static:local"] == pytest.approx(
        4 * decode7 * 8.0)


def test_worker_processes_give_the_same_records():
    data = small_scenario(duration_s=60, replications=3)
    resolved = scenario_from_dict(data, base_dir=ROOT)
    pd.testing.assert_frame_equal(simulate(resolved, workers=1), simulate(resolved, workers=2))


def test_warmup_requests_are_recorded_but_not_summarised(write_scenario, tmp_path):
    data = small_scenario(duration_s=100, replications=2, warmup_s=50)
    data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 10, "offset_s": 5})
    assert main(["run", str(write_scenario(data)), "--out", str(tmp_path / "w"), "--no-plots"]) == 0
    df = pd.read_parquet(tmp_path / "w" / "requests.parquet")
    assert len(df) == 2 * 10  # arrivals at 5, 15, ..., 95 in each replication
    summary = pd.read_csv(tmp_path / "w" / "summary.csv")
    requests = summary[(summary["scope"] == "all") & (summary["metric"] == "requests")].iloc[0]
    assert requests["mean"] == 5  # 55, 65, 75, 85, 95


def test_break_even_bandwidth_per_mode():
    from scoutsim.sim.world import break_even_mbps

    data = small_scenario()
    data["agents"][0]["name"] = "q7"
    table = break_even_mbps(scenario_from_dict(data, base_dir=ROOT))["q7"]
    fixed = 0.018 * 8 + 0.020 + 2 * 7.62e9 / 1.79e12  # edge prefill, latency, cloud decode step
    assert table["bf16"] == pytest.approx(9_748_544 * 8 / (5.0 - fixed) / 1e6, rel=1e-6)
    assert table["local"] == 0.0


def test_measured_cache_scenario_scores_each_request_with_its_sample():
    from scoutsim.config import load_scenario
    from scoutsim.oraclecache import load_cache

    resolved = load_scenario(ROOT / "scenarios" / "measured_qwen_coder.yaml",
                             {"replications": 2, "duration_s": 120})
    df = simulate(resolved)
    cache = load_cache("qwen2.5-coder-0.5b-1.5b-squad-v2", ROOT)
    q = cache.quality[cache.quality["edge_model"] == "qwen2.5-coder-0.5b"].set_index(["mode", "sample_id"])
    assert len(df) > 20 and (df["sample_id"] >= 0).all()
    for _, r in df.iterrows():
        row = q.loc[(r["mode"], r["sample_id"])]
        assert r["f1"] == row["f1"] and r["context_tokens"] == row["context_tokens"]
