"""What a model's weights really are, as recorded in ``meta.json`` ``models.<name>.weights``.

A friendly cache name ("qwen2.5-coder-0.5b") says little: the 0.5B of the shipped pair
is an AWQ build exported to GGUF with Q5_0 / Q4_K / Q6_K / Q8_0 tensors, dequantized to
bf16 before any mode ran. So the builder records, from the files themselves:

- for a GGUF file (read with the ``gguf`` package's :class:`gguf.GGUFReader`): the
  header's ``general.name``, architecture and file type, and the quantization type of
  every tensor class (``blk.N.attn_k.weight`` and so on, with how many layers use each);
- for a safetensors directory: the dtypes stored, any ``quantization_config`` in
  ``config.json``, and what ``scoutsim-source.json`` (written by ``oracle fetch-pair``)
  says about the GGUF it was converted from and that it was dequantized;
- both parameter counts: every tensor, and without an untied output layer (``lm_head``
  / ``output.weight``), which a tied model shares with the embedding.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

OUTPUT_TENSORS = ("output.weight", "lm_head.weight")
EMBEDDING_TENSORS = ("token_embd.weight", "model.embed_tokens.weight")


def tensor_class(name: str) -> str:
    """``blk.7.attn_k.weight`` -> ``blk.N.attn_k.weight`` (one class per role, all layers)."""
    return re.sub(r"(^|\.)(\d+)\.", r"\1N.", name, count=1)


def _field(reader, key: str):
    f = reader.fields.get(key)
    if f is None:
        return None
    try:
        return f.contents()
    except Exception:  # an unusual field type: record that it exists, not its value
        return "?"


def gguf_identity(path: Path) -> dict:
    """Identity of a GGUF file from its header (tensor data is not read)."""
    from gguf import GGUFReader, LlamaFileType

    reader = GGUFReader(str(path))
    types: dict[str, Counter] = {}
    total = output = 0
    names = set()
    for t in reader.tensors:
        names.add(t.name)
        types.setdefault(tensor_class(t.name), Counter())[t.tensor_type.name] += 1
        total += int(t.n_elements)
        if t.name in OUTPUT_TENSORS:
            output += int(t.n_elements)
    file_type = _field(reader, "general.file_type")
    try:
        file_type_name = LlamaFileType(int(file_type)).name
    except (TypeError, ValueError):
        file_type_name = None
    overall = Counter()
    for c in types.values():
        overall.update(c)
    return {
        "format": "gguf",
        "file": Path(path).name,
        "general.name": _field(reader, "general.name"),
        "general.architecture": _field(reader, "general.architecture"),
        "general.file_type": file_type, "file_type_name": file_type_name,
        "quantization_version": _field(reader, "general.quantization_version"),
        "tensor_types": {cls: dict(sorted(c.items())) for cls, c in sorted(types.items())},
        "tensor_type_counts": dict(sorted(overall.items())),
        "tensors": len(reader.tensors),
        "parameters": total,
        "parameters_without_output_layer": total - output,
        "output_layer_tied": output == 0,
    }


def _safetensors_dtypes(path: Path) -> dict[str, int]:
    from safetensors import safe_open

    counts: Counter = Counter()
    for f in sorted(path.glob("*.safetensors")):
        with safe_open(str(f), framework="numpy") as st:  # header only; no tensor is loaded
            for name in st.keys():
                counts[st.get_slice(name).get_dtype()] += 1
    return dict(sorted(counts.items()))


def weights_identity(path: Path) -> dict:
    """What the weights at ``path`` (a .gguf file or a model directory) are."""
    path = Path(path)
    if path.is_file() and path.suffix == ".gguf":
        return {**gguf_identity(path), "dequantized_to": "the run's --dtype (transformers dequantizes GGUF on load)"}
    out: dict = {"format": "safetensors" if any(path.glob("*.safetensors")) else "pytorch bin"}
    if out["format"] == "safetensors":
        out["stored_dtypes"] = _safetensors_dtypes(path)
    cfg = path / "config.json"
    if cfg.is_file():
        config = json.loads(cfg.read_text())
        out["quantization_config"] = config.get("quantization_config")
        out["tie_word_embeddings"] = config.get("tie_word_embeddings")
    src = path / "scoutsim-source.json"
    if src.is_file():
        source = json.loads(src.read_text())
        out["converted_from"] = {k: v for k, v in source.items() if k != "family"}
    return out


def parameter_counts(model) -> dict:
    """Both counts of a loaded transformers model: every parameter, and without an untied
    output layer (a tied one is the embedding itself and is counted once either way)."""
    total = sum(p.numel() for p in model.parameters())
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    emb = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") else None
    tied = head is not None and emb is not None and head.weight is emb.weight
    untied = 0 if head is None or tied else head.weight.numel()
    return {"parameters": int(total), "parameters_without_output_layer": int(total - untied),
            "output_layer_tied": bool(tied)}
