"""A tiny random-weight model pair and a word-level tokenizer, built offline: what a user
without access to a model hub (and the test suite) builds an oracle cache from.

The models are Qwen2-, Llama- or Mistral-shaped decoders of a few layers whose weights come
from a ``torch.Generator`` seeded by a ``numpy.random.SeedSequence`` (not torch's global
generator), so the same call gives the same weights whatever ran before. Their answers are
noise: a cache built from them checks the oracle's mechanics (payload sizes from the shapes,
every mode's pipeline, timings, the cache format) and feeds the simulator, but its F1 says
nothing about any real model. The tokenizer knows the words of one data set and of the
prompt, so every question is tokenized without unknown words.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

SHAPES = ("qwen2", "llama", "mistral")
ROOT_SEED = 20261125


def torch_generator(*key: int):
    import torch

    seed = int(np.random.SeedSequence(ROOT_SEED, spawn_key=key).generate_state(1, np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(seed)


def tiny_config(shape: str, vocab: int = 512, layers: int = 3, hidden: int = 64):
    import transformers

    common = dict(vocab_size=vocab, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024,
                  tie_word_embeddings=False, eos_token_id=1, bos_token_id=0, pad_token_id=0)
    if shape == "qwen2":
        return transformers.Qwen2Config(**common, use_sliding_window=False)
    if shape == "llama":
        return transformers.LlamaConfig(**common)
    if shape == "mistral":
        return transformers.MistralConfig(**common, sliding_window=None)
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")


def tiny_model(shape: str, key: int = 0, attn: str = "sdpa", **kw):
    import torch
    import transformers

    config = tiny_config(shape, **kw)
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation=attn, dtype=torch.float32)
    g = torch_generator(SHAPES.index(shape), key)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
            else:
                # std 0.3 rather than 0.02: attention must be far from uniform for the
                # selection modes (q2c, snapkv, h2o) to have anything to select.
                p.copy_(torch.randn(p.shape, generator=g) * (0.3 if p.dim() > 1 else 0.05))
    return model.eval()


def word_tokenizer(words: list[str]):
    """A fast word-level tokenizer with a chat template (offsets work as for BPE ones)."""
    import transformers
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


def words_of(text: str) -> list[str]:
    """The vocabulary a word tokenizer needs for ``text`` and the oracle's prompt."""
    from scoutsim.oracle.prompts import SYSTEM, USER

    return sorted(set(re.findall(r"\w+|[^\w\s]", SYSTEM + " " + USER + " " + text)))


def write_pair(out: Path, dataset: Path, shape: str = "qwen2") -> dict[str, Path]:
    """Save ``tiny-edge`` (2 layers) and ``tiny-cloud`` (3 layers), one tokenizer for both
    (scout needs a shared tokenizer), under ``out``; their paths by name."""
    import transformers

    transformers.utils.logging.disable_progress_bar()  # a few kilobytes need no bar
    tok = word_tokenizer(words_of(Path(dataset).read_text(errors="replace")))
    paths = {}
    for name, layers, key in (("tiny-edge", 2, 1), ("tiny-cloud", 3, 2)):
        m = tiny_model(shape, key=key, layers=layers, vocab=len(tok))
        m.config.eos_token_id = tok.eos_token_id
        m.generation_config.eos_token_id = tok.eos_token_id
        m.save_pretrained(out / name)
        tok.save_pretrained(out / name)
        paths[name] = out / name
    return paths
