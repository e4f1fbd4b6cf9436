"""Building an oracle cache: resumable, and identical however often it was interrupted.

Work in progress lives in ``<out>/.partial/``:

- ``config.json``: what the build *is* (models and their file digests, data set and its
  hash, seed, modes, decoding settings). A resumed build must match it; asking for more
  samples is allowed (the draw is a prefix of one seeded order, see ``data.py``), anything
  else is refused, because mixing two configurations in one cache would be silent garbage.
- ``protected.json``: the mixed-INT4 protected layers and the diagnostic behind them.
- ``samples/<sample_id>.json``: every mode's rows for one sample.
- ``timings.json``: the timing table.

Samples run in this process or, with the ``ray`` executor, in Ray workers
(``distributed.py``) that write the very same shards; everything else (the diagnostic,
timings, assembly) runs here either way, so both give the same ``quality.parquet``.

Each file is written atomically (``writer.atomic_write_*``) the moment it is complete, so a
SIGKILL at any instant loses at most the sample in progress. Results depend only on the
configuration and the sample (greedy decoding; random selection seeded per sample and
mode), so a resumed build recomputes the lost sample to the same rows and the final
``quality.parquet`` equals an uninterrupted build's byte for byte. Timings are measured
once and kept, since a second measurement would differ.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from scoutsim.errors import UserError
from scoutsim.folders import never_output
from scoutsim.modes import ModeError, canonical, parse_mode
from scoutsim.oracle import cachereadme, data, distributed, hardware, kvcache, modelio, prompts, quant, timing, writer
from scoutsim.oracle.generate import prefill
# The unit of work, shared with the Ray workers (distributed.py imports it, not this module).
from scoutsim.oracle.samples import build_sample, load_pair

DEFAULT_MODES = ["bf16", "int8", "int4", "int3", "int2", "mixed_int4"] + [
    f"{s}@{r}+bf16" for s in ("q2c", "snapkv", "h2o", "random") for r in ("0.25", "0.5", "0.75")] + [
    f"scout@{r}" for r in ("0.25", "0.5", "0.75")] + ["text", "local"]
DEFAULT_CLOUD_MODES = ["bf16", "q2c@0.25+bf16", "q2c@0.5+bf16", "q2c@0.75+bf16"]


@dataclass
class BuildSpec:
    out: Path
    edge: tuple[str, Path]
    cloud: tuple[str, Path]
    dataset: Path
    samples: int
    seed: int = 0
    modes: list[str] = field(default_factory=lambda: list(DEFAULT_MODES))
    cloud_modes: list[str] = field(default_factory=lambda: list(DEFAULT_CLOUD_MODES))
    dataset_format: str = "auto"
    dataset_name: str | None = None
    split: str = "dev"
    answerable_only: bool = True
    device: str = "cpu"
    dtype: str = "bfloat16"
    max_new_tokens: int = 32
    protected_layers: tuple[int, ...] | None = None  # None: found by the bottleneck diagnostic
    calibration: int = 4
    timing_lengths: tuple[int, ...] = (64, 128, 256, 512, 1024)
    timing_repeats: int = 3
    progress: bool = True

    def validated_modes(self) -> tuple[list[str], list[str]]:
        try:
            modes = list(dict.fromkeys(canonical(m) for m in self.modes))
        except ModeError as exc:
            raise UserError(f"--modes: {exc}") from None
        try:
            cloud = list(dict.fromkeys(canonical(m) for m in self.cloud_modes))
        except ModeError as exc:
            raise UserError(f"--cloud-modes: {exc}") from None
        bad = [m for m in cloud if parse_mode(m).kind != "kv"]
        if bad:
            raise UserError(f"--cloud-modes {bad}: only KV modes run with the cloud as its own edge")
        return modes, cloud


def _tqdm(iterable, enabled: bool, **kw):
    if not enabled:
        return iterable
    from tqdm import tqdm
    return tqdm(iterable, **kw)


def _identity(spec: BuildSpec, modes, cloud_modes, files: dict, dataset_hash: str) -> dict:
    return {"edge": spec.edge[0], "cloud": spec.cloud[0], "model_files": files, "dataset_sha256": dataset_hash,
            "dataset_format": spec.dataset_format, "answerable_only": spec.answerable_only, "seed": spec.seed,
            "modes": modes, "cloud_modes": cloud_modes, "dtype": spec.dtype, "max_new_tokens": spec.max_new_tokens,
            "protected_layers": None if spec.protected_layers is None else list(spec.protected_layers),
            "calibration": spec.calibration}


def _check_resume(partial: Path, ident: dict) -> None:
    cfg = partial / "config.json"
    if cfg.is_file():
        old = json.loads(cfg.read_text())
        diff = sorted(k for k in set(old) | set(ident) if old.get(k) != ident.get(k))
        if diff:
            raise UserError(f"{partial.parent} holds a build with different {diff}; resume it with the same "
                            "settings, or choose another output name (or delete its .partial/)")
    else:
        writer.atomic_write_json(cfg, ident)


def _protected(spec: BuildSpec, loaded: modelio.LoadedModel, calib: list[data.Sample], partial: Path, log) -> dict:
    path = partial / f"protected-{loaded.name}.json"
    if path.is_file():
        return json.loads(path.read_text())
    if spec.protected_layers is not None:
        found = {"protected_layers": list(spec.protected_layers), "method": "given"}
    else:
        log(f"bottleneck diagnostic for {loaded.name}: INT4 on one layer at a time, {len(calib)} prompts")
        prefixes = []
        for s in calib:
            p = prompts.build_prompt(loaded.tokenizer, s.context, s.question)
            ids = p.input_ids.to(loaded.device)
            base = prefill(loaded.model, ids[:, :-1])[0]
            prefixes.append((lambda base=base: kvcache.clone(loaded.model, base), ids[:, -1:]))
        layers, kl = quant.bottleneck_layers(loaded.model, prefixes, bits=4, top=1)
        found = {"protected_layers": list(layers), "method": "bottleneck: mean KL of next-token distribution, "
                 "INT4 per-token on one layer at a time", "kl_per_layer": kl,
                 "calibration_sample_ids": [s.sample_id for s in calib]}
    writer.atomic_write_json(path, found)
    return found


def claim(out: Path) -> None:
    """Refuse an output folder a build must not write into, before anything is loaded: one no
    command may write (:func:`scoutsim.folders.never_output`), or a folder holding files that
    are not this kind of build's (a build writes ``.gitignore``, ``meta.json`` and ``README.md``
    of its own there, replacing any). A folder with a build's ``.partial/`` is resumed."""
    flag = f"--out {out}"
    why = never_output(out)
    if why:
        raise UserError(f"{flag} {why} (default: oracle_cache/NAME)")
    if not out.is_dir() or (out / ".partial" / "config.json").is_file():
        return  # new, or a build's own folder (resumed or extended)
    names = {p.name for p in out.iterdir()}
    if (out / "meta.json").is_file() and "quality.parquet" in names:
        raise UserError(f"{flag} is a finished oracle cache without its build record (.partial/: a shipped or "
                        "copied cache); a build cannot tell what it was built with. Name a new folder")
    # A build's own first writes (before its config.json) stay claimable: a first attempt that
    # failed before it began can be rerun into the same folder.
    ours = names <= {".gitignore", ".partial"} and (
        ".gitignore" not in names or (out / ".gitignore").read_text(errors="replace") == ".partial/\n")
    if not ours:
        raise UserError(f"{flag} holds files that no oracle build of scoutsim wrote there (a build's folder has "
                        ".partial/config.json); name a new or empty folder")


