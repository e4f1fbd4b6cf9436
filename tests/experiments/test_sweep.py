"""Sweeps: the tidy table against hand computation, common random numbers, paired CIs,
identical results from the local pool and a local Ray instance, and the CLI's output."""

from __future__ import annotations

import math
import os
import select
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scoutsim.experiments.sweep import run_sweep
from tests.experiments.conftest import GRID, cli

KEYS = ["uplinks.0.channel.mbps", "uplinks.0.allocator"]


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory):
    from tests.experiments.conftest import SMALL

    d = tmp_path_factory.mktemp("local")
    (d / "small_grid.yaml").write_text(SMALL)
    result = run_sweep(d / "small_grid.yaml", GRID, d / "sweep", executor="local", workers=2, progress=False)
    return d, result


def t_ci(values):
    v = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v))
    return v.mean(), half


def test_one_row_per_point_scope_metric_with_grid_columns(local_sweep):
    _, r = local_sweep
    s = r.summary
    assert sorted(s["point"].unique()) == [f"p{i:04d}" for i in range(6)]
    assert not s.duplicated(["point", "scope", "metric"]).any()
    # 3 scopes (q7, q14, all) x the same metrics at every point
    per_point = s.groupby("point").size()
    assert per_point.nunique() == 1 and per_point.iloc[0] % 3 == 0
    grid = s.drop_duplicates("point")[["point", *KEYS]].set_index("point")
    assert list(grid.loc["p0000"]) == [20, "equal"] and list(grid.loc["p0005"]) == [60, "quality_max"]
    assert (s["replications"] == 5).all()


def test_summary_matches_a_hand_computed_t_interval(local_sweep):
    d, r = local_sweep
    for pid in ("p0001", "p0003"):
        req = pd.read_parquet(d / "sweep" / "points" / pid / "requests.parquet")
        per_rep = req.groupby("replication")["met_deadline"].mean().reindex(range(5))
        mean, half = t_ci(per_rep)
        row = r.summary.query("point == @pid and scope == 'all' and metric == 'deadline_compliance'").iloc[0]
        assert row["mean"] == pytest.approx(mean, abs=1e-12)
        assert row["ci95_half"] == pytest.approx(half, abs=1e-12)
        assert row["ci95_low"] == pytest.approx(mean - half, abs=1e-12)


def test_common_random_numbers_and_paired_interval(local_sweep):
    d, r = local_sweep
    a = pd.read_parquet(d / "sweep" / "points" / "p0000" / "requests.parquet")  # 20 Mbps, equal
    b = pd.read_parquet(d / "sweep" / "points" / "p0004" / "requests.parquet")  # 60 Mbps, model_aware
    key = ["replication", "agent", "request"]
    merged = a[key + ["arrival_s", "sample_id"]].merge(b[key + ["arrival_s", "sample_id"]], on=key)
    assert len(merged) == len(a) == len(b)  # same arrivals everywhere: the same seed, the same world
    assert (merged["arrival_s_x"] == merged["arrival_s_y"]).all()
    # The paired CI of model_aware - equal at 20 Mbps, recomputed from the two points' requests.
    base = pd.read_parquet(d / "sweep" / "points" / "p0000" / "requests.parquet")
    other = pd.read_parquet(d / "sweep" / "points" / "p0001" / "requests.parquet")
    diff = (other.groupby("replication")["met_deadline"].mean() - base.groupby("replication")["met_deadline"].mean())
    mean, half = t_ci(diff)
    row = r.paired.query("key == 'uplinks.0.allocator' and value == 'model_aware' and group == -1 "
                         "and metric == 'deadline_compliance' and `uplinks.0.channel.mbps` == 20").iloc[0]
    assert row["baseline"] == "equal"
    assert row["mean"] == pytest.approx(mean, abs=1e-12)
    assert row["ci95_half"] == pytest.approx(half, abs=1e-12)
    # Two compared values (model_aware, quality_max) x two bandwidths, each over every scope/metric.
    assert set(r.paired["value"]) == {"model_aware", "quality_max"}


