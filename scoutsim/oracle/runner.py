"""One sample, every mode: what each transmission mode would answer, and its F1.

For an (edge, cloud) pair and one question (docs/models/payload.md):

- **KV modes** (``bf16``, ``intK``, ``mixed_int4``, ``<sel>@<r>+<precision>``): the edge
  prefills the prompt without its last token; that cache is selected (a mask over context
  positions) and/or quantized (INTk per token, protected layers at 16 bit for
  ``mixed_int4``), and decoded *by the edge's own model* -- a KV cache is only usable by
  the model that made it.
- **local**: the edge model answers from its own unmodified cache. That is the very
  computation of ``bf16`` (same model, same cache, same decoder), so its answer is reused
  rather than recomputed; only the payload (none) differs, which the simulator handles.
- **text**: the cloud model prefills the whole prompt itself and answers.
- **scout@r**: the edge's last-layer Q2C picks ``r`` of the context positions; the cloud
  model prefills the whole prompt and decodes with everything else masked. The overlap
  between the edge's pick and the cloud's own Q2C pick at the same retention is recorded.

Optionally (``cloud_modes``) KV modes are also run with the cloud model as its own edge,
e.g. ``q2c@0.5+bf16`` on the cloud: the baseline that scout must be compared with.

Random selection draws from a generator spawned from ``SeedSequence(seed)`` with the
sample id and the mode as spawn key, so a sample's result does not depend on which other
samples or modes ran before it (which is what makes resumed builds identical).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import torch

from scoutsim.errors import UserError
from scoutsim.modes import Mode, parse_mode
from scoutsim.oracle import generate, kvcache, prompts, quant, scoring, selection
from scoutsim.oracle.data import Sample
from scoutsim.oracle.modelio import LoadedModel


@dataclass
class Prepared:
    """A model's prefilled prefix for one sample, with its selection scores."""

    loaded: LoadedModel
    prompt: prompts.Prompt
    cache: object
    collector: selection.ScoreCollector | None

    @property
    def tail(self) -> torch.Tensor:
        return self.prompt.input_ids[:, -1:].to(self.loaded.device)

    def scores(self, method: str) -> torch.Tensor:
        return selection.reduce_scores(self.collector, method)


def prepare(loaded: LoadedModel, sample: Sample, selectors: set[str]) -> Prepared:
    prompt = prompts.build_prompt(loaded.tokenizer, sample.context, sample.question)
    ids = prompt.input_ids[:, :-1].to(loaded.device)
    wanted = selectors - {"random"}
    if wanted:
        with selection.ScoreCollector(loaded.model, prompt.question, window=selection.SNAPKV_WINDOW
                                      if "snapkv" in wanted else 0, h2o="h2o" in wanted) as col:
            cache, _ = generate.prefill(loaded.model, ids)
    else:
        col = None
        cache, _ = generate.prefill(loaded.model, ids)
    return Prepared(loaded, prompt, cache, col)


def mode_rng(seed: int, sample_id: int, mode: str) -> np.random.Generator:
    key = (int(sample_id), zlib.crc32(mode.encode()))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def kept_positions(prep: Prepared, mode: Mode, seed: int, sample_id: int, spelled: str) -> np.ndarray:
    scores = None if mode.selector == "random" else prep.scores(mode.selector)
    rng = mode_rng(seed, sample_id, spelled) if mode.selector == "random" else None
    return selection.select(scores, prep.prompt.context, mode.retention, mode.selector, rng)


@dataclass
class Job:
    """One mode's modification of a prepared cache: a keep mask and/or a bit width."""

    mode: str
    keep: torch.Tensor | None = None
    bits: int | None = None
    protected: tuple[int, ...] = ()
    key_channel: bool = False  # int<k>c: keys per channel, values per token


def kv_job(prep: Prepared, spelled: str, seed: int, sample_id: int) -> Job:
    mode = parse_mode(spelled)
    keep = None
    if mode.selects:
        kept = kept_positions(prep, mode, seed, sample_id, spelled)
        keep = selection.keep_mask(prep.prompt.length - 1, prep.prompt.context, kept, prep.loaded.device)
    bits = 4 if mode.mixed else (None if mode.bits == 16 else mode.bits)
    return Job(spelled, keep, bits, prep.loaded.protected_layers if mode.mixed else (), mode.key_channel)


