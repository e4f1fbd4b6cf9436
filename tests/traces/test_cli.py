"""The traces command end to end: exit status, messages and the files it writes."""

from __future__ import annotations

import hashlib
import json

import pytest
import yaml

from scoutsim.network.channels.markov import MarkovChannel
from scoutsim.traces.csvformat import read_trace_csv
from scoutsim.cli import main


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The options README.md documents for each action ("Real and synthetic bandwidth traces").
@pytest.mark.parametrize("action,options", [
    ("import", ["--out", "--gaps", "--run", "--allow-ack-traffic"]),
    ("inspect", ["--png"]),
    ("fit-markov", ["--states", "--step-s", "--out"]),
    ("synth", ["--seed", "--out", "--duration-s", "--step-s"]),
])
def test_help_documents_each_option(action, options, capsys):
    with pytest.raises(SystemExit, match="^0$"):
        main(["traces", action, "--help"])
    out = capsys.readouterr().out
    assert out.startswith(f"usage: scoutsim traces {action}")
    for option in options:
        assert f"  {option}" in out, (action, option)  # listed in the options, with its help


def test_import_writes_contract_csv_and_sidecar(shared_traces, tmp_path, capsys):
    src = shared_traces / "umn-sigcomm21-5g-wild-uplink" / "merged-logs" / "S20UPM-run69.csv"
    out = tmp_path / "real" / "umn_run69.csv"
    assert main(["traces", "import", "umn", str(src), "--out", str(out)]) == 0
    times, mbps = read_trace_csv(out)
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["source"]["sha256"] == _sha(src)
    assert side["format"] == "umn" and side["kind"] == "imported"
    assert any("start-up spike" in c for c in side["cleaning"])
    assert any("_start" in c for c in side["cleaning"])
    assert side["summary"]["samples"] == len(times)
    # trace_stats.csv of the data set: run 69 spans 1228 s after the spike, 1048 samples.
    assert len(times) == 1048 and times[-1] + 1 == 1228


def test_import_errors_exit_2(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert main(["traces", "import", "umn", str(missing), "--out", str(tmp_path / "o.csv")]) == 2
    assert "source file not found" in capsys.readouterr().err
    src = tmp_path / "p.txt"
    src.write_text("0 1\n1 2\n")
    assert main(["traces", "import", "pensieve", str(src), "--out", str(tmp_path / "o.csv"),
                 "--run", "2"]) == 2
    assert "--run does not apply" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists() and not (tmp_path / "o.json").exists()
    assert main(["traces", "import", "parquet", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    assert "unknown trace format 'parquet'" in capsys.readouterr().err


def test_inspect_fit_synth_round_trip(tmp_path, capsys):
    block = tmp_path / "truth.yaml"
    block.write_text(yaml.safe_dump({"channel": {
        "kind": "markov", "states_mbps": [8.0, 40.0, 120.0], "step_s": 1.0,
        "transition": [[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.0, 0.1, 0.9]]}}))
    trace = tmp_path / "m.csv"
    assert main(["traces", "synth", "markov", "--channel", str(block), "--duration-s", "40000",
                 "--seed", "5", "--out", str(trace)]) == 0
    png = tmp_path / "fig.png"
    assert main(["traces", "inspect", str(trace), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "lag-1 autocorrelation" in out and png.stat().st_size > 10_000
    fitted = tmp_path / "fit.yaml"
    assert main(["traces", "fit-markov", str(trace), "--states", "3", "--out", str(fitted)]) == 0
    doc = yaml.safe_load(fitted.read_text())
    cfg = MarkovChannel.Config.model_validate(doc["channel"])  # pastes into a scenario
    assert cfg.states_mbps == pytest.approx([8.0, 40.0, 120.0])
    truth = [[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.0, 0.1, 0.9]]
    for got, want in zip(cfg.transition, truth):
        assert got == pytest.approx(want, abs=0.02)


def test_synth_is_deterministic_per_seed(tmp_path):
    paths = []
    for name, seed in (("a", 3), ("b", 3), ("c", 4)):
        p = tmp_path / f"{name}.csv"
        assert main(["traces", "synth", "5g-uplink", "--duration-s", "300", "--seed", str(seed),
                     "--out", str(p)]) == 0
        paths.append(p)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    assert paths[0].read_bytes() != paths[2].read_bytes()
    side = json.loads(paths[0].with_suffix(".json").read_text())
    assert side["seed"] == 3 and side["kind"] == "synthetic" and side["parameters"]["regimes"]


def test_fit_markov_bad_states_exit_2(tmp_path, capsys):
    p = tmp_path / "flat.csv"
    p.write_text("time_s,mbps\n0,5\n1,5\n2,5\n3,5\n4,5\n5,5\n")
    assert main(["traces", "fit-markov", str(p), "--states", "2"]) == 2
    assert "distinct" in capsys.readouterr().err
