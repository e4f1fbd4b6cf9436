"""The trace_pool channel: run selection, offsets, scaling and the phone -> cell model."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pydantic
import pytest

from scoutsim.network.channels.trace_pool import TracePoolChannel
from scoutsim.errors import UserError


def _csv(path: Path, times, mbps) -> str:
    path.write_text("time_s,mbps\n" + "".join(f"{t},{x}\n" for t, x in zip(times, mbps)))
    return path.name


def _config(**kw):
    return TracePoolChannel.Config.model_validate({"kind": "trace_pool", **kw})


def _take(channel, until: float):
    return list(itertools.takewhile(lambda c: c[0] < until, channel.changes()))


def test_single_run_scaled_and_time_scaled(tmp_path):
    name = _csv(tmp_path / "a.csv", [0, 1, 2], [10, 20, 30])
    cfg = _config(runs=[name], random_offset=False, scale=2.0, time_scale=3.0)
    ch = TracePoolChannel.from_config(cfg, tmp_path, np.random.default_rng(0))
    # Each sample lasts 3 s, capacities doubled; the 9-s trace loops.
    assert _take(ch, 12) == [(0.0, 20.0), (3.0, 40.0), (6.0, 60.0), (9.0, 20.0)]
    assert ch.mean_mbps() == pytest.approx(40.0)


def test_per_device_mean_is_the_time_shared_cell_capacity(tmp_path):
    a = _csv(tmp_path / "a.csv", [0, 1, 2, 3], [10, 10, 50, 50])
    b = _csv(tmp_path / "b.csv", [0, 1, 2, 3], [30, 70, 70, 30])
    cfg = _config(runs=[a, b], per="device", devices=2, random_offset=False)
    ch = TracePoolChannel.from_config(cfg, tmp_path, np.random.default_rng(1))
    # Both runs are used (one per device); C(t) = mean of the two at every instant.
    assert sorted(d.path.name for d in ch.draws) == ["a.csv", "b.csv"]
    assert _take(ch, 4) == [(0.0, 20.0), (1.0, 40.0), (2.0, 60.0), (3.0, 40.0)]
    summed = TracePoolChannel.from_config(_config(runs=[a, b], per="device", devices=2,
                                                  random_offset=False, combine="sum"),
                                          tmp_path, np.random.default_rng(1))
    assert _take(summed, 4) == [(0.0, 40.0), (1.0, 80.0), (2.0, 120.0), (3.0, 80.0)]


def test_per_replication_draws_differ_and_repeat_with_the_seed(tmp_path):
    names = [_csv(tmp_path / f"r{i}.csv", [0, 1], [i + 1, i + 2]) for i in range(5)]
    cfg = _config(runs=names)

    def draw(seed):
        ch = TracePoolChannel.from_config(cfg, tmp_path, np.random.default_rng(seed))
        return ch.draws[0].path.name, ch.draws[0].offset_s

    assert draw(3) == draw(3)
    picks = {draw(s)[0] for s in range(40)}
    assert len(picks) == 5  # every run is reachable
    offsets = [draw(s)[1] for s in range(40)]
    assert all(0 <= o < 2.0 for o in offsets) and len(set(offsets)) == 40


def test_random_offset_starts_inside_the_trace(tmp_path):
    name = _csv(tmp_path / "a.csv", np.arange(100), np.arange(100) + 1.0)
    ch = TracePoolChannel.from_config(_config(runs=[name]), tmp_path, np.random.default_rng(9))
    offset = ch.draws[0].offset_s
    first = next(ch.changes())
    assert first == (0.0, float(int(offset) + 1))


def test_glob_pool_and_too_few_runs_without_offsets(tmp_path):
    for i in range(2):
        _csv(tmp_path / f"u{i}.csv", [0, 1], [1, 2])
    cfg = _config(runs=["u*.csv"], per="device", devices=3, random_offset=False)
    with pytest.raises(UserError, match="identical"):
        TracePoolChannel.from_config(cfg, tmp_path, np.random.default_rng(0))
    ok = TracePoolChannel.from_config(_config(runs=["u*.csv"], per="device", devices=3),
                                      tmp_path, np.random.default_rng(0))
    assert len(ok.draws) == 3


def test_missing_real_trace_names_the_exact_import_command(tmp_path, monkeypatch):
    # Paths in a scenario are relative to its folder; the command is for the user's shell.
    monkeypatch.chdir(tmp_path)
    cfg = _config(runs=[{"path": "../traces/real/umn_run69.csv", "format": "umn",
                         "source": "../DATA/umn-sigcomm21-5g-wild-uplink/merged-logs/S20UPM-run69.csv"}])
    with pytest.raises(UserError) as info:
        TracePoolChannel.check(cfg, tmp_path / "scenarios")
    assert ("python -m scoutsim traces import umn DATA/umn-sigcomm21-5g-wild-uplink/"
            "merged-logs/S20UPM-run69.csv --out traces/real/umn_run69.csv") in str(info.value)
    assert "channel.runs[0]" in str(info.value)


def test_config_validation():
    with pytest.raises(pydantic.ValidationError, match="devices"):
        _config(runs=["a.csv"], per="device")
    with pytest.raises(pydantic.ValidationError, match="unknown trace format"):
        _config(runs=[{"path": "a.csv", "format": "csv", "source": "x"}])
    with pytest.raises(pydantic.ValidationError, match="both format and source"):
        _config(runs=[{"path": "a.csv", "format": "umn"}])
    with pytest.raises(pydantic.ValidationError, match=r"colour\n\s+Extra inputs are not permitted"):
        _config(runs=["a.csv"], colour="red")
