"""int<k>c (keys per channel, values per token, as KIVI): grammar and payload physics."""

import pytest

from scoutsim.physics.models import BUILTIN_MODELS
from scoutsim.modes import ModeError, canonical, parse_mode
from scoutsim.physics.payload import HEADER_BYTES, payload_bytes


def test_grammar_reaches_per_channel_keys():
    m = parse_mode("int4c")
    assert m.kind == "kv" and m.bits == 4 and m.key_channel and m.quantized and str(m) == "int4c"
    assert canonical("q2c@0.50+int3c") == "q2c@0.5+int3c" and parse_mode("q2c@0.5+int3c").key_channel
    assert not parse_mode("int4").key_channel
    for bad in ("int9c", "int1c", "bf16c", "mixed_int4c"):
        with pytest.raises(ModeError):
            parse_mode(bad)


def test_payload_counts_one_key_scale_per_channel():
    # Qwen2.5-7B: 28 layers, 4 KV heads, head_dim 128; 170 tokens.
    shape = BUILTIN_MODELS["qwen2.5-7b"]
    elements = 2 * 28 * 4 * 170 * 128                       # K and V
    per_channel = elements * 4 // 8 + 28 * 4 * (128 + 170) * 2  # key scales per channel, value scales per token
    per_token = elements * 4 // 8 + 2 * 28 * 4 * 170 * 2        # one scale per K and V vector
    kw = dict(context_bytes=850, question_bytes=60)
    assert payload_bytes(shape, parse_mode("int4c"), 170, **kw) == HEADER_BYTES + per_channel == 2_503_936
    assert payload_bytes(shape, parse_mode("int4"), 170, **kw) == HEADER_BYTES + per_token == 2_513_344
