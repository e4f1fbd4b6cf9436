"""A replication too large to hold spills its records to disk by agent range
(scoutsim/sim/spill.py): the records, the written files and the summary are exactly those of
a replication held whole, and nothing is left in the temporary directory."""

from __future__ import annotations

import pandas as pd
import pytest

from scoutsim.cli import main
from scoutsim.config import load_scenario
from scoutsim.sim import records, spill
from scoutsim.sim.world import World
from tests.conftest import MAIN_SCENARIO


def spill_dirs(tmp):
    return sorted(p for p in tmp.iterdir() if p.name.startswith("scoutsim-records-"))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """Spills go to this test's own temporary directory, where leftovers can be counted."""
    base = tmp_path / "tmp"
    base.mkdir()
    monkeypatch.setattr(spill.tempfile, "tempdir", str(base))
    return base


def test_spilled_records_equal_the_whole_replication(monkeypatch, private_tmp):
    resolved = load_scenario(MAIN_SCENARIO, overrides={"duration_s": 300})
    whole = World(resolved, 1).run()
    monkeypatch.setattr(records, "SPILL_ROWS", 37)  # about 13 spills of 470 requests
    world = World(resolved, 1)
    parts = list(world.run_parts())
    assert len(whole) > 10 * 37
    # 8 agents in 64 agent ranges: one agent a part, in agent order.
    assert [p["agent"].unique().tolist() for p in parts] == [[a] for a in range(8)]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole, check_exact=True)
    assert spill_dirs(private_tmp) == []


def test_a_consumer_that_stops_early_leaves_nothing(monkeypatch, private_tmp):
    monkeypatch.setattr(records, "SPILL_ROWS", 50)
    world = World(load_scenario(MAIN_SCENARIO, overrides={"duration_s": 300}), 0)
    parts = world.run_parts()
    next(parts)
    assert len(spill_dirs(private_tmp)) == 1  # the other agents' pieces wait on disk
    parts.close()
    assert spill_dirs(private_tmp) == []


def test_run_outputs_are_byte_identical_when_records_spill(tmp_path, monkeypatch, private_tmp):
    args = ["run", str(MAIN_SCENARIO), "--replications", "3", "--duration", "300", "--no-plots", "--no-progress"]
    assert main(args + ["--out", str(tmp_path / "held")]) == 0
    monkeypatch.setattr(records, "SPILL_ROWS", 64)
    assert main(args + ["--out", str(tmp_path / "spilled")]) == 0
    # Workers return their replications whole and never spill (a worker ended from
    # outside could not remove its directory).
    assert main(args + ["--out", str(tmp_path / "workers"), "--workers", "2", "--start-method", "fork"]) == 0
    for name in ("requests.parquet", "summary.csv"):
        held = (tmp_path / "held" / name).read_bytes()
        assert held == (tmp_path / "spilled" / name).read_bytes(), name
        assert held == (tmp_path / "workers" / name).read_bytes(), name
    assert spill_dirs(private_tmp) == []
