"""The weights' identity is read from the files themselves (a tiny GGUF written here)."""

import numpy as np
import pytest

gguf = pytest.importorskip("gguf")

from scoutsim.oracle import identity  # noqa: E402


def tiny_gguf(path, layers=2, tied=False):
    w = gguf.GGUFWriter(str(path), "qwen2")
    w.add_name("Tiny Coder 0.1B Instruct AWQ")
    w.add_file_type(int(gguf.LlamaFileType.MOSTLY_Q8_0))
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    rng = np.random.default_rng(np.random.SeedSequence(0))

    def q8(shape):  # Q8_0 blocks of 32 along the last axis
        data = rng.standard_normal(shape).astype(np.float32)
        return gguf.quants.quantize(data, gguf.GGMLQuantizationType.Q8_0)

    w.add_tensor("token_embd.weight", q8((16, 32)), raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    for i in range(layers):
        w.add_tensor(f"blk.{i}.attn_k.weight", q8((8, 32)), raw_dtype=gguf.GGMLQuantizationType.Q8_0)
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(32, dtype=np.float32))
    if not tied:
        w.add_tensor("output.weight", q8((16, 32)), raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def test_gguf_identity_reads_name_types_and_both_parameter_counts(tmp_path):
    ident = identity.gguf_identity(tiny_gguf(tmp_path / "m.gguf"))
    assert ident["general.name"] == "Tiny Coder 0.1B Instruct AWQ"
    assert ident["general.architecture"] == "qwen2" and ident["file_type_name"] == "MOSTLY_Q8_0"
    assert ident["tensor_types"] == {"blk.N.attn_k.weight": {"Q8_0": 2}, "blk.N.attn_norm.weight": {"F32": 2},
                                     "output.weight": {"Q8_0": 1}, "token_embd.weight": {"Q8_0": 1}}
    # 16x32 embedding + 2 x (8x32 + 32) + 16x32 output = 512 + 576 + 512
    assert ident["parameters"] == 1600 and ident["parameters_without_output_layer"] == 1088
    assert ident["output_layer_tied"] is False
    assert identity.weights_identity(tmp_path / "m.gguf")["format"] == "gguf"


def test_tied_gguf_counts_once(tmp_path):
    ident = identity.gguf_identity(tiny_gguf(tmp_path / "t.gguf", tied=True))
    assert ident["parameters"] == ident["parameters_without_output_layer"] == 1088
    assert ident["output_layer_tied"] is True


def test_tensor_class_folds_layer_numbers():
    assert identity.tensor_class("blk.17.ffn_up.weight") == "blk.N.ffn_up.weight"
    assert identity.tensor_class("model.layers.3.mlp.up_proj.weight") == "model.layers.N.mlp.up_proj.weight"
    assert identity.tensor_class("output.weight") == "output.weight"
