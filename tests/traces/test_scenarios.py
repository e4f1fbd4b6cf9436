"""Scenarios that replay traces: the shipped synthetic ones run; the real one says how to import."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import scoutsim.network.channels.trace_pool  # noqa: F401  (registers the trace_pool kind)
from scoutsim.cli import main
from tests.traces.conftest import REPO

SCENARIOS = REPO / "scenarios"


@pytest.mark.parametrize("name", ["synthetic_5g_uplink", "synthetic_5g_per_device"])
def test_synthetic_trace_scenarios_run(name, tmp_path, capsys):
    out = tmp_path / name
    assert main(["run", str(SCENARIOS / f"{name}.yaml"), "--replications", "2",
                 "--duration", "120", "--no-plots", "--out", str(out)]) == 0
    requests = pd.read_parquet(out / "requests.parquet")
    assert set(requests["replication"]) == {0, 1} and len(requests) > 0


def test_real_trace_scenario_without_imports_names_each_command(tmp_path, monkeypatch, capsys):
    (tmp_path / "scenarios").mkdir()
    shutil.copy(SCENARIOS / "umn_uplink.yaml", tmp_path / "scenarios" / "umn_uplink.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "scenarios/umn_uplink.yaml", "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("scoutsim: error: scenarios/umn_uplink.yaml")
    for run, source in (("69", "S20UPM-run69"), ("196", "S20UPM-run196"),
                        ("199", "S20UPM-run199"), ("15656", "ELDERBERRY_374-run15656")):
        assert (f"python -m scoutsim traces import umn DATA/umn-sigcomm21-5g-wild-uplink/"
                f"merged-logs/{source}.csv --out traces/real/umn_run{run}.csv") in err
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("name", ["synthetic_5g_uplink.yaml", "synthetic_5g_per_device.yaml"])
def test_synthetic_trace_scenarios_use_the_uplink(name):
    # What they claim to show is the replayed capacity: every group must send a real share of
    # its requests (with whole answers under the deadline, local is not always enough).
    from scoutsim.config import load_scenario
    from scoutsim.sim.runner import simulate

    df = simulate(load_scenario(REPO / "scenarios" / name, {"replications": 1, "duration_s": 200}))
    sent = df.assign(sent=df["tx_start_s"].notna()).groupby("group")["sent"].mean()
    assert (sent > 0.2).all(), sent.to_dict()
