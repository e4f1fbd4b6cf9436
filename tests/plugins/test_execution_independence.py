"""Results do not depend on how a run executes: 1 or N workers, fork, spawn or forkserver.

requests.parquet, summary.csv and meta.json must be byte for byte the same (meta.json holds no
timestamps or wall times). The example scenario needs its plug-in in every worker (given by
path, so a spawned worker can only have it if the parent passed it on); the measured Qwen
coder scenario makes compute look-ups outside its oracle's measured lengths, in replications
that run in the workers, which count them and hand the counts back.
"""

from __future__ import annotations

import json

import pytest

from tests.plugins.conftest import EXAMPLE_PACKAGE, EXAMPLE_SCENARIO, REPO, cli

MEASURED = REPO / "scenarios" / "measured_qwen_coder.yaml"

FILES = ("requests.parquet", "summary.csv", "meta.json", "scenario.yaml")


def _run(out, scenario, *extra):
    p = cli("run", str(scenario), "--no-plots", "--no-progress", "--out", str(out), *extra)
    assert p.returncode == 0, p.stderr
    return {f: (out / f).read_bytes() for f in FILES}


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_plugin_scenario_same_for_any_workers_and_start_method(tmp_path, method):
    plug = ("--plugin", str(EXAMPLE_PACKAGE), "--replications", "3", "--duration", "60")
    one = _run(tmp_path / "one", EXAMPLE_SCENARIO, *plug)
    many = _run(tmp_path / "many", EXAMPLE_SCENARIO, *plug, "--workers", "2", "--start-method", method)
    assert one == many


def test_extrapolated_lookups_counted_in_workers(tmp_path):
    args = ("--replications", "3", "--duration", "60")
    one = _run(tmp_path / "one", MEASURED, *args)
    two = _run(tmp_path / "two", MEASURED, *args, "--workers", "2", "--start-method", "spawn")
    n1 = json.loads(one["meta.json"])["timing_lookups_extrapolated"]
    assert n1 > 0  # replications 1 and 2 draw prompts past the measured timing lengths
    assert json.loads(two["meta.json"])["timing_lookups_extrapolated"] == n1
    assert one == two
