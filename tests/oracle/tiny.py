"""Tiny random-weight decoders (Qwen2-, Llama- and Mistral-shaped) and a word-level
tokenizer built offline, so the oracle's mechanics are tested without any download.

Weights come from a ``torch.Generator`` seeded by a ``numpy.random.SeedSequence``, not
from torch's global generator, so every test sees the same model whatever ran before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FICTIONAL = FIXTURES / "fictional_qa.jsonl"
VOCAB = 512


# The models and tokenizer are the package's (users build the same offline: oracle tiny-pair).
from scoutsim.oracle.tinypair import SHAPES, tiny_config, tiny_model, torch_generator, word_tokenizer  # noqa: E402,F401


def fixture_words() -> list[str]:
    from scoutsim.oracle.tinypair import words_of

    return words_of(FICTIONAL.read_text())


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
