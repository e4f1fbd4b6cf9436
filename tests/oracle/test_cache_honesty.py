"""Shipped caches and caches built here say what they are: machine, weights, honest intervals (no torch needed)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scoutsim.oracle import cachereadme, consistency, hardware, report, writer
from scoutsim.oraclecache import load_cache, machine_class, timing_warnings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.parent for p in (REPO / "oracle_cache").glob("*/meta.json"))


def test_there_are_shipped_caches():
    assert {p.name for p in SHIPPED} >= {"published-squad-v2", "qwen2.5-coder-0.5b-1.5b-squad-v2",
                                         "qwen2.5-coder-0.5b-1.5b-hotpotqa"}


@pytest.mark.parametrize("cache", SHIPPED, ids=lambda p: p.name)
def test_shipped_cache_is_consistent_with_the_mode_definitions(cache):
    c = load_cache(str(cache))
    pairs = consistency.equal_pairs({tuple(k) for k in c.quality[["edge_model", "cloud_model", "mode"]].values})
    assert any(a[2] == "local" and b[2] == "bf16" for a, b, _ in pairs)  # the check has something to check
    assert consistency.check(c.quality) == []


def test_consistency_check_names_a_contradiction():
    rows = [("e", "c", "bf16", -1, 0.776), ("e", "c", "local", -1, 0.582), ("e", "c", "int8", 0, 0.5),
            ("c", "c", "bf16", 0, 0.9), ("c", "c", "bf16", 1, 0.7), ("e", "c", "text", 0, 0.9), ("e", "c", "text", 1, 0.6)]
    q = pd.DataFrame(rows, columns=["edge_model", "cloud_model", "mode", "sample_id", "f1"])
    problems = consistency.check(q)
    assert len(problems) == 2
    assert "local (e -> c) has mean F1 0.582000 and bf16 (e -> c) 0.776000" in problems[0] + problems[1]
    assert any("differ on 1 of 2 shared samples (e.g. sample 1: 0.6000 vs 0.7000)" in p for p in problems)


def test_published_cache_keeps_the_studys_local_figure_as_a_note():
    meta = json.loads((REPO / "oracle_cache" / "published-squad-v2" / "meta.json").read_text())
    choice = meta["figure_choices"]["qwen2.5-7b / qwen2.5-14b / local"]
    assert choice["uses"] == 0.776 and choice["study_figure"] == pytest.approx(0.776 * 0.75)


@pytest.mark.parametrize("cache", SHIPPED, ids=lambda p: p.name)
def test_report_runs_on_every_shipped_cache(cache):
    res = subprocess.run([sys.executable, "-m", "scoutsim", "oracle", "report", str(cache)], capture_output=True,
                         text=True, cwd=REPO)
    assert res.returncode == 0, res.stderr
    assert "timings measured on:" in res.stdout
    if json.loads((cache / "meta.json").read_text())["kind"] == "published":
        assert "no confidence interval and no paired test" in res.stdout and "sources of the means" in res.stdout
        assert "Bonferroni" not in res.stdout  # no tests were run, so none are claimed


@pytest.mark.parametrize("cache", SHIPPED, ids=lambda p: p.name)
def test_readme_is_generated_from_meta(cache):
    assert cachereadme.check(cache) is None


def test_stale_readme_is_detected(tmp_path):
    import shutil
    out = tmp_path / "c"
    shutil.copytree(REPO / "oracle_cache" / "qwen2.5-coder-0.5b-1.5b-hotpotqa", out)
    text = (out / "README.md").read_text()
    assert "mean 1,403.5, median 1,331" in text  # the figures of meta.json, not a hand-typed 1,340
    (out / "README.md").write_text(text.replace("1,403.5", "1,340"))
    assert "stale" in cachereadme.check(out)


def extreme_cache(tmp_path) -> Path:
    """Modes whose every F1 / EM is 0, every one 1, or one hit in 40: where symmetric
    intervals leave [0, 1]."""
    rows = []
    for sid in range(40):
        for mode, f1 in (("bf16", 1.0), ("int2", 0.0), ("int3", 1.0 if sid == 7 else 0.0),
                         ("int4", 0.0 if sid == 3 else 1.0), ("local", 1.0)):
            rows.append({"edge_model": "e", "cloud_model": "c", "mode": mode, "sample_id": sid, "f1": f1,
                         "em": f1, "context_tokens": 100})
    timings = [{"model": "e", "op": op, "context_tokens": 100, "seconds": 0.1}
               for op in ("prefill", "quantize", "select", "decode_token")]
    shape = {"layers": 2, "kv_heads": 1, "head_dim": 8, "attention_heads": 2, "dtype": "bfloat16"}
    meta = {"models": {"e": shape, "c": shape}, "dataset": {"name": "x", "n": 40}, "device": {"type": "cpu"},
            "hardware": hardware.hardware_info("cpu")}
    out = tmp_path / "extreme"
    writer.write_cache(out, writer.quality_frame(rows), writer.timing_frame(timings), meta)
    return out


def test_no_printed_interval_leaves_the_unit_range(tmp_path):
    out = extreme_cache(tmp_path)
    table = report.report(str(out))
    for lo, hi in (("ci_low", "ci_high"), ("em_low", "em_high")):
        assert ((table[lo] >= 0) & (table[hi] <= 1) & (table[lo] <= table[hi])).all()
    res = subprocess.run([sys.executable, "-m", "scoutsim", "oracle", "report", str(out)], capture_output=True,
                         text=True, cwd=REPO)
    assert res.returncode == 0, res.stderr
    printed = [(float(a), float(b)) for a, b in re.findall(r"\[(-?[\d.]+),(-?[\d.]+)\]", res.stdout)]
    assert len(printed) == 10  # F1 and EM for each of five modes
    assert all(0 <= a <= b <= 1 for a, b in printed)
    int3 = table[table["mode"] == "int3"].iloc[0]
    # one exact answer in 40: p = 0.025, z^2 = 3.8415; centre (p + z^2/80) / (1 + z^2/40) = 0.066620,
    # half z sqrt(p(1-p)/40 + z^2/6400) / (1 + z^2/40) = 0.062193 (Wilson score formula)
    assert (int3["em_low"], int3["em_high"]) == pytest.approx((0.004427, 0.128813), abs=1e-5)
    zero = table[table["mode"] == "int2"].iloc[0]
    assert (zero["ci_low"], zero["ci_high"]) == (0.0, 0.0)


def test_build_meta_records_hardware_fields():
    cpuinfo = ("processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu avx2 fma avx512f avx512_bf16\n\n"
               "processor\t: 1\nmodel name\t: Test CPU 9000\nflags\t\t: fpu avx2\n")
    hw = hardware.hardware_info("cpu", cpuinfo)
    assert hw["cpu_model"] == "Test CPU 9000" and hw["machine_class"] == "cpu"
    assert hw["cpu_flags"]["avx512_bf16"] and hw["cpu_flags"]["avx2"] and not hw["cpu_flags"]["amx_bf16"]
    assert hw["bf16_native"] is True and len(hw["load_average_1_5_15"]) == 3 and hw["logical_cpus"] >= 1


def test_timing_warnings_compare_machine_class_with_slowdowns():
    cpu = {"device": {"type": "cpu"}, "hardware": {"machine_class": "cpu", "cpu_model": "X"}}
    gpu = {"device": "RTX PRO 6000 / A100 class GPU (the study's)"}
    assert machine_class(cpu) == "cpu" and machine_class(gpu) == "gpu" and machine_class({"device": "?"}) == "unknown"
    assert len(timing_warnings(cpu, cloud_slowdowns=[1.0, 0.05])) == 1
    assert "1" in timing_warnings(cpu, cloud_slowdowns=[1.0])[0]
    assert timing_warnings(cpu, cloud_slowdowns=[0.05], edge_slowdowns=[1.0]) == []
    assert timing_warnings(gpu, cloud_slowdowns=[1.0], edge_slowdowns=[8.0]) == []
    assert "faster than that GPU" in timing_warnings(gpu, edge_slowdowns=[0.5])[0]
    assert timing_warnings({"device": "?"}, cloud_slowdowns=[1.0])


def test_oracle_commands_without_torch_name_the_extra(monkeypatch, capsys):
    from scoutsim.cli import main
    monkeypatch.setitem(sys.modules, "torch", None)  # makes "import torch" raise ImportError
    code = main(["oracle", "build", "--name", "x", "--edge", f"a={REPO}", "--cloud", f"b={REPO}",
                 "--dataset", "d.json", "-n", "1"])
    err = capsys.readouterr().err
    assert code == 2 and 'pip install "scoutsim[oracle]"' in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_simulator_meta_warns_when_a_cpu_cache_models_the_cloud(tmp_path):
    import yaml

    from scoutsim.config import load_scenario
    from scoutsim.results.output import run_meta

    data = yaml.safe_load((REPO / "scenarios" / "measured_qwen_coder.yaml").read_text())
    assert run_meta(load_scenario(REPO / "scenarios" / "measured_qwen_coder.yaml"))["oracle_timing_warnings"] == []
    data["cloud"]["slowdown"] = 1.0  # the cloud as slow as the 2-core CPU the cache was timed on
    path = tmp_path / "cpu_cloud.yaml"
    path.write_text(yaml.safe_dump(data))
    (warning,) = run_meta(load_scenario(path))["oracle_timing_warnings"]
    assert "measured on a CPU" in warning and "cloud slowdown is 1" in warning
