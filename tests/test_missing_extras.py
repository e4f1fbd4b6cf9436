"""A command that needs an optional extra which is not installed says which extra to
install, in one message, with exit status 2, and writes nothing. The extras are hidden by
putting None in sys.modules (then `import X` fails exactly as when X is not installed) or
by making the availability probe report False."""

from __future__ import annotations

import sys
from pathlib import Path

from scoutsim.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _one_message(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scoutsim: error:") and "Traceback" not in err, err
    return lines[0]


def test_sweep_over_ray_without_ray(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    out = tmp_path / "sweep"
    rc = main(["sweep", str(ROOT / "scenarios" / "8agents_100mbps.yaml"), "--grid", "agents.0.count=1,2",
               "--executor", "ray", "--out", str(out), "--no-progress"])
    assert rc == 2
    assert "scoutsim[distributed]" in _one_message(capsys)
    assert not out.exists()


def test_bench_ns3_without_ns3(monkeypatch, capsys):
    import scoutsim.bench.ns3sim as ns3sim

    monkeypatch.setattr(ns3sim, "available", lambda: False)
    assert main(["bench", "ns3", "--quick"]) == 2
    assert "scoutsim[validation]" in _one_message(capsys)


def test_bench_fuzz_without_hypothesis(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    assert main(["bench", "fuzz", "--n", "1"]) == 2
    assert "scoutsim[dev]" in _one_message(capsys)