def test_ray_executor_gives_the_identical_tables(local_sweep, tmp_path):
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'scoutsim[distributed]')")
    d, local = local_sweep
    assert not ray.is_initialized()
    result = run_sweep(d / "small_grid.yaml", GRID, tmp_path / "ray", executor="ray", workers=2, progress=False)
    assert not ray.is_initialized()  # the instance it started was shut down
    pd.testing.assert_frame_equal(result.summary, local.summary, check_exact=True)
    pd.testing.assert_frame_equal(result.paired, local.paired, check_exact=True)
    for pid in ("p0000", "p0005"):
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ray" / "points" / pid / "requests.parquet"),
                                      pd.read_parquet(d / "sweep" / "points" / pid / "requests.parquet"))


CLUSTER = """
import sys, ray
ctx = ray.init(num_cpus=2, include_dashboard=False)
print(ctx.address_info["address"], flush=True)
sys.stdin.read()  # hold the cluster until the test closes stdin
ray.shutdown()
"""


def test_ray_cluster_by_address_gives_the_identical_tables(local_sweep, tmp_path):
    pytest.importorskip("ray", reason="ray is not installed (pip install 'scoutsim[distributed]')")
    d, local = local_sweep
    # A cluster started by another process, reached through ray.init(address=...). Token
    # authentication is off: both ends are this machine's own processes.
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    head = subprocess.Popen([sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        ready, _, _ = select.select([head.stdout], [], [], 120)
        assert ready, "the Ray head did not start"
        address = head.stdout.readline().strip()
        p = cli("sweep", str(d / "small_grid.yaml"), *sum((["--grid", g] for g in GRID), []), "--executor", "ray",
                "--ray-address", address, "--out", str(tmp_path / "cluster"), "--no-progress", env=env)
        assert p.returncode == 0, p.stderr
    finally:
        head.stdin.close()
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            head.kill()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "cluster" / "summary.parquet"), local.summary,
                                  check_exact=True)


def test_progress_bar_counts_points_and_time_left(small_scenario, tmp_path, monkeypatch):
    import io

    from scoutsim.commands import progress

    monkeypatch.setattr(progress, "DELAY_S", 0.0)  # drawn at once (a real sweep waits 3 s)
    # Redrawn at every point: by default tqdm redraws at most every 0.1 s, which these two
    # points, a few hundredths of a second each, may both finish within.
    monkeypatch.setattr(progress, "MININTERVAL_S", 0.0)
    stream = io.StringIO()
    run_sweep(small_scenario, ["agents.0.deadline_s=2,5"], tmp_path / "bar", overrides={"replications": 2,
              "duration_s": 20}, stream=stream)
    text = stream.getvalue()
    # tqdm's bar: "points: 100%|###| 2/2 [elapsed<left, rate]", one frame per point.
    assert "0/2" in text and "1/2" in text and "2/2" in text and "<" in text and "points" in text


def test_cli_sweep_prints_table(small_scenario, tmp_path):
    out = tmp_path / "cli"
    p = cli("sweep", str(small_scenario), "--grid", "agents.0.deadline_s=2,5", "--replications", "2",
            "--duration", "20", "--out", str(out), "--paired", "agents.0.deadline_s")
    assert p.returncode == 0, p.stderr
    paired = pd.read_parquet(out / "paired.parquet")
    assert set(paired["key"]) == {"agents.0.deadline_s"} and set(paired["baseline"]) == {2}
    assert "Traceback" not in p.stderr  # a sweep of a second shows no bar: tqdm waits 3 s
    assert "agents.0.deadline_s=2" in p.stdout and "deadline_compliance" in p.stdout
    s = pd.read_parquet(out / "summary.parquet")
    assert sorted(s["agents.0.deadline_s"].unique()) == [2, 5]
    again = cli("sweep", str(small_scenario), "--grid", "agents.0.deadline_s=2,5", "--replications", "2",
                "--duration", "20", "--out", str(out), "--no-progress")
    assert again.returncode == 0 and "0 points run, 2 already finished" in again.stdout
    pd.testing.assert_frame_equal(pd.read_parquet(out / "summary.parquet"), s)