def build(spec: BuildSpec, log=print, executor: distributed.Executor | None = None) -> Path:
    claim(spec.out)
    executor = executor or distributed.Executor()
    executor.check()  # a missing Ray is reported before any model is loaded
    modes, cloud_modes = spec.validated_modes()
    all_samples = data.read_dataset(spec.dataset, spec.dataset_format)
    try:
        drawn = data.draw(all_samples, spec.samples, spec.seed, spec.answerable_only)
    except UserError as exc:
        raise UserError(f"{spec.dataset}: {exc}") from None
    dataset_hash = data.content_hash(spec.dataset)
    out, partial = spec.out, spec.out / ".partial"
    partial.mkdir(parents=True, exist_ok=True)
    (spec.out / ".gitignore").write_text(".partial/\n")
    files = {n: modelio.model_files(p) for n, p in (spec.edge, spec.cloud)}
    _check_resume(partial, _identity(spec, modes, cloud_modes, files, dataset_hash))

    if not spec.progress:  # --no-progress: transformers' own loading bars too
        import transformers

        transformers.utils.logging.disable_progress_bar()
    log(f"loading {spec.edge[0]} and {spec.cloud[0]} ({spec.dtype}, {spec.device})")
    edge, cloud = load_pair(spec, spec.device)
    same = edge is cloud
    # Calibration prompts come from the far end of the seeded order: not among the drawn
    # questions (unless nearly all are drawn), and the same whatever --samples is, so a
    # cache extended in stages equals one built in one go.
    order = data.sample_order(all_samples, spec.seed, spec.answerable_only)
    calib = order[-spec.calibration:] if spec.calibration > 0 else []
    diag = {}
    for m, needed in ((edge, "mixed_int4" in modes), (cloud, "mixed_int4" in cloud_modes)):
        if needed:
            diag[m.name] = _protected(spec, m, calib, partial, log)
            m.protected_layers = tuple(diag[m.name]["protected_layers"])

    shards = partial / "samples"
    shards.mkdir(exist_ok=True)
    todo = [s for s in drawn if not (shards / f"{s.sample_id}.json").is_file()]
    log(f"{len(drawn) - len(todo)} of {len(drawn)} samples already done")
    if executor.name == "ray" and todo:
        protected = {m.name: m.protected_layers for m in (edge, cloud)}
        distributed.build_samples(spec, executor, todo, modes, cloud_modes, protected, log)
    else:
        for s in _tqdm(todo, spec.progress, desc="samples", unit="q"):
            build_sample(edge, cloud, s, modes, cloud_modes, spec, shards)
    missing = [s.sample_id for s in drawn if not (shards / f"{s.sample_id}.json").is_file()]
    if missing:
        raise UserError(f"samples {missing[:10]} were not built; run the same command again to resume")

    tpath = partial / "timings.json"
    if not tpath.is_file():
        text = " ".join(s.context for s in drawn[:8])
        rows = []
        for m in ((edge,) if same else (edge, cloud)):
            bar = _tqdm(None, spec.progress, total=len(spec.timing_lengths), desc=f"timings {m.name}", unit="len")
            rows += timing.measure(m, text, list(spec.timing_lengths), spec.timing_repeats,
                                   progress=(lambda n: bar.update(1)) if spec.progress else None)
            if spec.progress:
                bar.close()
        writer.atomic_write_json(tpath, rows)
    timing_rows = json.loads(tpath.read_text())

    per_sample = _sample_columns(edge, drawn)
    rows = []
    for s in drawn:
        for r in json.loads((shards / f"{s.sample_id}.json").read_text()):
            rows.append({**r, "sample_id": s.sample_id, **per_sample[s.sample_id]})
    quality = writer.quality_frame(rows)
    if "overlap" not in quality.columns:
        quality["overlap"] = np.nan
    meta = _meta(spec, modes, cloud_modes, edge, cloud, drawn, per_sample, dataset_hash, diag, files)
    writer.write_cache(out, quality, writer.timing_frame(timing_rows), meta)
    cachereadme.write(out)  # its figures come from the meta.json just written
    return out


