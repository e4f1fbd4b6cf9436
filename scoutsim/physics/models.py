"""Model shapes: what decides how many bytes a KV cache has.

A KV cache holds, for every layer, every KV head and every token, one key and one value
vector of ``head_dim`` elements, so its size is::

    2 (K and V) x layers x kv_heads x tokens x head_dim x bytes_per_element

The built-in shapes are those of the study's table (docs/models/payload.md), read from each model's Hugging Face
config. An oracle cache's ``meta.json`` may add models (its ``models`` block has the same
fields); :func:`ModelBook.with_cache_models` merges them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class ModelShape:
    name: str
    layers: int
    kv_heads: int
    head_dim: int
    attention_heads: int
    parameters: float  # number of weights; sets derived compute times
    family: str  # models of one family share a tokenizer, so scout indices carry across
    dtype: str = "bfloat16"
    protected_layers: tuple[int, ...] = field(default=())  # kept at 16 bit by mixed_int4

    def kv_elements(self, tokens: int) -> int:
        return 2 * self.layers * self.kv_heads * tokens * self.head_dim


BUILTIN_MODELS: dict[str, ModelShape] = {
    m.name: m
    for m in (
        ModelShape("qwen2.5-3b", 36, 2, 128, 16, 3.09e9, "qwen2.5"),
        ModelShape("qwen2.5-7b", 28, 4, 128, 28, 7.62e9, "qwen2.5", protected_layers=(0,)),
        ModelShape("qwen2.5-14b", 48, 8, 128, 40, 14.7e9, "qwen2.5"),
        ModelShape("mistral-7b", 32, 8, 128, 32, 7.25e9, "mistral"),
        ModelShape("llama-3.1-8b", 32, 8, 128, 32, 8.03e9, "llama3"),
        ModelShape("yi-1.5-6b", 32, 4, 128, 32, 6.06e9, "yi"),
        ModelShape("phi-3.5-mini", 32, 32, 96, 32, 3.82e9, "phi3"),
        ModelShape("pythia-2.8b", 32, 32, 80, 32, 2.78e9, "pythia"),
    )
}


def shape_from_meta(name: str, entry: dict) -> ModelShape:
    """Build a shape from an oracle cache's ``meta.json`` ``models`` entry."""
    return ModelShape(
        name=name,
        layers=int(entry["layers"]),
        kv_heads=int(entry["kv_heads"]),
        head_dim=int(entry["head_dim"]),
        attention_heads=int(entry["attention_heads"]),
        parameters=float(entry.get("parameters", 0.0)),
        family=str(entry.get("family", name)),
        dtype=str(entry.get("dtype", "bfloat16")),
        protected_layers=tuple(int(x) for x in entry.get("protected_layers", ())),
    )


class ModelBook:
    """The models a scenario may name: built-ins, overridden by an oracle cache's own."""

    def __init__(self, shapes: dict[str, ModelShape] | None = None):
        self._shapes = dict(BUILTIN_MODELS if shapes is None else shapes)

    def with_cache_models(self, models: dict[str, dict]) -> "ModelBook":
        merged = dict(self._shapes)
        for name, entry in models.items():
            shape = shape_from_meta(name, entry)
            if name in merged and not shape.protected_layers:
                shape = replace(shape, protected_layers=merged[name].protected_layers)
            merged[name] = shape
        return ModelBook(merged)

    def __getitem__(self, name: str) -> ModelShape:
        return self._shapes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._shapes

    def names(self) -> list[str]:
        return sorted(self._shapes)
