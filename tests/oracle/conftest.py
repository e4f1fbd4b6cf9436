"""Session fixtures for the oracle tests (helpers live in tiny.py).

Only tests that need torch skip without it: each such module calls
``pytest.importorskip("torch")`` itself, and these fixtures import the tiny models lazily,
so data, scoring, report, consistency and metadata tests run on a simulator-only install.
"""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_pair_dir(tmp_path_factory) -> dict[str, Path]:
    """Two saved tiny Qwen2-shaped models (edge: 2 layers, cloud: 3) sharing a tokenizer."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from .tiny import fixture_words, tiny_model, word_tokenizer

    root = tmp_path_factory.mktemp("tiny_pair")
    tok = word_tokenizer(fixture_words())
    out = {}
    for name, layers, key in (("tiny-edge", 2, 1), ("tiny-cloud", 3, 2)):
        m = tiny_model("qwen2", key=key, layers=layers, vocab=len(tok))
        m.config.eos_token_id = tok.eos_token_id
        m.generation_config.eos_token_id = tok.eos_token_id
        path = root / name
        m.save_pretrained(path)
        tok.save_pretrained(path)
        out[name] = path
    return out


@pytest.fixture(scope="session")
def reference_build(tiny_pair_dir, tmp_path_factory):
    from .buildcli import _cmd, _run

    out = tmp_path_factory.mktemp("ref") / "tiny-ref"
    res = _run(_cmd(tiny_pair_dir, out))
    assert res.returncode == 0, res.stderr[-2000:]
    return out
