"""Both notebooks are stored without outputs and execute top to bottom, drawing their figures."""

from __future__ import annotations

import pytest

from tests.experiments.conftest import REPO

nbformat = pytest.importorskip("nbformat", reason="the notebooks extra is not installed: pip install -e .[notebooks]")
nbclient = pytest.importorskip("nbclient", reason="the notebooks extra is not installed: pip install -e .[notebooks]")

NOTEBOOKS = REPO / "notebooks"


def execute(name: str, out, monkeypatch):
    monkeypatch.setenv("SCOUTSIM_NB_OUT", str(out))
    monkeypatch.setenv("SCOUTSIM_NB_DURATION", "30")  # the notebook's small settings, a little smaller
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


@pytest.mark.parametrize("name", ["deadline_compliance", "oracle_explorer"])
def test_notebook_is_stored_stripped(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_deadline_compliance_notebook_runs_and_draws(tmp_path, monkeypatch):
    nb = execute("deadline_compliance", tmp_path, monkeypatch)
    for sweep, axis in (("allocators", "mbps"), ("policies", "count")):
        figs = tmp_path / sweep / "figures"
        for stem in (f"compliance_vs_{axis}", f"f1_misses_zero_vs_{axis}", "modes_over_time", "decision_map"):
            for ext in ("png", "pdf"):
                assert (figs / f"{stem}.{ext}").stat().st_size > 1000
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 6


def test_oracle_explorer_notebook_runs_and_draws(tmp_path, monkeypatch):
    nb = execute("oracle_explorer", tmp_path, monkeypatch)
    for stem in ("oracle_f1_by_mode", "oracle_payload_vs_quality", "oracle_timings"):
        for ext in ("png", "pdf"):
            assert (tmp_path / f"{stem}.{ext}").stat().st_size > 1000
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "cache " in text and "kind " in text
