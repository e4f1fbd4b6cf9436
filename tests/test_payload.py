"""Payload bytes of every mode for Qwen2.5-7B (28 layers, 4 KV heads, head_dim 128),
computed here from the definitions, not from scoutsim's code."""

from __future__ import annotations

import math

import pytest

from scoutsim.physics.models import BUILTIN_MODELS
from scoutsim.modes import parse_mode
from scoutsim.physics.payload import payload_bytes

HEADER = 64
CTX_BYTES, Q_BYTES = 850, 60


def kv(n, bits, layers=28):
    """K and V elements of `layers` layers, at `bits` bits, plus per-token FP16 scales."""
    elements = 2 * layers * 4 * n * 128
    scales = 0 if bits == 16 else 2 * layers * 4 * n * 2
    return math.ceil(elements * bits / 8) + scales


EXPECTED = {
    170: {
        "bf16": HEADER + 9_748_480,  # the study: 9.7 MB (docs/study.md)
        "int8": HEADER + 4_874_240 + 76_160,
        "int4": HEADER + 2_437_120 + 76_160,
        "int3": HEADER + 1_827_840 + 76_160,
        "int2": HEADER + 1_218_560 + 76_160,
        # layer 0 at 16 bit (348,160 B), 27 layers INT4 (2,350,080 B) + their scales (73,440 B)
        "mixed_int4": HEADER + 348_160 + 2_350_080 + 73_440,
        # keep ceil(0.5*170) = 85 positions; a 170-bit bitmap (22 B) beats 85 indices (170 B)
        "q2c@0.5+int8": HEADER + kv(85, 8) + 22,
        "snapkv@0.25+bf16": HEADER + kv(43, 16) + 22,
        "scout@0.5": HEADER + 22 + Q_BYTES,
        "scout@0.05": HEADER + 2 * 9 + Q_BYTES,  # 9 indices (18 B) beat the bitmap
        "text": HEADER + CTX_BYTES + Q_BYTES,
        "local": 0,
    },
    1024: {
        "bf16": HEADER + 58_720_256,  # the study: 58.7 MB
        "int8": HEADER + 29_360_128 + 458_752,
        "int4": HEADER + 14_680_064 + 458_752,
        "mixed_int4": HEADER + 2 * 4 * 1024 * 128 * 2 + 27 * 2 * 4 * 1024 * 128 // 2 + 27 * 2 * 4 * 1024 * 2,
        "q2c@0.75+int4": HEADER + kv(768, 4) + 128,  # bitmap of 1024 bits = 128 B
        "scout@0.5": HEADER + 128 + Q_BYTES,
        "scout@0.05": HEADER + 2 * 52 + Q_BYTES,  # ceil(51.2) = 52 indices: 104 B < 128 B
        "text": HEADER + CTX_BYTES + Q_BYTES,
        "local": 0,
    },
}


@pytest.mark.parametrize("tokens,mode,expected",
                         [(n, m, e) for n, table in EXPECTED.items() for m, e in table.items()])
def test_payload_bytes_qwen7b(tokens, mode, expected):
    got = payload_bytes(BUILTIN_MODELS["qwen2.5-7b"], parse_mode(mode), tokens,
                        context_bytes=CTX_BYTES, question_bytes=Q_BYTES)
    assert got == expected


def test_scout_without_context_at_cloud_sends_the_text_too():
    shape = BUILTIN_MODELS["qwen2.5-7b"]
    with_ctx = payload_bytes(shape, parse_mode("scout@0.5"), 170, context_bytes=CTX_BYTES,
                             question_bytes=Q_BYTES, context_at_cloud=False)
    assert with_ctx == HEADER + 22 + Q_BYTES + CTX_BYTES


def test_study_sizes_in_megabytes():
    # The study's table (docs/models/payload.md): KV at 1024 tokens, BF16 (headers aside).
    for name, mb in [("qwen2.5-3b", 37.7), ("qwen2.5-14b", 201.3), ("mistral-7b", 134.2),
                     ("phi-3.5-mini", 402.7), ("pythia-2.8b", 335.5)]:
        got = payload_bytes(BUILTIN_MODELS[name], parse_mode("bf16"), 1024, context_bytes=0, question_bytes=0)
        assert (got - HEADER) / 1e6 == pytest.approx(mb, abs=0.05)


def test_mixed_int4_is_27_7_percent_of_bf16_without_scales():
    # The study: (1x16 + 27x4)/28 = 4.43 bits, 27.7 % of BF16 (scales aside).
    bits = (1 * 16 + 27 * 4) / 28
    assert bits / 16 == pytest.approx(0.277, abs=0.001)
    shape = BUILTIN_MODELS["qwen2.5-7b"]
    mixed = payload_bytes(shape, parse_mode("mixed_int4"), 170, context_bytes=0, question_bytes=0) - HEADER
    scales = 27 * 2 * 4 * 170 * 2
    full = 2 * 28 * 4 * 170 * 128 * 2
    assert (mixed - scales) / full == pytest.approx(bits / 16, rel=1e-12)
