"""Output folders: scoutsim replaces only its own results, and refuses the rest before it runs.

Each case runs the command line in-process in a fresh folder and checks the exit status,
the one message, and that nothing the user had was touched (the files and their bytes).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from scoutsim.cli import main
from scoutsim.results.outdir import is_own

from conftest import ROOT

SCENARIO = ROOT / "scenarios" / "8agents_100mbps.yaml"
SHORT = ["--duration", "5", "--replications", "2", "--no-plots", "--no-progress"]


def listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(out, *extra, scenario=SCENARIO):
    return main(["run", str(scenario), "--out", str(out), *SHORT, *extra])


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scoutsim: error:") and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def user_folder(tmp_path):
    d = tmp_path / "mine"
    (d / "sub").mkdir(parents=True)
    (d / "notes.txt").write_text("my notes\n")
    (d / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return d


def test_a_folder_of_the_users_files_is_refused_and_untouched(user_folder, capsys, monkeypatch):
    monkeypatch.chdir(user_folder.parent)
    before = listing(user_folder.parent)
    assert run(user_folder) == 2
    assert "holds files scoutsim did not write" in one_error(capsys)
    assert listing(user_folder.parent) == before
    assert run(user_folder, "--overwrite") == 2  # --overwrite replaces scoutsim's own results only
    assert "holds files scoutsim did not write" in one_error(capsys)
    assert listing(user_folder.parent) == before


@pytest.mark.parametrize("mine, out, message", [
    ("results.txt", "results.txt", "is a file, not a folder"),
    # the swap moves the earlier result to .NAME.old: one of the user's there is refused first
    (".r.old", "r", ".r.old is in the way")])
def test_a_file_is_refused(tmp_path, capsys, monkeypatch, mine, out, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / mine).write_text("keep me\n")
    assert run(tmp_path / out) == 2
    assert message in one_error(capsys)
    assert listing(tmp_path) == {mine: b"keep me\n"}


def test_a_link_to_nothing_is_refused(tmp_path, capsys, monkeypatch):
    # It was an internal error when the finished run was swapped in (NotADirectoryError).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r").symlink_to(tmp_path / "nowhere")
    assert run(tmp_path / "r") == 2
    assert "is a link to nothing" in one_error(capsys)
    assert not (tmp_path / "nowhere").exists() and (tmp_path / "r").is_symlink()


@pytest.mark.parametrize("name", [".", "..", "here"])
def test_the_current_folder_and_those_above_it_are_refused(tmp_path, capsys, monkeypatch, name):
    here = tmp_path / "here"
    here.mkdir()
    (here / "x.txt").write_text("x")
    monkeypatch.chdir(here)
    out = here if name == "here" else Path(name)
    assert run(out) == 2
    assert "is the current folder or one above it" in one_error(capsys)
    assert listing(tmp_path) == {"here/x.txt": b"x"}


def test_the_checkout_and_a_folder_holding_the_scenario_are_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(ROOT) == 2
    assert "is the scoutsim checkout" in one_error(capsys)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    assert run(repo) == 2
    assert "root of a git checkout" in one_error(capsys)
    own = tmp_path / "exp"
    own.mkdir()
    scenario = own / "s.yaml"
    scenario.write_text(SCENARIO.read_text())
    assert run(own, scenario=scenario) == 2
    assert "holds this command's input" in one_error(capsys)
    assert listing(own) == {"s.yaml": SCENARIO.read_bytes()}


def test_an_earlier_result_needs_overwrite_and_then_is_replaced(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r"
    assert run(out) == 0
    capsys.readouterr()
    assert is_own(out)
    first = listing(out)
    assert run(out, "--seed", "9") == 2
    assert "add --overwrite" in one_error(capsys)
    assert listing(out) == first
    assert run(out, "--seed", "9", "--overwrite") == 0
    assert json.loads((out / "meta.json").read_text())["seed"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # nothing left beside it


def test_an_empty_folder_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    assert run(tmp_path / "empty") == 0
    assert (tmp_path / "empty" / "requests.parquet").is_file()


def test_folders_follow_the_umask(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    old = os.umask(0o022)
    try:
        assert run(tmp_path / "r") == 0
    finally:
        os.umask(old)
    # umask 022: folders rwxr-xr-x, files rw-r--r-- (tempfile.mkdtemp alone gives rwx------)
    assert stat.S_IMODE((tmp_path / "r").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "r" / "meta.json").stat().st_mode) == 0o644


def test_plot_follows_the_same_rule(tmp_path, capsys, monkeypatch, user_folder):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "r"
    assert run(results) == 0
    before = listing(user_folder)
    assert main(["plot", str(results), "--out", str(user_folder)]) == 2
    assert "holds files scoutsim did not write" in one_error(capsys)
    assert listing(user_folder) == before
    assert main(["plot", str(results), "--out", str(results)]) == 2
    assert "holds this command's input" in one_error(capsys)
    figures = tmp_path / "figs"
    assert main(["plot", str(results), "--out", str(figures)]) == 0
    capsys.readouterr()
    assert is_own(figures) and any(p.suffix == ".png" for p in figures.iterdir())
    assert main(["plot", str(results), "--out", str(figures)]) == 2
    assert "add --overwrite" in one_error(capsys)
    assert main(["plot", str(results), "--out", str(figures), "--overwrite"]) == 0


def test_sweep_follows_the_same_rule(tmp_path, capsys, monkeypatch, user_folder):
    monkeypatch.chdir(tmp_path)
    grid = ["--grid", "agents.0.count=1,2", "--duration", "3", "--replications", "2", "--no-progress"]
    before = listing(user_folder)
    assert main(["sweep", str(SCENARIO), "--out", str(user_folder), *grid]) == 2
    assert "holds files scoutsim did not write" in one_error(capsys)
    assert listing(user_folder) == before
    assert main(["sweep", str(SCENARIO), "--out", ".", *grid]) == 2
    assert "current folder" in one_error(capsys)
    # A run's result is scoutsim's own but not a sweep: replaced only with --overwrite.
    assert run(tmp_path / "r") == 0
    capsys.readouterr()
    assert main(["sweep", str(SCENARIO), "--out", str(tmp_path / "r"), *grid]) == 2
    assert "add --overwrite" in one_error(capsys)
    assert main(["sweep", str(SCENARIO), "--out", str(tmp_path / "r"), *grid, "--overwrite"]) == 0
    assert (tmp_path / "r" / "sweep.json").is_file() and not (tmp_path / "r" / "requests.parquet").exists()


def test_reproduce_refuses_before_it_runs(tmp_path, capsys, monkeypatch, user_folder):
    monkeypatch.chdir(tmp_path)
    before = listing(user_folder)
    assert main(["reproduce", "paper-b", "--quick", "--out", str(user_folder), "--no-progress"]) == 2
    assert "holds files scoutsim did not write" in one_error(capsys)
    assert listing(user_folder) == before
    assert main(["reproduce", "paper-b", "--quick", "--out", "..", "--no-progress"]) == 2
    assert "current folder or one above it" in one_error(capsys)
