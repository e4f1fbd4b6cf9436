"""A cache's README.md, generated from its ``meta.json`` so that its figures cannot drift.

Every number in the README (questions, context tokens, timing lengths and repeats, the
weights' quantization, the machine) is read from ``meta.json`` here; nothing is typed by
hand. :func:`check` says whether a README on disk is what :func:`render` makes, and a test
runs it over every shipped cache. Regenerate with
``python -m scoutsim.oracle.cachereadme oracle_cache/<name> ...``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scoutsim.oraclecache import hardware_summary, machine_class


def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _weights(name: str, model: dict) -> str:
    w = model.get("weights") or {}
    g = w.get("gguf") or (w.get("converted_from") or {}).get("gguf") or {}
    counts = (f"{_n(model['parameters'])} parameters counting the untied output layer, "
              f"{_n(model['parameters_without_output_layer'])} without it"
              if "parameters_without_output_layer" in model else f"{_n(model.get('parameters', 0))} parameters")
    if not g:
        return f"- `{name}`: {w.get('format', 'weights of unrecorded format')}; {counts}."
    types = ", ".join(f"{k} x{v}" for k, v in g.get("tensor_type_counts", {}).items())
    classes = "; ".join(f"`{cls}` {'/'.join(t)}" for cls, t in g.get("tensor_types", {}).items()
                        if not all(x == "F32" for x in t))
    source = w.get("source") or (w.get("converted_from") or {}).get("source", "")
    return (f"- `{name}`: GGUF `general.name` \"{g.get('general.name')}\" ({g.get('file_type_name')}), from "
            f"{source}; tensors {types} ({classes}); dequantized to {w.get('dequantized_to', 'bfloat16')} "
            f"before any mode ran, so every mode sees the quantized weights' rounding; {counts}.")


def _measured(name: str, meta: dict) -> str:
    d, b, t = meta["dataset"], meta["build"], meta["build"]["timing"]
    edge, cloud = meta["build"]["pairs"][0]
    modes = ", ".join(b["modes"])
    lines = [
        f"# Measured oracle: {edge} (edge) / {cloud} (cloud) on {d['name']}",
        "",
        "<!-- generated from meta.json by scoutsim.oracle.cachereadme; do not edit by hand -->",
        "",
        f"Built by scoutsim's oracle builder (`python -m scoutsim oracle build`; settings in `meta.json` `spec`) on a "
        f"{machine_class(meta).upper()} from the models named below (what they are: 'Weights'). "
        f"Questions: {d['n']} {'answerable ' if d.get('answerable_only') else ''}questions of `{d['path']}` "
        f"(sha256 `{d['content_hash'][:12]}…`), drawn by seed {d['seed']}; context tokens: mean "
        f"{_n(d['mean_context_tokens'], 1)}"
        + (f", median {_n(d['median_context_tokens'])}" if "median_context_tokens" in d else "") + ".",
        "",
        "## Weights (what the models really are)",
        "",
        *[_weights(n, m) for n, m in meta["models"].items()],
        "",
        "## Rows",
        "",
        f"Modes for ({edge}, {cloud}): {modes}; with the cloud as its own edge: {', '.join(b['cloud_modes'])}. "
        f"Greedy decoding ({b['decoding']}), at most {b['max_new_tokens']} answer tokens, {b['dtype']} everywhere; "
        f"quantization {b['quantization']}.",
        "",
        "`local` equals `bf16` per sample by construction (both are the edge model decoding from its own "
        "full cache), and `text` equals the cloud's own `bf16`; `scoutsim/oracle/consistency.py` checks it.",
        "",
        "## Timings and the machine",
        "",
        f"`timings.parquet`: {t['statistic']} of {t['repeats']} run(s) at "
        f"{', '.join(_n(x) for x in t['lengths'])} context tokens ({t['clock']}). "
        f"Machine: {hardware_summary(meta)}.",
    ]
    if machine_class(meta) == "cpu":
        lines += ["", "CPU timings model a CPU: a scenario whose cloud is a GPU needs a cloud `slowdown` well below 1 "
                  "(`python -m scoutsim oracle report` and the simulator's `meta.json` warn otherwise), or a cache "
                  "built on that GPU."]
    for note in meta.get("notes", []):
        lines += ["", f"Note: {note}"]
    lines += ["", f"See the numbers: `python -m scoutsim oracle report {name}`.", ""]
    return "\n".join(lines)


def _published(name: str, meta: dict) -> str:
    lines = [
        f"# Published oracle: {name}",
        "",
        "<!-- generated from meta.json by scoutsim.oracle.cachereadme; do not edit by hand -->",
        "",
        f"Means only (`sample_id = -1`), {len(meta.get('entries', []))} (edge, cloud, mode) rows, each with its "
        f"sample size and source in `meta.json` `entries`. Source: {meta.get('source')}. Timings: "
        f"{meta.get('device')}; how each was obtained is in `timings_source`.",
        "",
        "## Figures that differ from the study's",
        "",
    ]
    for key, c in meta.get("figure_choices", {}).items():
        lines.append(f"- {key}: uses {c['uses']} because {c['why']}. The study's figure: {c['study_figure']} "
                     f"({c['study_source']}).")
    lines += ["", "## Not in this cache", ""]
    lines += [f"- {k}: {v}" for k, v in meta.get("absent", {}).items()]
    lines += ["", f"See it: `python -m scoutsim oracle report {name}` (means, n and sources; no intervals "
              "or paired tests without per-sample values).", ""]
    return "\n".join(lines)


def render(cache_dir: Path) -> str:
    meta = json.loads((Path(cache_dir) / "meta.json").read_text())
    name = Path(cache_dir).name
    return _published(name, meta) if meta["kind"] == "published" else _measured(name, meta)


def check(cache_dir: Path) -> str | None:
    """None when README.md is what :func:`render` makes; else why not."""
    path = Path(cache_dir) / "README.md"
    if not path.is_file():
        return f"{path} is missing"
    if path.read_text() != render(cache_dir):
        return f"{path} is stale: regenerate with python -m scoutsim.oracle.cachereadme {cache_dir}"
    return None


def write(cache_dir: Path) -> Path:
    from scoutsim.oracle.writer import atomic_write_bytes

    path = Path(cache_dir) / "README.md"
    atomic_write_bytes(path, render(cache_dir).encode())
    return path


if __name__ == "__main__":  # python -m scoutsim.oracle.cachereadme DIR...
    for arg in sys.argv[1:]:
        print(f"wrote {write(Path(arg))}")
