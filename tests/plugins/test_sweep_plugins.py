"""Plug-ins in sweeps: local workers started by spawn, and Ray, where a worker killed in the
middle of a point is replaced and the sweep still has every point exactly once."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.plugins.conftest import EXAMPLE_PACKAGE, EXAMPLE_SCENARIO, cli

GRID = ("--grid", "uplinks.0.channel.high_mbps=100,200", "--grid", "agents.1.policy=adaptive,good_enough:0.7")
SMALL = ("--replications", "2", "--duration", "30", "--no-progress")


def _points(out) -> list[str]:
    return sorted(p.name for p in (out / "points").iterdir())


def test_sweep_with_plugin_under_spawn_equals_one_worker(tmp_path):
    one = cli("sweep", str(EXAMPLE_SCENARIO), *GRID, *SMALL, "--plugin", str(EXAMPLE_PACKAGE), "--out", str(tmp_path / "a"))
    assert one.returncode == 0, one.stderr
    two = cli("sweep", str(EXAMPLE_SCENARIO), *GRID, *SMALL, "--plugin", str(EXAMPLE_PACKAGE), "--out", str(tmp_path / "b"),
              "--workers", "2", "--start-method", "spawn")
    assert two.returncode == 0, two.stderr
    assert _points(tmp_path / "a") == _points(tmp_path / "b") == ["p0000", "p0001", "p0002", "p0003"]
    for p in _points(tmp_path / "a"):
        for f in ("requests.parquet", "summary.csv"):
            assert (tmp_path / "a" / "points" / p / f).read_bytes() == (tmp_path / "b" / "points" / p / f).read_bytes()


KILLER = '''
import os
import sys
from pathlib import Path

from scoutsim.decisions.allocators import ALLOCATORS, Equal

MARK = Path({mark!r})


def in_ray_worker() -> bool:
    if "ray" not in sys.modules:
        return False
    from ray._private.worker import WORKER_MODE, global_worker

    return global_worker.mode == WORKER_MODE


@ALLOCATORS.register("dies_once")
class DiesOnce(Equal):
    """Equal weights; the first Ray worker to plan a replication dies on the spot, as a killed
    or out-of-memory worker does; once in the whole sweep."""

    def weights(self, demands, mean_capacity):
        if in_ray_worker() and not MARK.exists():
            MARK.write_text(str(os.getpid()))
            os._exit(1)
        return super().weights(demands, mean_capacity)
'''


@pytest.mark.timeout(400)
def test_ray_worker_killed_mid_point_every_point_once(tmp_path):
    pytest.importorskip("ray")
    mark = tmp_path / "killed"
    killer = tmp_path / "dies_once_rule.py"
    killer.write_text(KILLER.format(mark=str(mark)))
    grid = ("--grid", "uplinks.0.channel.high_mbps=100,200", "--grid", "uplinks.0.allocator=dies_once")
    plugins = ("--plugin", str(EXAMPLE_PACKAGE), "--plugin", str(killer))
    ray_run = cli("sweep", str(EXAMPLE_SCENARIO), *grid, *SMALL, *plugins, "--out", str(tmp_path / "ray"),
                  "--executor", "ray", "--workers", "2", timeout=360)
    assert ray_run.returncode == 0, ray_run.stderr
    assert mark.exists()  # a worker did die in the middle of a point
    local = cli("sweep", str(EXAMPLE_SCENARIO), *grid, *SMALL, *plugins, "--out", str(tmp_path / "local"))
    assert local.returncode == 0, local.stderr
    assert _points(tmp_path / "ray") == ["p0000", "p0001"]
    summary = pd.read_parquet(tmp_path / "ray" / "summary.parquet")
    per_point = summary.groupby("point").size()
    assert list(per_point.index) == ["p0000", "p0001"] and per_point.nunique() == 1  # each point once
    for p in ("p0000", "p0001"):
        assert (tmp_path / "ray" / "points" / p / "requests.parquet").read_bytes() == \
            (tmp_path / "local" / "points" / p / "requests.parquet").read_bytes()
        assert json.loads((tmp_path / "ray" / "points" / p / "point.json").read_text())["id"] == p
