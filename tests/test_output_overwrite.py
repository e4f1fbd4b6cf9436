"""What ``--overwrite`` may delete: only scoutsim's own results, recognised by content, and
never a file a user added inside one; results of 0.1 (no meta.json in figures/ or at the top
of a reproduction) are scoutsim's own too; ``traces synth`` follows the same rule for files.

The 0.1 layouts are built by hand with the names 0.1 (commit 03a296d) wrote: its ``plot``
saved each figure as ``STEM.png`` and ``STEM.pdf`` (``figures/style.py`` ``save``) with the
stems ``latency_cdf``, ``compliance_by_group``, ``f1_by_group``, ``decision_map``,
``modes_over_time`` for a run and ``compliance_vs_KEY``, ``f1_misses_zero_vs_KEY``,
``latency_cdf_by_KEY`` for a sweep; its ``reproduce`` wrote ``tables.csv``,
``replications.csv``, ``claims.csv``, ``ablation.csv``, ``report.md`` and one sweep per
experiment and variant in ``EXPERIMENT/VARIANT/``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scoutsim.cli import main
from scoutsim.errors import UserError
from scoutsim.results.layouts import kind, strangers
from scoutsim.results.output import swap_in

from conftest import ROOT
from test_output_folders import listing, one_error, run

SCENARIO = ROOT / "scenarios" / "8agents_100mbps.yaml"
RUN_FIGURES = ["latency_cdf", "compliance_by_group", "f1_by_group", "decision_map", "modes_over_time"]
SWEEP_FIGURES = ["compliance_vs_count", "f1_misses_zero_vs_count", "latency_cdf_by_count", "modes_over_time"]
MANIFEST = {"scenario": {"name": "x"}, "source": "x.yaml", "base_dir": "/x", "overrides": {},
            "grid": [["agents.0.count", [1, 2]]], "compare": None, "points": [{"id": "p0000", "values": []}]}


def figure_set(folder: Path, stems: list[str]) -> None:
    folder.mkdir(parents=True)
    for stem in stems:
        (folder / f"{stem}.png").write_bytes(b"\x89PNG")
        (folder / f"{stem}.pdf").write_bytes(b"%PDF")


def old_reproduction(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name in ("tables.csv", "replications.csv", "claims.csv", "ablation.csv", "report.md"):
        (folder / name).write_text("x\n")
    for exp, variant in (("markov", "paper"), ("markov", "poisson"), ("two_50", "paper")):
        sweep = folder / exp / variant
        (sweep / "points").mkdir(parents=True)
        (sweep / "sweep.json").write_text(json.dumps(MANIFEST))


def test_a_sweep_json_that_is_not_a_manifest_makes_no_result(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "sweep.json").write_text("{}\n")
    (thesis / "thesis.tex").write_text("\\chapter{One}\n")
    before = listing(thesis)
    assert run(thesis, "--overwrite") == 2
    assert "holds files scoutsim did not write" in one_error(capsys)
    assert listing(thesis) == before
    (thesis / "sweep.json").write_text(json.dumps({"scenario": "x", "grid": [], "points": []}))
    assert kind(thesis) is None  # a string where the manifest has the scenario's mapping


def test_overwrite_refuses_a_result_holding_a_users_file(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r"
    assert run(out) == 0
    (out / "my_analysis.txt").write_text("mine\n")
    (out / "nb").mkdir()
    (out / "nb" / "look.ipynb").write_text("{}")
    capsys.readouterr()
    before = listing(out)
    assert run(out, "--overwrite") == 2
    line = one_error(capsys)
    assert "my_analysis.txt, nb" in line and "--overwrite would delete" in line
    assert listing(out) == before
    (out / "my_analysis.txt").unlink()
    (out / "nb" / "look.ipynb").unlink()
    (out / "nb").rmdir()
    assert run(out, "--overwrite", "--seed", "3") == 0
    assert json.loads((out / "meta.json").read_text())["seed"] == 3


def test_a_file_added_in_a_sweeps_point_is_named(tmp_path):
    sweep = tmp_path / "s"
    (sweep / "points" / "p0000").mkdir(parents=True)
    (sweep / "sweep.json").write_text(json.dumps(MANIFEST))
    point = sweep / "points" / "p0000"
    (point / "meta.json").write_text(json.dumps({"written_by": "scoutsim"}))
    (point / "summary.parquet").write_bytes(b"PAR1")
    (point / "notes.md").write_text("mine")
    assert kind(sweep) == "sweep"
    assert strangers(sweep) == ["points/p0000/notes.md"]


def test_an_old_copy_beside_the_output_is_removed_only_when_scoutsims(tmp_path):
    out, tmp, old = tmp_path / "r", tmp_path / ".r.tmp1", tmp_path / ".r.old"
    for d in (out, tmp, old):
        d.mkdir()
    (out / "meta.json").write_text(json.dumps({"written_by": "scoutsim"}))
    (tmp / "meta.json").write_text(json.dumps({"written_by": "scoutsim", "seed": 2}))
    (old / "diary.txt").write_text("mine\n")
    with pytest.raises(UserError, match=r"\.r\.old is in the way .* holds something scoutsim did not write"):
        swap_in(tmp, out)
    assert (old / "diary.txt").read_text() == "mine\n" and (tmp / "meta.json").is_file()
    (old / "diary.txt").unlink()
    (old / "meta.json").write_text(json.dumps({"written_by": "scoutsim"}))
    swap_in(tmp, out)
    assert json.loads((out / "meta.json").read_text())["seed"] == 2 and not old.exists()


def test_figures_of_0_1_are_scoutsims_own(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "r"
    assert run(results) == 0
    figure_set(results / "figures", RUN_FIGURES)
    figure_set(tmp_path / "sweepfigs", SWEEP_FIGURES)
    assert kind(results / "figures") == "figures" and kind(tmp_path / "sweepfigs") == "figures"
    capsys.readouterr()
    assert main(["plot", str(results)]) == 2
    assert "add --overwrite" in one_error(capsys)
    assert main(["plot", str(results), "--overwrite"]) == 0
    assert json.loads((results / "figures" / "meta.json").read_text())["written_by"] == "scoutsim"
    # one file of another name and the folder is no longer a figure set of scoutsim's
    (tmp_path / "sweepfigs" / "caption.txt").write_text("mine")
    assert kind(tmp_path / "sweepfigs") is None


def test_a_0_1_reproduction_is_scoutsims_own_and_resumes(tmp_path, capsys, monkeypatch):
    from scoutsim.commands.reproduce import claim_reproduction

    old = tmp_path / "paper-b"
    old_reproduction(old)
    assert kind(old) == "reproduce" and strangers(old) == []
    before = listing(old)
    claim_reproduction(old, "paper-b", False, False, "--out")  # resumes: nothing removed
    after = listing(old)
    assert json.loads(after.pop("meta.json"))["reproduce"] == "paper-b" and after == before
    again = tmp_path / "again"
    old_reproduction(again)
    (again / "thoughts.md").write_text("mine")
    assert kind(again) is None  # a 0.1 reproduction is known by its exact names only
    with pytest.raises(UserError, match="holds files scoutsim did not write"):
        claim_reproduction(again, "paper-b", False, True, "--out")
    assert (again / "thoughts.md").read_text() == "mine"
    old_reproduction(tmp_path / "third")
    claim_reproduction(tmp_path / "third", "paper-b", False, True, "--out")
    assert [p.name for p in (tmp_path / "third").iterdir()] == ["meta.json"]


def synth(out, *extra):
    return main(["traces", "synth", "5g-uplink", "--out", str(out), "--duration-s", "20", *extra])


def test_traces_synth_replaces_only_its_own_trace(tmp_path, capsys):
    mine = tmp_path / "mine.csv"
    mine.write_text("time_s,mbps\n0,1\n")
    (tmp_path / "mine.json").write_text("{}\n")
    assert synth(mine) == 2
    assert "add --overwrite" in one_error(capsys)
    assert synth(mine, "--overwrite") == 2
    assert "was not written by scoutsim" in one_error(capsys)
    assert mine.read_text() == "time_s,mbps\n0,1\n" and (tmp_path / "mine.json").read_text() == "{}\n"
    ours = tmp_path / "t.csv"
    assert synth(ours, "--seed", "1") == 0
    first = ours.read_bytes()
    capsys.readouterr()
    assert synth(ours, "--seed", "2") == 2
    assert "add --overwrite" in one_error(capsys)
    assert ours.read_bytes() == first
    assert synth(ours, "--seed", "2", "--overwrite") == 0
    assert ours.read_bytes() != first and json.loads((tmp_path / "t.json").read_text())["seed"] == 2
