"""The one generation path every mode uses: greedy decoding from a prefilled cache.

Why one path: the study found a manual loop with a mask scoring 0.626 where
``model.generate`` with the same mask scored 0.527 (RESEARCH.md section 5). Comparing
modes through different decoders measures the decoders. So every mode -- full KV,
quantized, selected, scout, text, local -- goes through :func:`greedy`.

The split between sender and receiver: the sender prefills the prompt *without its last
token* (that prefix's KV cache is what travels); the receiver feeds the last prompt token
(the "tail") through the received, possibly quantized or masked cache, and the argmax of
that step's logits seeds the loop. Seeding from real logits, never from EOS, avoids the
study's F1 = 0 bug, and feeding the tail at the receiver makes every answer token,
including the first, depend on what was received.

From an unmodified cache this computes exactly what ``model.generate(do_sample=False)``
does on the whole prompt: a causal prefix's KV does not depend on later tokens.

``keep`` is a ``(1, prefix_len)`` 0/1 mask over the prefilled positions; positions the
receiver generates are always visible. Position ids stay those of the original prompt, so
a dropped token leaves a gap rather than shifting its successors' rotary phases.
"""

from __future__ import annotations

import torch

from scoutsim.oracle import kvcache


@torch.no_grad()
def prefill(model, ids: torch.Tensor, cache=None):
    """Run ``ids`` into a fresh (or given) cache; return ``(cache, last_logits)``."""
    cache = kvcache.new_cache(model) if cache is None else cache
    logits = step(model, cache, ids)
    return cache, logits


@torch.no_grad()
def step(model, cache, ids: torch.Tensor, keep: torch.Tensor | None = None) -> torch.Tensor:
    """Feed ``ids`` after the cache's contents; return the last position's logits."""
    past = kvcache.length(cache)
    n = ids.shape[1]
    position_ids = torch.arange(past, past + n, device=ids.device).unsqueeze(0)
    kwargs = {kvcache.cache_kwarg(model): cache}
    if keep is not None:
        kwargs["attention_mask"] = torch.cat(
            [keep.to(ids.device), torch.ones(1, past + n - keep.shape[1], dtype=keep.dtype, device=ids.device)], 1)
    out = model(input_ids=ids, position_ids=position_ids, use_cache=True, logits_to_keep=1, **kwargs)
    return out.logits[:, -1]


def eos_ids(model, tokenizer) -> set[int]:
    ids = set()
    for source in (getattr(model, "generation_config", None), model.config, tokenizer):
        eos = getattr(source, "eos_token_id", None)
        if eos is None:
            continue
        ids.update(eos if isinstance(eos, (list, tuple, set)) else [eos])
    return {int(i) for i in ids}


@torch.no_grad()
def greedy(model, cache, tail: torch.Tensor, keep: torch.Tensor | None = None, max_new_tokens: int = 32,
           eos: set[int] = frozenset()) -> list[int]:
    """Greedy tokens after ``tail``, stopping after an EOS token or ``max_new_tokens``."""
    logits = step(model, cache, tail, keep)
    tokens: list[int] = []
    for _ in range(max_new_tokens):
        tok = int(torch.argmax(logits, dim=-1)[0])
        tokens.append(tok)
        if tok in eos or len(tokens) == max_new_tokens:
            break
        logits = step(model, cache, torch.tensor([[tok]], device=tail.device), keep)
    return tokens
