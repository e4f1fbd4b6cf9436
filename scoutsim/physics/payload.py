"""Payload bytes of every mode, from model shapes (physics, no look-up tables).

For ``n`` prompt tokens and a model with ``L`` layers, ``H`` KV heads and head size ``d``:

* KV at ``b`` bits: ``ceil(2 L H m d b / 8)`` bytes for the ``m`` positions sent.
* Per-token INTk quantization also sends one FP16 scale per (layer, head, token, K|V)
  vector: ``2 L H m x 2`` bytes. bf16 sends none.
* ``int<k>c`` (KIVI-style) sends keys with one FP16 scale per (layer, head, channel) and
  values with one per (layer, head, token): ``L H (d + m) x 2`` bytes of scales.
* ``mixed_int4`` keeps the model's protected layers at 16 bit (no scales) and sends the
  other layers as per-token INT4.
* Token selection keeps ``m = ceil(r n)`` positions and says which: either 2-byte indices
  (``2 m`` bytes) or an ``n``-bit bitmap (``ceil(n / 8)`` bytes), whichever is smaller.
* ``scout@r`` sends only those indices and the question; the cloud holds the context (or,
  with ``context_at_cloud: false``, the context text travels too).
* ``text`` sends the context text and the question; ``local`` sends nothing.
* Every transfer carries a fixed :data:`HEADER_BYTES` header (request id, model id, shapes,
  mode, lengths).

A scenario may instead state a mode's size (an agent group's ``payload_bytes``, to rerun a
study with the sizes it published): :func:`sent_bytes` returns that size for every request,
whatever its context length, and the physics for every mode it does not name.

Units: bytes; 1 MB = 10^6 bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from scoutsim.physics.models import ModelShape
from scoutsim.modes import Mode

HEADER_BYTES = 64
SCALE_BYTES = 2  # one FP16 scale per quantized vector
INDEX_BYTES = 2  # one uint16 position index


def kept_positions(tokens: int, retention: float) -> int:
    return max(1, math.ceil(retention * tokens - 1e-9))


def index_bytes(tokens: int, kept: int) -> int:
    """Smaller of a list of 2-byte indices and an n-bit bitmap."""
    return min(INDEX_BYTES * kept, math.ceil(tokens / 8))


def kv_bytes(shape: ModelShape, mode: Mode, positions: int) -> int:
    """Bytes of the KV cache for ``positions`` tokens at the mode's precision (with scales)."""
    per_layer_elements = 2 * shape.kv_heads * positions * shape.head_dim
    per_layer_vectors = 2 * shape.kv_heads * positions
    if mode.bits == 16 and not mode.mixed:
        return shape.layers * per_layer_elements * 2
    if mode.mixed:
        protected = len(set(shape.protected_layers))
        if protected == 0:
            raise ValueError(f"model {shape.name} has no protected layers known for mixed_int4")
        quantized_layers = shape.layers - protected
        bits = quantized_layers * per_layer_elements * 4
        return (protected * per_layer_elements * 2 + math.ceil(bits / 8)
                + quantized_layers * per_layer_vectors * SCALE_BYTES)
    bits = shape.layers * per_layer_elements * mode.bits
    if mode.key_channel:  # int<k>c: key scales per channel (d per head), value scales per token (m)
        return math.ceil(bits / 8) + shape.layers * shape.kv_heads * (shape.head_dim + positions) * SCALE_BYTES
    return math.ceil(bits / 8) + shape.layers * per_layer_vectors * SCALE_BYTES


def payload_bytes(
    shape: ModelShape,
    mode: Mode,
    tokens: int,
    *,
    context_bytes: int,
    question_bytes: int,
    context_at_cloud: bool = True,
) -> int:
    """Bytes that cross the uplink for one request of ``tokens`` prompt tokens."""
    if tokens <= 0:
        raise ValueError(f"a request needs at least one prompt token, got {tokens}")
    if mode.kind == "local":
        return 0
    if mode.kind == "text":
        return HEADER_BYTES + context_bytes + question_bytes
    kept = kept_positions(tokens, mode.retention)
    if mode.kind == "scout":
        size = HEADER_BYTES + index_bytes(tokens, kept) + question_bytes
        return size if context_at_cloud else size + context_bytes
    size = HEADER_BYTES + kv_bytes(shape, mode, kept)
    if mode.selects:
        size += index_bytes(tokens, kept)
    return size


def sent_bytes(
    name: str,
    stated: Mapping[str, int] | None,
    shape: ModelShape,
    mode: Mode,
    tokens: int,
    *,
    context_bytes: int,
    question_bytes: int,
    context_at_cloud: bool = True,
) -> int:
    """Bytes one request sends in the mode called ``name``: its stated size when ``stated``
    names it, else :func:`payload_bytes`."""
    if stated and name in stated:
        return stated[name]
    return payload_bytes(shape, mode, tokens, context_bytes=context_bytes, question_bytes=question_bytes,
                         context_at_cloud=context_at_cloud)