def _sample_columns(edge: modelio.LoadedModel, drawn: list[data.Sample]) -> dict[int, dict]:
    out = {}
    for s in drawn:
        p = prompts.build_prompt(edge.tokenizer, s.context, s.question)
        gold = next((a for a in s.answers if a.strip()), "")
        out[s.sample_id] = {
            "context_tokens": p.context_tokens, "prompt_tokens": p.length,
            "context_bytes": len(s.context.encode()), "question_bytes": len(s.question.encode()),
            # gold answer's tokens plus the end-of-turn token the decoder emits
            "answer_tokens": len(edge.tokenizer(gold, add_special_tokens=False)["input_ids"]) + 1,
        }
    return out


def _meta(spec, modes, cloud_modes, edge, cloud, drawn, per_sample, dataset_hash, diag, files) -> dict:
    cols = list(per_sample.values())
    ctx_tokens = sum(c["context_tokens"] for c in cols)
    name = spec.dataset_name or spec.dataset.parent.name or spec.dataset.stem
    return {
        "models": {m.name: modelio.describe(m, files[m.name]) for m in (edge, cloud)},
        "dataset": {
            "name": name, "path": str(spec.dataset), "format": data.detect_format(spec.dataset)
            if spec.dataset_format == "auto" else spec.dataset_format, "split": spec.split, "n": len(drawn),
            "seed": spec.seed, "content_hash": dataset_hash, "sha256": dataset_hash,
            "answerable_only": spec.answerable_only,
            "sample_ids": [s.sample_id for s in drawn], "source_ids": [s.source_id for s in drawn],
            "bytes_per_token": sum(c["context_bytes"] for c in cols) / max(1, ctx_tokens),
            "mean_context_tokens": ctx_tokens / max(1, len(cols)),
            "median_context_tokens": float(np.median([c["context_tokens"] for c in cols])) if cols else 0.0,
            "mean_context_bytes": sum(c["context_bytes"] for c in cols) / max(1, len(cols)),
            "mean_question_bytes": sum(c["question_bytes"] for c in cols) / max(1, len(cols)),
            "mean_answer_tokens": sum(c["answer_tokens"] for c in cols) / max(1, len(cols)),
        },
        "device": writer.device_info(spec.device),
        # at the end of the build, so the load average covers the samples and timings
        "hardware": hardware.hardware_info(spec.device),
        "libraries": writer.library_versions(),
        "prompt": {"system": prompts.SYSTEM, "user": prompts.USER,
                   "template_sha256": {m.name: prompts.template_hash(m.tokenizer) for m in (edge, cloud)}},
        "build": {"modes": modes, "cloud_modes": cloud_modes, "pairs": [[edge.name, cloud.name], [cloud.name, cloud.name]],
                  "dtype": spec.dtype, "max_new_tokens": spec.max_new_tokens, "decoding": "greedy, one path",
                  "quantization": "symmetric absmax; int<k> and mixed_int4 per token, int<k>c keys per channel and values per token", "snapkv": {"window": 8, "kernel": 7},
                  "seed_streams": "SeedSequence(seed, spawn_key=(sample_id, crc32(mode)))",
                  "timing": {"lengths": list(spec.timing_lengths), "repeats": spec.timing_repeats,
                             "statistic": "median", "clock": "cuda events" if spec.device.startswith("cuda")
                             else "perf_counter"}},
        "bottleneck": diag,
        "spec": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(spec).items()
                 if k not in ("out", "progress")},
    }
