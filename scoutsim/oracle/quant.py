"""INTk quantization of KV tensors, mixed precision, and the bottleneck-layer diagnostic.

Symmetric absmax (docs/models/payload.md): for a group of values ``x``::

    qmax  = 2^(k-1) - 1
    scale = max|x| / qmax
    q     = clamp(round(x / scale), -qmax, qmax)      # an integer in k bits
    x'    = q * scale

The largest magnitude in a group is represented exactly and every other element is off by
at most ``scale / 2`` (round to nearest), so ``|x - x'| <= max|x| / (2 (2^(k-1) - 1))``.
A group of zeros has scale 0 and is kept as zeros.

Granularity, for KV tensors shaped ``(batch, heads, tokens, head_dim)``:
- ``per_token``: one scale per (layer, head, token) vector, i.e. over ``head_dim``.
  This is what the payload physics assumes (one FP16 scale per vector).
- ``per_channel``: one scale per (layer, head, channel), i.e. over the token axis. Used
  for the keys of ``int<k>c`` modes (values stay per token), as KIVI does; the scale is
  taken over every cached position, including any a selection masks out, which can only
  make it larger (a little more rounding error) than a sender of the kept positions alone.

Arithmetic is in float32 whatever the cache dtype; the dequantized result is cast back,
so that a bf16 model reads bf16 values exactly as it would after receiving them.

Mixed precision keeps *protected* layers at 16 bit and the rest at INT4. Which layers to
protect is found by :func:`bottleneck_layers`: quantize one layer at a time and measure how
far the next-token distribution moves (KL divergence from the unquantized one); the layers
that move it most are the bottlenecks.
"""

from __future__ import annotations

import torch

from scoutsim.errors import UserError
from scoutsim.oracle import kvcache

GRANULARITIES = ("per_token", "per_channel")


def _axis(granularity: str) -> int:
    if granularity == "per_token":
        return -1
    if granularity == "per_channel":
        return -2
    raise UserError(f"unknown granularity {granularity!r}; expected one of {list(GRANULARITIES)}")


def _check_bits(bits: int) -> int:
    if not 2 <= int(bits) <= 8:
        raise UserError(f"INTk needs 2 <= k <= 8, got {bits}")
    return int(bits)


def quantize(x: torch.Tensor, bits: int, granularity: str = "per_token") -> tuple[torch.Tensor, torch.Tensor]:
    """Integers (int8 storage) and float32 scales (size 1 on the reduced axis)."""
    qmax = 2 ** (_check_bits(bits) - 1) - 1
    xf = x.float()
    scale = xf.abs().amax(dim=_axis(granularity), keepdim=True) / qmax
    safe = torch.where(scale > 0, scale, torch.ones_like(scale))
    q = torch.clamp(torch.round(xf / safe), -qmax, qmax).to(torch.int8)
    return q, scale


def dequantize(q: torch.Tensor, scale: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return (q.float() * scale).to(dtype)


def fake_quantize(x: torch.Tensor, bits: int, granularity: str = "per_token") -> torch.Tensor:
    """What the receiver reconstructs: quantize, then dequantize to ``x``'s dtype."""
    q, scale = quantize(x, bits, granularity)
    return dequantize(q, scale, x.dtype)


def quantize_cache(cache, bits: int, protected: tuple[int, ...] = (), granularity: str = "per_token",
                   layers: tuple[int, ...] | None = None, key_granularity: str | None = None) -> None:
    """Replace K and V of every layer (or only ``layers``) by their INTk reconstruction,
    in place, leaving ``protected`` layers at full precision. Keys use
    ``key_granularity`` when given (``per_channel`` for ``int<k>c``), else ``granularity``."""
    for i, (k, v) in enumerate(kvcache.layers(cache)):
        if i in protected or (layers is not None and i not in layers):
            continue
        kvcache.set_layer(cache, i, fake_quantize(k, bits, key_granularity or granularity),
                          fake_quantize(v, bits, granularity))


@torch.no_grad()
def bottleneck_layers(model, prefixes, bits: int = 4, top: int = 1, granularity: str = "per_token"):
    """Rank layers by the damage quantizing each one alone does.

    ``prefixes`` is a list of ``(cache_builder, tail_ids)``: ``cache_builder()`` returns a
    fresh prefilled cache of a prompt without its last token, ``tail_ids`` that token. For
    each layer, the layer alone is quantized and the tail is fed through; the KL divergence
    of the next-token distribution from the unquantized one is averaged over prompts.
    Returns ``(protected_layers, kl_per_layer)`` with the ``top`` worst layers protected.
    """
    from scoutsim.oracle.generate import step

    kl_sum = None
    for build, tail in prefixes:
        ref = torch.log_softmax(step(model, build(), tail).float(), -1)
        n_layers = len(kvcache.layers(build()))
        kls = []
        for layer in range(n_layers):
            cache = build()
            quantize_cache(cache, bits, granularity=granularity, layers=(layer,))
            logp = torch.log_softmax(step(model, cache, tail).float(), -1)
            kls.append(float(torch.sum(ref.exp() * (ref - logp))))
        kl = torch.tensor(kls)
        kl_sum = kl if kl_sum is None else kl_sum + kl
    mean = kl_sum / len(prefixes)
    order = torch.argsort(mean, descending=True, stable=True)
    return tuple(sorted(int(i) for i in order[:top])), [float(x) for x in mean]
