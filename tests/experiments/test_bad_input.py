"""Bad input to sweep, plot and reproduce: exit 2, one message naming the problem, and
nothing written."""

from __future__ import annotations

import sys

import pytest

from scoutsim.cli import main
from tests.experiments.conftest import cli


@pytest.mark.parametrize("grid, words", [
    ("uplinks.0.chanel.mbps=10,20", ["uplinks.0.chanel.mbps", "no key 'chanel'"]),
    ("agents.7.count=1,2", ["agents.7.count", "index 7 is out of range"]),
    ("uplinks.0.channel.mbps=-5,10", ["mbps=-5", "uplinks[0].channel"]),
    ("uplinks.0.colour=1", ["uplinks[0].colour", "unknown key"]),
    ("agents.0.policy=static:int9", ["agents.0.policy", "int9"]),
    ("uplinks.0.allocator", ["expected KEY=V1,V2"]),
    # A key holding a newline (found by `bench fuzz --n 200`): still one line, the key escaped.
    ("\x7f\nkey=1,2", ["'\\x7f\\nkey=1'", "unknown key"]),
])
def test_bad_grid_exits_2_with_one_message_and_writes_nothing(small_scenario, tmp_path, grid, words):
    out = tmp_path / "never"
    p = cli("sweep", str(small_scenario), "--grid", grid, "--out", str(out))
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scoutsim: error:"), p.stderr
    for w in words:
        assert w in lines[0], lines[0]
    assert not out.exists() and p.stdout == ""


def test_ray_missing_is_a_clear_error(small_scenario, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails as if not installed
    out = tmp_path / "never"
    rc = main(["sweep", str(small_scenario), "--grid", "agents.0.count=1,2", "--executor", "ray",
               "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 2 and "pip install 'scoutsim[distributed]'" in err and err.count("\n") == 1
    assert not out.exists()


def test_plot_and_reproduce_refuse_bad_targets(tmp_path):
    p = cli("plot", str(tmp_path))
    assert p.returncode == 2 and "not a run directory" in p.stderr and not (tmp_path / "figures").exists()
    p = cli("reproduce", "paper-z", "--out", str(tmp_path / "r"))
    assert p.returncode == 2 and "unknown target 'paper-z'" in p.stderr and not (tmp_path / "r").exists()
