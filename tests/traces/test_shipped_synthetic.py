"""The synthetic traces in traces/ are exactly what the project's generators make (a regression
check of the code against its own output; test_synthetic_theory.py checks the generator
against its stated model by theory)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoutsim.cli import main
from scoutsim.traces.csvformat import read_trace_csv
from tests.traces.conftest import REPO

SHIPPED = sorted((REPO / "traces").glob("synthetic_*.csv"))


def test_there_are_shipped_synthetic_traces():
    assert {p.name for p in SHIPPED} >= {"synthetic_5g_uplink.csv", "synthetic_lte_uplink.csv"}


@pytest.mark.parametrize("csv_path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_regenerating_from_the_sidecar_reproduces_the_file(csv_path: Path, tmp_path):
    side = json.loads(csv_path.with_suffix(".json").read_text())
    assert side["kind"] == "synthetic"
    out = tmp_path / csv_path.name
    assert main(["traces", "synth", side["model"], "--duration-s", str(side["duration_s"]),
                 "--step-s", str(side["step_s"]), "--seed", str(side["seed"]),
                 "--out", str(out)]) == 0
    assert out.read_bytes() == csv_path.read_bytes()
    times, mbps = read_trace_csv(csv_path)
    assert side["summary"]["samples"] == len(times)
    assert side["summary"]["mean"] == pytest.approx(float(mbps.mean()), rel=1e-9)


def test_real_traces_are_git_ignored_and_synthetic_ones_are_not():
    import subprocess

    def ignored(rel: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", "--no-index", rel], cwd=REPO).returncode == 0

    if subprocess.run(["git", "rev-parse"], cwd=REPO, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    assert ignored("traces/real/umn_run196.csv")
    assert ignored("traces/umn_run196.csv")
    assert not ignored("traces/synthetic_5g_uplink.csv")
    assert not ignored("traces/synthetic_5g_uplink.json")
