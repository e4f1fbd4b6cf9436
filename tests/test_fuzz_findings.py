"""Regressions for what `bench fuzz` found (each was a hang or a traceback)."""

from __future__ import annotations

import shutil

import pandas as pd
import yaml

from scoutsim.bench.fuzz_inputs import base_scenario
from scoutsim.cli import main
from scoutsim.oraclecache import PACKAGE_ROOT

ORACLE = PACKAGE_ROOT / "oracle_cache" / "published-squad-v2"


def _write(tmp_path, channel=None):
    shutil.copytree(ORACLE, tmp_path / "oracle")
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(base_scenario(str(tmp_path / "oracle"), channel)))
    return path


def test_a_looped_constant_trace_runs(tmp_path, capsys):
    # One row (a truncated file), or rows all equal: the replay used to search for the next
    # change forever.
    for name, text in (("one.csv", "time_s,mbps\n0,20\n"), ("flat.csv", "time_s,mbps\n0,20\n1,20\n2,20\n")):
        (tmp_path / name).write_text(text)
    for name in ("one.csv", "flat.csv"):
        for channel in ({"kind": "trace", "path": str(tmp_path / name), "loop": True},
                        {"kind": "trace_pool", "runs": [str(tmp_path / name)]}):
            d = tmp_path / f"{name}-{channel['kind']}"
            d.mkdir()
            out = d / "out"
            assert main(["run", str(_write(d, channel)), "--no-plots", "--out", str(out)]) == 0
            # 2 agents x 0.5/s x 6 s: a handful of requests, every one finished.
            df = pd.read_parquet(out / "requests.parquet")
            assert len(df) > 0 and df["done_s"].notna().all()


def test_meta_json_that_is_not_utf8_is_refused(tmp_path, capsys):
    path = _write(tmp_path)
    meta = tmp_path / "oracle" / "meta.json"
    meta.write_bytes(b"\xff" + meta.read_bytes())
    assert main(["run", str(path), "--no-plots", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "meta.json unreadable" in err and "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_absurd_model_shapes_and_dataset_means_are_refused(tmp_path, capsys):
    # 1e308 heads overflowed the payload arithmetic; a mean context of 3e-91 tokens
    # became 0 tokens deep inside the simulation.
    import json

    for i, (edit, words) in enumerate((
            (lambda m: m["models"]["qwen2.5-7b"].update(kv_heads=1e308), "models.qwen2.5-7b.kv_heads"),
            (lambda m: m["dataset"].update(mean_context_tokens=3e-91), "dataset.mean_context_tokens"))):
        d = tmp_path / str(i)
        d.mkdir()
        path = _write(d)
        meta_path = d / "oracle" / "meta.json"
        meta = json.loads(meta_path.read_text())
        edit(meta)
        meta_path.write_text(json.dumps(meta))
        assert main(["run", str(path), "--no-plots", "--out", str(d / "out")]) == 2
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and err.count("\n") == 1