def answer_all(prep: Prepared, jobs: list[Job], max_new_tokens: int) -> list[dict]:
    """Decode every job from its own modified copy of the prepared cache, as one batch."""
    m = prep.loaded
    caches = []
    for job in jobs:
        cache = kvcache.clone(m.model, prep.cache)
        if job.bits is not None:
            quant.quantize_cache(cache, job.bits, job.protected,
                                 key_granularity="per_channel" if job.key_channel else None)
        caches.append(cache)
    keep = None
    if any(job.keep is not None for job in jobs):
        ones = torch.ones(1, prep.prompt.length - 1, dtype=torch.long, device=m.device)
        keep = torch.cat([ones if job.keep is None else job.keep for job in jobs])
    toks = generate.greedy_batch(m.model, kvcache.stack(m.model, caches), prep.tail, keep, max_new_tokens,
                                 generate.eos_ids(m.model, m.tokenizer))
    return [{"prediction": m.tokenizer.decode(t, skip_special_tokens=True).strip(), "generated_tokens": len(t)}
            for t in toks]


def required_selectors(modes: list[str]) -> set[str]:
    out = set()
    for m in modes:
        mode = parse_mode(m)
        if mode.selector is not None:
            out.add(mode.selector)
    return out


def run_sample(edge: LoadedModel, cloud: LoadedModel, sample: Sample, modes: list[str], cloud_modes: list[str],
               seed: int, max_new_tokens: int) -> list[dict]:
    """Result rows for one sample (without the per-sample metadata columns)."""
    parsed = {m: parse_mode(m) for m in modes}
    edge_kv = [m for m in modes if parsed[m].kind == "kv"]
    needs_cloud = any(parsed[m].kind in ("scout", "text") for m in modes) or bool(cloud_modes)
    edge_sel = required_selectors(edge_kv) | ({"q2c"} if any(parsed[m].kind == "scout" for m in modes) else set())
    rows: list[dict] = []

    def row(e, c, mode, result, **extra):
        rows.append({"edge_model": e.name, "cloud_model": c.name, "mode": mode,
                     "f1": scoring.f1(result["prediction"], sample.answers),
                     "em": scoring.exact_match(result["prediction"], sample.answers), **result, **extra})

    ep = prepare(edge, sample, edge_sel)
    jobs = [kv_job(ep, m, seed, sample.sample_id) for m in edge_kv]
    if "local" in modes and "bf16" not in edge_kv:
        jobs.append(Job("bf16"))
    done = dict(zip([j.mode for j in jobs], answer_all(ep, jobs, max_new_tokens))) if jobs else {}
    for m in edge_kv:
        row(edge, cloud, m, done[m])
    if "local" in modes:
        row(edge, cloud, "local", done["bf16"])

    if needs_cloud:
        if edge.tokenizer.get_vocab() != cloud.tokenizer.get_vocab():
            raise UserError(f"{edge.name} and {cloud.name} do not share a tokenizer; scout indices and the "
                            "per-sample token counts need one family")
        cloud_sel = {"q2c"} | required_selectors(cloud_modes)
        cp = prepare(cloud, sample, cloud_sel)
        if not torch.equal(cp.prompt.input_ids, ep.prompt.input_ids):
            raise UserError(f"{edge.name} and {cloud.name} tokenise the prompt differently (chat templates "
                            "differ); scout positions would not line up")
        # One batch for the cloud model: its full-prompt answer (text, and bf16 as its own
        # edge), scout masks from the edge's choice, and its own selections.
        jobs, overlaps = [], {}
        if "text" in modes or "bf16" in cloud_modes:
            jobs.append(Job("bf16"))
        for m in modes:
            mode = parsed[m]
            if mode.kind != "scout":
                continue
            mine = selection.select(ep.scores("q2c"), ep.prompt.context, mode.retention, "q2c")
            own = selection.select(cp.scores("q2c"), cp.prompt.context, mode.retention, "q2c")
            keep = selection.keep_mask(cp.prompt.length - 1, cp.prompt.context, mine, cloud.device)
            jobs.append(Job(m, keep))
            overlaps[m] = selection.overlap(mine, own)
        jobs += [kv_job(cp, m, seed, sample.sample_id) for m in cloud_modes if m != "bf16"]
        done = dict(zip([j.mode for j in jobs], answer_all(cp, jobs, max_new_tokens))) if jobs else {}
        if "text" in modes:
            row(edge, cloud, "text", done["bf16"])
        for m, ov in overlaps.items():
            row(edge, cloud, m, done[m], overlap=ov)
        for m in cloud_modes:
            row(cloud, cloud, m, done[m])
    return rows
