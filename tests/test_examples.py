"""Shipped scenarios by name, and `scoutsim examples`, in the checkout (the wheel's copy is
tests/test_wheel.py)."""

from __future__ import annotations

from scoutsim import shipped
from scoutsim.cli import main
from tests.conftest import ROOT


def test_a_name_is_a_shipped_scenario_unless_a_file_of_that_name_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert shipped.scenario_argument("8agents_100mbps") == str(ROOT / "scenarios" / "8agents_100mbps.yaml")
    assert shipped.scenario_argument("paper_b/markov_modes.yaml") == str(ROOT / "scenarios" / "paper_b" /
                                                                          "markov_modes.yaml")
    (tmp_path / "8agents_100mbps").write_text("name: mine\n")
    assert shipped.scenario_argument("8agents_100mbps") == "8agents_100mbps"  # the user's file wins
    assert shipped.scenario_argument("no_such_scenario") == "no_such_scenario"  # the loader says it is missing


def test_list_names_every_shipped_scenario(capsys):
    assert main(["examples", "--list"]) == 0
    listed = capsys.readouterr().out.split()
    assert listed == sorted(p.relative_to(ROOT / "scenarios").with_suffix("").as_posix()
                            for p in (ROOT / "scenarios").rglob("*.yaml"))
    assert "8agents_100mbps" in listed and "paper_b/markov_modes" in listed


def test_examples_needs_a_folder_and_refuses_a_file(tmp_path, capsys):
    assert main(["examples"]) == 2
    assert "give a folder" in capsys.readouterr().err
    target = tmp_path / "a_file"
    target.write_text("mine\n")
    assert main(["examples", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scoutsim: error: ") and "is a file" in err and "Traceback" not in err
    assert target.read_text() == "mine\n"


def test_examples_refuses_when_either_folder_exists_and_copies_nothing(tmp_path, capsys):
    (tmp_path / "traces").mkdir()
    (tmp_path / "traces" / "mine.csv").write_text("time_s,mbps\n0,1\n")
    assert main(["examples", str(tmp_path)]) == 2
    assert "traces already exists" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["traces"]  # no scenarios/, no temporary folder
    assert [p.name for p in (tmp_path / "traces").iterdir()] == ["mine.csv"]


def test_a_copied_scenario_runs_where_it_was_copied(tmp_path, capsys):
    assert main(["examples", str(tmp_path / "ex")]) == 0
    out = tmp_path / "out"
    # The Lumos5G scenario replays ../traces/lumos5g: it must find the copied runs.
    assert main(["run", str(tmp_path / "ex" / "scenarios" / "lumos5g.yaml"), "--replications", "1",
                 "--duration", "30", "--no-plots", "--no-progress", "--out", str(out)]) == 0
    assert (out / "requests.parquet").is_file()
