"""Whole builds on a tiny saved model pair: format, resume after SIGKILL, refusals, report."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from scoutsim.errors import CacheError, UserError  # noqa: E402
from scoutsim.oraclecache import QUALITY_COLUMNS, OracleCache  # noqa: E402

from .buildcli import MODES, REPO, _cmd, _run  # noqa: E402
from .tiny import FICTIONAL  # noqa: E402

def test_cache_is_readable_and_complete(reference_build):
    cache = OracleCache(reference_build)  # verifies hashes, schema, columns
    q = cache.quality
    assert set(QUALITY_COLUMNS) <= set(q.columns)
    assert {"context_bytes", "question_bytes", "answer_tokens", "overlap"} <= set(q.columns)
    assert q.duplicated(["edge_model", "cloud_model", "mode", "sample_id"]).sum() == 0
    edge_rows = q[q.edge_model == "tiny-edge"]
    assert edge_rows["sample_id"].nunique() == 8
    assert len(edge_rows) == 8 * len(MODES.split(","))
    assert set(q[q.edge_model == "tiny-cloud"]["mode"]) == {"bf16", "q2c@0.5+bf16"}
    # scout rows carry an overlap in [0, 1]; others none
    scout = q[q["mode"] == "scout@0.5"]["overlap"]
    assert scout.between(0, 1).all() and q[q["mode"] == "bf16"]["overlap"].isna().all()
    # local is the edge model on its own full cache: the same computation as bf16
    a = q[(q["mode"] == "local")].set_index("sample_id")["prediction"]
    b = q[(q["mode"] == "bf16") & (q.edge_model == "tiny-edge")].set_index("sample_id")["prediction"]
    assert a.equals(b)
    meta = cache.meta
    for m in ("tiny-edge", "tiny-cloud"):
        entry = meta["models"][m]
        for key in ("layers", "kv_heads", "head_dim", "attention_heads", "parameters", "dtype",
                    "protected_layers", "family", "files"):
            assert key in entry
        assert all(len(h) == 64 for h in entry["files"].values())
    assert meta["models"]["tiny-edge"]["layers"] == 2 and meta["models"]["tiny-cloud"]["layers"] == 3
    assert len(meta["models"]["tiny-edge"]["protected_layers"]) == 1
    ds = meta["dataset"]
    for key in ("name", "split", "n", "seed", "sha256", "content_hash", "bytes_per_token", "mean_question_bytes",
                "mean_answer_tokens", "sample_ids"):
        assert key in ds
    assert ds["n"] == 8 and sorted(ds["sample_ids"]) == sorted(q["sample_id"].unique().tolist())
    assert set(cache.timings["op"]) >= {"prefill", "quantize", "dequantize", "select", "decode_token"}
    assert set(cache.timings["model"]) == {"tiny-edge", "tiny-cloud"}
    assert "template_sha256" in meta["prompt"] and meta["device"]["type"] == "cpu"
    # the machine and what the weights are
    hw = meta["hardware"]
    assert hw["machine_class"] == "cpu" and hw["recorded_at_build"] is True and hw["cpu_model"]
    assert len(hw["load_average_1_5_15"]) == 3 and hw["torch_threads"] == 1 and hw["torch_cpu_capability"]
    if hw["cpu_flags"] is not None:  # Linux: flags from /proc/cpuinfo
        assert {"avx2", "avx512f", "avx512_bf16", "amx_bf16"} <= set(hw["cpu_flags"])
    for m in ("tiny-edge", "tiny-cloud"):
        entry = meta["models"][m]
        w = entry["weights"]
        # the tiny models are saved as float32 safetensors with no quantization config
        assert w["format"] == "safetensors" and w["stored_dtypes"] == {"F32": w["stored_dtypes"]["F32"]}
        assert w["quantization_config"] is None and w["run_dtype"] == "float32"
        assert entry["parameters"] >= entry["parameters_without_output_layer"] > 0
    assert ds["median_context_tokens"] == float(np.median(q.drop_duplicates("sample_id")["context_tokens"]))
    assert OracleCache(reference_build).meta["files"] == meta["files"]
    from scoutsim.oracle import cachereadme
    assert cachereadme.check(reference_build) is None  # every build writes its README from meta.json


def test_sigkill_then_resume_gives_identical_quality(reference_build, tiny_pair_dir, tmp_path):
    out = tmp_path / "tiny-killed"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(_cmd(tiny_pair_dir, out), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shards = out / ".partial" / "samples"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        done = len(list(shards.glob("*.json"))) if shards.is_dir() else 0
        if 2 <= done < 8:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "build finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "quality.parquet").exists()
    res = _run(_cmd(tiny_pair_dir, out))
    assert res.returncode == 0, res.stderr[-2000:]
    assert "already done" in res.stdout
    a, b = pd.read_parquet(out / "quality.parquet"), pd.read_parquet(reference_build / "quality.parquet")
    pd.testing.assert_frame_equal(a, b)
    assert (out / "quality.parquet").read_bytes() == (reference_build / "quality.parquet").read_bytes()


def test_extending_in_stages_equals_one_build(reference_build, tiny_pair_dir, tmp_path):
    out = tmp_path / "tiny-staged"
    for n in (3, 8):
        res = _run(_cmd(tiny_pair_dir, out, n=n))
        assert res.returncode == 0, res.stderr[-2000:]
        assert len(pd.read_parquet(out / "quality.parquet")["sample_id"].unique()) == n
    assert (out / "quality.parquet").read_bytes() == (reference_build / "quality.parquet").read_bytes()


def test_resume_with_other_settings_is_refused(reference_build, tiny_pair_dir, tmp_path):
    out = tmp_path / "copy"
    import shutil
    shutil.copytree(reference_build, out)
    cmd = _cmd(tiny_pair_dir, out)
    cmd[cmd.index("--seed") + 1] = "6"
    res = _run(cmd)
    assert res.returncode == 2
    assert "different ['seed']" in res.stderr and "Traceback" not in res.stderr


def test_tampered_file_is_refused_with_reason(reference_build, tmp_path):
    import shutil
    out = tmp_path / "tampered"
    shutil.copytree(reference_build, out)
    q = pd.read_parquet(out / "quality.parquet")
    q.loc[0, "f1"] = 1.0 - q.loc[0, "f1"]
    q.to_parquet(out / "quality.parquet", index=False)
    with pytest.raises(CacheError, match=r"quality.parquet sha256 .* differs from meta.json"):
        OracleCache(out)
    res = _run([sys.executable, "-m", "scoutsim", "oracle", "report", str(out)])
    assert res.returncode == 2 and "differs from meta.json" in res.stderr and "Traceback" not in res.stderr


def test_wrong_schema_is_refused_with_reason(reference_build, tmp_path):
    import shutil
    out = tmp_path / "schema"
    shutil.copytree(reference_build, out)
    meta = json.loads((out / "meta.json").read_text())
    meta["schema_version"] = 99
    (out / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(CacheError, match="schema_version 99 but this scoutsim reads 1"):
        OracleCache(out)


def test_report_runs_and_tests_scout_against_cloud_selection(reference_build):
    from scoutsim.oracle import report
    table = report.report(str(reference_build))
    scout = table[table["mode"] == "scout@0.5"].iloc[0]
    assert scout["baseline"] == "q2c@0.5+bf16 (tiny-cloud)"
    ref = table[(table["mode"] == "bf16") & (table.edge_model == "tiny-edge")].iloc[0]
    assert ref["pct_of_ref"] == pytest.approx(100.0) or ref["f1"] == 0
    tested = table["p"].notna().sum()
    ok = table["p"].notna()
    assert (table.loc[ok, "p_bonferroni"] >= table.loc[ok, "p"]).all()
    assert (table.loc[ok, "p_bonferroni"] == (table.loc[ok, "p"] * tested).clip(upper=1)).all()
    res = _run([sys.executable, "-m", "scoutsim", "oracle", "report", str(reference_build)])
    assert res.returncode == 0 and "scout@0.5" in res.stdout and "Bonferroni" in res.stdout


def test_bad_inputs_are_one_clear_message(tiny_pair_dir, tmp_path):
    cmd = _cmd(tiny_pair_dir, tmp_path / "bad")
    cmd[cmd.index("--modes") + 1] = "bf16,int9"
    res = _run(cmd)
    assert res.returncode == 2 and "int9" in res.stderr and "Traceback" not in res.stderr
    cmd = _cmd(tiny_pair_dir, tmp_path / "bad2")
    cmd[cmd.index("--edge") + 1] = "tiny-edge=/no/such/model"
    res = _run(cmd)
    assert res.returncode == 2 and "/no/such/model" in res.stderr
    res = _run(_cmd(tiny_pair_dir, tmp_path / "bad3", n=99))
    assert res.returncode == 2 and "only 8 eligible" in res.stderr


def test_build_never_writes_over_what_is_not_its_own(tiny_pair_dir, tmp_path):
    # A build writes .gitignore, meta.json and README.md into its folder: it once replaced a
    # repository's own files there and exited 0.
    own = tmp_path / "theirs"
    own.mkdir()
    (own / "meta.json").write_text('{"mine": true}')
    (own / ".gitignore").write_text("*.log\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out, words in ((own, "holds files that no oracle build"), (repo, "root of a git checkout"),
                       (afile, "is a file, not a folder")):
        res = _run(_cmd(tiny_pair_dir, out))
        assert res.returncode == 2 and words in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert (own / "meta.json").read_text() == '{"mine": true}' and (own / ".gitignore").read_text() == "*.log\n"
    assert not (repo / "meta.json").exists() and afile.read_text() == "x"
    from scoutsim.oracle.build import claim
    # A build's own first writes (its .gitignore, an empty .partial/) stay claimable; a user's own .gitignore does not.
    first = tmp_path / "first"
    (first / ".partial").mkdir(parents=True)
    (first / ".gitignore").write_text(".partial/\n")
    claim(first)
    (first / ".gitignore").write_text("mine\n")
    with pytest.raises(UserError, match="holds files that no oracle build"):
        claim(first)
    # A finished cache without its build record (shipped, copied) is not built into, and says why.
    copied = tmp_path / "copied"
    shutil.copytree(REPO / "oracle_cache" / "published-squad-v2", copied)
    with pytest.raises(UserError, match="finished oracle cache without its build record"):
        claim(copied)
    # A link to nothing is no folder.
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(UserError, match="link to nothing"):
        claim(tmp_path / "dangling")


def test_help_explains_every_flag():
    res = _run([sys.executable, "-m", "scoutsim", "oracle", "build", "--help"])
    assert res.returncode == 0
    for flag in ("--edge", "--cloud", "--dataset", "--samples", "--seed", "--modes", "--device", "--dtype",
                 "--name", "--include-unanswerable", "--timing-lengths", "--protected-layers"):
        assert flag in res.stdout
    from scoutsim.commands import oracle as cmd
    import argparse
    parser = argparse.ArgumentParser()
    cmd.register(parser.add_subparsers())
    sub = parser._subparsers._group_actions[0].choices["oracle"]
    for action_parser in sub._subparsers._group_actions[0].choices.values():
        for action in action_parser._actions:
            assert action.help, f"{action_parser.prog}: {action.option_strings or action.dest} has no help"


def test_prompt_spans_cover_context_and_question(tiny_pair_dir):
    from scoutsim.oracle import modelio, prompts
    tok = modelio._tokenizer_class(tiny_pair_dir["tiny-edge"])(str(tiny_pair_dir["tiny-edge"]))
    ctx, q = "Marrowby Dam forms Lake Corrin .", "What lake does Marrowby Dam form ?"
    p = prompts.build_prompt(tok, ctx, q)
    ids = p.input_ids[0].tolist()
    assert tok.convert_ids_to_tokens(ids[p.context[0]:p.context[1]]) == ctx.split()
    assert tok.convert_ids_to_tokens(ids[p.question[0]:p.question[1]]) == q.split()
    # template tokens lie outside both spans
    assert tok.convert_ids_to_tokens(ids[0]) == "<|system|>"
    assert tok.convert_ids_to_tokens(ids[-1]) == "<|assistant|>"
    with pytest.raises(UserError):
        prompts._span([(0, 1), (1, 2)], 5, 9)


def test_bottleneck_command_ranks_every_layer(tiny_pair_dir):
    res = _run([sys.executable, "-m", "scoutsim", "oracle", "bottleneck", "--model",
                f"tiny-cloud={tiny_pair_dir['tiny-cloud']}", "--dataset", str(FICTIONAL), "-n", "2"])
    assert res.returncode == 0, res.stderr
    rows = [line.split() for line in res.stdout.splitlines()[1:]]
    assert sorted(int(r[0]) for r in rows) == [0, 1, 2]  # the tiny cloud model has 3 layers
    kls = [float(r[1]) for r in rows]
    assert kls == sorted(kls, reverse=True) and all(k >= 0 for k in kls)


def test_tiny_pair_is_the_offline_way_to_a_cache(tmp_path):
    # What a user without a model hub runs (docs/oracle.md): the pair the tests build, saved.
    import transformers

    out = tmp_path / "models"
    res = _run([sys.executable, "-m", "scoutsim", "oracle", "tiny-pair", "--out", str(out),
                "--dataset", str(REPO / "tests" / "fixtures" / "fictional_qa.jsonl")])
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [f"tiny-edge={out / 'tiny-edge'}", f"tiny-cloud={out / 'tiny-cloud'}"]
    layers = [transformers.AutoConfig.from_pretrained(out / n).num_hidden_layers for n in ("tiny-edge", "tiny-cloud")]
    assert layers == [2, 3]
    edge_tok, cloud_tok = (transformers.AutoTokenizer.from_pretrained(out / n) for n in ("tiny-edge", "tiny-cloud"))
    assert edge_tok.get_vocab() == cloud_tok.get_vocab()  # scout needs one tokenizer
    again = _run([sys.executable, "-m", "scoutsim", "oracle", "tiny-pair", "--out", str(out),
                  "--dataset", str(REPO / "tests" / "fixtures" / "fictional_qa.jsonl")])
    assert again.returncode == 2 and "not a new or empty folder" in again.stderr
