import pytest

from scoutsim.modes import ModeError, parse_mode


@pytest.mark.parametrize("text,canonical", [
    ("bf16", "bf16"), ("int8", "int8"), ("int2", "int2"), ("mixed_int4", "mixed_int4"),
    ("q2c@0.50+int8", "q2c@0.5+int8"), ("h2o@1+mixed_int4", "h2o@1+mixed_int4"),
    ("random@0.25+bf16", "random@0.25+bf16"), ("scout@0.5", "scout@0.5"), ("text", "text"), ("local", "local"),
])
def test_grammar_accepts_and_canonicalises(text, canonical):
    assert str(parse_mode(text)) == canonical


@pytest.mark.parametrize("text", ["int1", "int9", "fp8", "q2c@0+int8", "q2c@1.5+int8", "scout@-0.1",
                                  "topk@0.5+int8", "q2c@0.5", "q2c@0.5+int16", "scout", ""])
def test_grammar_rejects(text):
    with pytest.raises(ModeError):
        parse_mode(text)


def test_mode_properties():
    assert parse_mode("local").uses_uplink is False
    assert parse_mode("int4").quantized and not parse_mode("bf16").quantized
    assert parse_mode("scout@0.5").selects and parse_mode("scout@0.5").kind == "scout"
    assert parse_mode("snapkv@0.5+int8").selector == "snapkv"
