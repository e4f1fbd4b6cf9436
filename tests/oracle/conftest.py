"""Session fixtures for the oracle tests (helpers live in tiny.py)."""

from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from .buildcli import _cmd, _run  # noqa: E402
from .tiny import fixture_words, tiny_model, word_tokenizer  # noqa: E402


@pytest.fixture(scope="session")
def tiny_pair_dir(tmp_path_factory) -> dict[str, Path]:
    """Two saved tiny Qwen2-shaped models (edge: 2 layers, cloud: 3) sharing a tokenizer."""
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
    out = tmp_path_factory.mktemp("ref") / "tiny-ref"
    res = _run(_cmd(tiny_pair_dir, out))
    assert res.returncode == 0, res.stderr[-2000:]
    return out
