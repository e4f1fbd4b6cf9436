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
    monkeypatch.delenv("SCOUTSIM_ORACLE", raising=False)
    nb = execute("oracle_explorer", tmp_path, monkeypatch)
    for stem in ("oracle_f1_by_mode", "oracle_payload_vs_quality", "oracle_timings"):
        for ext in ("png", "pdf"):
            assert (tmp_path / f"{stem}.{ext}").stat().st_size > 1000
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "cache " in text and "kind " in text


def per_sample_cache(path):
    """A small measured-style cache: 40 samples, per-sample F1 for four modes of one pair."""
    import numpy as np
    import pandas as pd

    from scoutsim.oracle.writer import write_cache

    rng = np.random.default_rng(3)
    n = 40
    tokens = rng.integers(80, 400, n)
    base = rng.uniform(0.4, 1.0, n)
    f1 = {"bf16": base, "int8": base, "int4": np.clip(base - rng.uniform(0, 0.4, n), 0, 1),
          "scout@0.5": np.clip(base - 0.1, 0, 1)}
    rows = [dict(edge_model="tiny-a", cloud_model="tiny-b", mode=m, sample_id=i, f1=float(v[i]), em=0.0,
                 context_tokens=int(tokens[i])) for m, v in f1.items() for i in range(n)]
    timings = [dict(model=m, op=op, context_tokens=t, seconds=1e-3 * t / 100)
               for m in ("tiny-a", "tiny-b") for op in ("prefill", "quantize", "select", "decode_token")
               for t in (64, 512)]
    shape = dict(layers=4, kv_heads=2, head_dim=32, attention_heads=4, dtype="bfloat16", parameters=1e7,
                 family="tiny", protected_layers=[])
    write_cache(path, pd.DataFrame(rows), pd.DataFrame(timings),
                {"models": {"tiny-a": shape, "tiny-b": shape}, "device": "test",
                 "dataset": {"name": "synthetic", "split": "test", "n": n, "seed": 3, "bytes_per_token": 4.0}})
    return f1


def test_oracle_explorer_on_a_per_sample_cache(tmp_path, monkeypatch):
    import numpy as np

    f1 = per_sample_cache(tmp_path / "cache")
    monkeypatch.setenv("SCOUTSIM_ORACLE", str(tmp_path / "cache"))
    nb = execute("oracle_explorer", tmp_path / "out", monkeypatch)
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                     for c in nb.cells for o in c.get("outputs", []))
    assert "cache cache: kind measured" in text
    # The paired int4 - bf16 mean, worked out here from the per-sample scores written above.
    assert f"{np.mean(f1['int4'] - f1['bf16']):.4f}" in text
    assert (tmp_path / "out" / "oracle_payload_vs_quality.pdf").is_file()
