"""The one generation path every mode uses: greedy decoding from a prefilled cache.

Why one path: the study found a manual loop with a mask scoring 0.626 where
``model.generate`` with the same mask scored 0.527 (docs/oracle.md). Comparing
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
    """Feed ``ids`` (batch, k) after the cache's contents; return the last position's logits."""
    past = kvcache.length(cache)
    b, n = ids.shape
    position_ids = torch.arange(past, past + n, device=ids.device).unsqueeze(0).expand(b, n)
    kwargs = {kvcache.cache_kwarg(model): cache}
    if keep is not None:
        kwargs["attention_mask"] = torch.cat(
            [keep.to(ids.device), torch.ones(b, past + n - keep.shape[1], dtype=keep.dtype, device=ids.device)], 1)
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
def greedy_batch(model, cache, tail: torch.Tensor, keep: torch.Tensor | None = None, max_new_tokens: int = 32,
                 eos: set[int] = frozenset()) -> list[list[int]]:
    """Greedy tokens for every row of a batched cache, each row stopping after its first EOS
    or ``max_new_tokens``.

    Rows are independent (each attends to its own cache row under its own mask); batching
    only lets one read of the weights serve every mode of a sample, which on a CPU is most
    of a decoding step's cost. Finished rows keep being fed EOS until all are done; what
    they produce then is discarded.
    """
    b = kvcache.batch_size(cache)
    ids = tail.expand(b, -1) if tail.shape[0] == 1 else tail
    logits = step(model, cache, ids, keep)
    out: list[list[int]] = [[] for _ in range(b)]
    done = [False] * b
    fill = min(eos) if eos else 0
    for _ in range(max_new_tokens):
        toks = torch.argmax(logits, dim=-1).tolist()
        for r, t in enumerate(toks):
            if not done[r]:
                out[r].append(int(t))
                done[r] = int(t) in eos or len(out[r]) == max_new_tokens
        if all(done):
            break
        nxt = torch.tensor([[fill if done[r] else toks[r]] for r in range(b)], device=ids.device)
        logits = step(model, cache, nxt, keep)
    return out


def greedy(model, cache, tail: torch.Tensor, keep: torch.Tensor | None = None, max_new_tokens: int = 32,
           eos: set[int] = frozenset()) -> list[int]:
    """:func:`greedy_batch` for a single cache row."""
    return greedy_batch(model, cache, tail, keep, max_new_tokens, eos)[0]
