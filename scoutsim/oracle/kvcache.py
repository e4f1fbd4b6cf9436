"""Reading and rewriting a transformers KV cache through its public API.

transformers 5.x's ``DynamicCache`` is not subscriptable (docs/oracle.md): its
layers are ``cache.layers[i].keys`` / ``.values``. Older releases kept ``key_cache`` and
``value_cache`` lists. Everything else in the oracle touches caches only through these
helpers, so a change of API is a change here.

Tensors are ``(batch, kv_heads, tokens, head_dim)``.
"""

from __future__ import annotations

import inspect

import torch


def layers(cache) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    return list(zip(cache.key_cache, cache.value_cache))


def set_layer(cache, i: int, keys: torch.Tensor, values: torch.Tensor) -> None:
    if hasattr(cache, "layers"):
        cache.layers[i].keys, cache.layers[i].values = keys, values
    else:
        cache.key_cache[i], cache.value_cache[i] = keys, values


def length(cache) -> int:
    return int(cache.get_seq_length())


def new_cache(model):
    from transformers import DynamicCache

    try:
        return DynamicCache(config=model.config)
    except TypeError:  # releases before the config argument
        return DynamicCache()


def clone(model, cache):
    """An independent copy (each mode modifies its own)."""
    out = new_cache(model)
    for i, (k, v) in enumerate(layers(cache)):
        out.update(k.clone(), v.clone(), i)
    return out


def batch_size(cache) -> int:
    return int(layers(cache)[0][0].shape[0])


def stack(model, caches: list):
    """One cache whose batch rows are ``caches`` (all of the same length)."""
    out = new_cache(model)
    per_cache = [layers(c) for c in caches]
    for i in range(len(per_cache[0])):
        out.update(torch.cat([p[i][0] for p in per_cache]), torch.cat([p[i][1] for p in per_cache]), i)
    return out


def cache_kwarg(model) -> str:
    """The name the model's forward gives its cache argument (renamed in transformers 5)."""
    params = inspect.signature(model.forward).parameters
    return "cache" if "cache" in params else "past_key_values"

