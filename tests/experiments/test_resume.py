"""A sweep killed midway (SIGKILL, no chance to clean up) resumes: finished points are kept
untouched, the rest run, and the table has exactly one row per point, scope and metric,
equal to that of an uninterrupted sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd

from tests.experiments.conftest import REPO, cli

GRID = ["--grid", "uplinks.0.channel.mbps=15,30,45,60", "--grid", "agents.1.deadline_s=3,5"]
POINTS = 8


def finished(points_dir):
    if not points_dir.is_dir():
        return []
    return sorted(d.name for d in points_dir.iterdir() if not d.name.startswith(".") and (d / "point.json").is_file())


def test_killed_sweep_resumes_without_loss_or_duplicates(small_scenario, tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "scoutsim", "sweep", str(small_scenario), *GRID, "--duration", "200",
            "--out", str(out), "--no-progress"]
    proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while len(finished(out / "points")) < 2:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "no point finished in time"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and any worker it started
        proc.wait()
    before = finished(out / "points")
    assert 2 <= len(before) < POINTS, before
    assert not (out / "summary.parquet").exists()
    stamps = {p: (out / "points" / p / "requests.parquet").stat().st_mtime_ns for p in before}

    p = cli("sweep", str(small_scenario), *GRID, "--duration", "200", "--out", str(out), "--no-progress")
    assert p.returncode == 0, p.stderr
    assert f"{POINTS - len(before)} points run, {len(before)} already finished" in p.stdout
    assert finished(out / "points") == [f"p{i:04d}" for i in range(POINTS)]
    assert not [d for d in (out / "points").iterdir() if d.name.startswith(".")]  # no leftovers
    for pid, stamp in stamps.items():  # finished points were not redone
        assert (out / "points" / pid / "requests.parquet").stat().st_mtime_ns == stamp
    s = pd.read_parquet(out / "summary.parquet")
    counts = s.groupby(["point", "scope", "metric"]).size()
    assert (counts == 1).all() and s["point"].nunique() == POINTS

    whole = cli("sweep", str(small_scenario), *GRID, "--duration", "200", "--out", str(tmp_path / "whole"),
                "--no-progress")
    assert whole.returncode == 0, whole.stderr
    pd.testing.assert_frame_equal(s, pd.read_parquet(tmp_path / "whole" / "summary.parquet"), check_exact=True)


def test_a_different_sweep_in_the_same_directory_is_refused(small_scenario, tmp_path):
    out = tmp_path / "one"
    assert cli("sweep", str(small_scenario), "--grid", "agents.0.count=1,2", "--replications", "2",
               "--duration", "10", "--out", str(out), "--no-progress").returncode == 0
    listing = sorted(p.name for p in (out / "points").iterdir())
    p = cli("sweep", str(small_scenario), "--grid", "agents.0.count=1,3", "--replications", "2",
            "--duration", "10", "--out", str(out), "--no-progress")
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0 and "holds a different sweep" in p.stderr
    assert sorted(p.name for p in (out / "points").iterdir()) == listing
