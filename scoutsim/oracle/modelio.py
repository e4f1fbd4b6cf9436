"""Loading models from local files only, and describing them for the cache's provenance.

A model is named ``NAME=PATH`` on the command line. ``PATH`` is a directory with
``config.json`` and weights (safetensors or bin) or a single ``.gguf`` file. The Hugging Face
hub is never contacted: ``HF_HUB_OFFLINE=1`` is set before transformers is imported and
every ``from_pretrained`` gets ``local_files_only=True``. GGUF loading dequantizes every
tensor (and needs the ``gguf`` and ``accelerate`` packages); for repeated use, convert once
(``scoutsim.oracle.fetch.convert`` shows how).

The same code serves ``device="cpu"`` and ``device="cuda"``: tensors follow the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from scoutsim.errors import UserError
from scoutsim.oraclecache import file_sha256

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DTYPES = ("bfloat16", "float32", "float16")
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".json", ".jinja", ".model", ".txt")


@dataclass
class LoadedModel:
    name: str
    path: Path
    model: object
    tokenizer: object
    dtype: str
    device: str
    family: str
    protected_layers: tuple[int, ...] = field(default=())

    @property
    def config(self):
        return self.model.config


def parse_model_arg(text: str) -> tuple[str, Path]:
    if "=" not in text:
        raise UserError(f"model {text!r}: expected NAME=PATH (PATH: a local model directory or .gguf file)")
    name, path = text.split("=", 1)
    if not name.strip():
        raise UserError(f"model {text!r}: empty NAME before '='")
    p = Path(path).expanduser()
    if not (p.is_dir() and (p / "config.json").is_file()) and not (p.is_file() and p.suffix == ".gguf"):
        raise UserError(f"model {name}: {p} is neither a directory with config.json nor a .gguf file")
    return name.strip(), p


def _family(config, path: Path) -> str:
    src = path / "scoutsim-source.json" if path.is_dir() else None
    if src is not None and src.is_file():
        import json
        return json.loads(src.read_text())["family"]
    kind = getattr(config, "model_type", "unknown")
    return {"qwen2": "qwen2.5"}.get(kind, kind)


def _tokenizer_class(path: Path):
    """AutoTokenizer, unless the directory declares a generic fast tokenizer: AutoTokenizer
    would then pick the class of the model type (e.g. Qwen2's BPE) and misread a
    tokenizer.json of another kind."""
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    cfg = path / "tokenizer_config.json" if path.is_dir() else None
    if cfg is not None and cfg.is_file():
        import json
        if json.loads(cfg.read_text()).get("tokenizer_class") in ("TokenizersBackend", "PreTrainedTokenizerFast"):
            return PreTrainedTokenizerFast.from_pretrained
    return AutoTokenizer.from_pretrained


def load(name: str, path: Path, dtype: str = "bfloat16", device: str = "cpu",
         attn_implementation: str | None = None) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM

    if dtype not in DTYPES:
        raise UserError(f"--dtype {dtype!r}; expected one of {list(DTYPES)}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"--device {device}: CUDA is not available on this machine")
    kwargs = {"local_files_only": True}
    where = path
    if path.suffix == ".gguf":
        kwargs["gguf_file"] = path.name
        where = path.parent
    tokenizer = _tokenizer_class(path)(str(where), **kwargs)
    model = AutoModelForCausalLM.from_pretrained(
        str(where), dtype=getattr(torch, dtype), attn_implementation=attn_implementation, **kwargs)
    model.to(device).eval()
    return LoadedModel(name, path, model, tokenizer, dtype, device, _family(model.config, path))


def model_files(path: Path) -> dict[str, str]:
    """sha256 of every file that defines the model (weights, config, tokenizer)."""
    files = [path] if path.is_file() else sorted(p for p in path.iterdir()
                                                  if p.is_file() and p.suffix in WEIGHT_SUFFIXES)
    return {p.name: file_sha256(p) for p in files}


def describe(m: LoadedModel, files: dict[str, str] | None = None) -> dict:
    """The cache's ``models`` entry (contract keys, docs/oracle.md, plus provenance)."""
    from scoutsim.oracle import identity

    c = m.config
    heads = c.num_attention_heads
    counts = identity.parameter_counts(m.model)
    return {
        "layers": int(c.num_hidden_layers),
        "kv_heads": int(getattr(c, "num_key_value_heads", heads)),
        "head_dim": int(getattr(c, "head_dim", None) or c.hidden_size // heads),
        "attention_heads": int(heads),
        # every weight the run used, and without an untied output layer (model cards quote
        # the latter for tied models: the 0.5B's untied copy shows 630 M, its card 0.49 B)
        **counts,
        "dtype": m.dtype,
        "protected_layers": list(m.protected_layers),
        "family": m.family,
        "architecture": type(m.model).__name__,
        "path": str(m.path),
        "files": files if files is not None else model_files(m.path),
        "weights": {**identity.weights_identity(m.path), "run_dtype": m.dtype},
    }
