"""Tiny random-weight decoders (Qwen2-, Llama- and Mistral-shaped) and a word-level
tokenizer built offline, so the oracle's mechanics are tested without any download.

Weights come from a ``torch.Generator`` seeded by a ``numpy.random.SeedSequence``, not
from torch's global generator, so every test sees the same model whatever ran before.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FICTIONAL = FIXTURES / "fictional_qa.jsonl"
SHAPES = ("qwen2", "llama", "mistral")
VOCAB = 512


def torch_generator(*key: int) -> torch.Generator:
    seed = int(np.random.SeedSequence(20261125, spawn_key=key).generate_state(1, np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(seed)


def tiny_config(shape: str, vocab: int = VOCAB, layers: int = 3, hidden: int = 64):
    common = dict(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                  tie_word_embeddings=False, eos_token_id=1, bos_token_id=0, pad_token_id=0)
    if shape == "qwen2":
        return transformers.Qwen2Config(**common, use_sliding_window=False)
    if shape == "llama":
        return transformers.LlamaConfig(**common)
    if shape == "mistral":
        return transformers.MistralConfig(**common, sliding_window=None)
    raise ValueError(shape)


def tiny_model(shape: str, key: int = 0, attn: str = "sdpa", **kw):
    config = tiny_config(shape, **kw)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation=attn, dtype=torch.float32)
    g = torch_generator(SHAPES.index(shape), key)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
            else:
                # std 0.3 rather than 0.02: attention must be far from uniform for the
                # score tests to mean anything.
                p.copy_(torch.randn(p.shape, generator=g) * (0.3 if p.dim() > 1 else 0.05))
    return model.eval()


def word_tokenizer(words: list[str]):
    """A fast word-level tokenizer with a chat template (offsets work as for BPE ones)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    specials = ["<pad>", "<eos>", "<unk>", "<|user|>", "<|assistant|>", "<|system|>"]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(specials + words))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tok.add_special_tokens(specials)  # template markers stay whole tokens
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<eos>", pad_token="<pad>",
                                                unk_token="<unk>")
    fast.chat_template = ("{% for m in messages %}<|{{ m.role }}|> {{ m.content }} {% endfor %}"
                          "{% if add_generation_prompt %}<|assistant|>{% endif %}")
    return fast


def fixture_words() -> list[str]:
    import re

    from scoutsim.oracle.prompts import SYSTEM, USER

    text = SYSTEM + " " + USER + " " + FICTIONAL.read_text()
    return sorted(set(re.findall(r"\w+|[^\w\s]", text)))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
