"""Measured compute times for the cache's ``timings.parquet``.

Clocks: on CPU ``time.perf_counter`` around a synchronous call; on CUDA a pair of CUDA
events (kernels are asynchronous, so a host clock would time the launch, not the work).
Every measurement runs ``warmup`` untimed calls first (allocator, kernel selection, caches)
and then ``repeats`` timed ones; the table keeps the median, which one slow outlier on a
shared machine cannot move.

Ops, each at several context lengths so the simulator can interpolate:
- ``prefill``: the model's forward over a prompt of that many tokens;
- ``quantize`` / ``dequantize``: INT4 per-token of the whole KV cache of that length;
- ``select``: Q2C score computation in the prefill's hooks plus the top-r pick (timed
  inside the same prefill runs, whose ``prefill`` time excludes the hooks' share);
- ``decode_token``: one greedy step reading a cache of that length.

The prompts are real data set contexts, repeated to reach the longer lengths, wrapped in
the same template as the quality runs.
"""

from __future__ import annotations

import statistics
import time

import torch

from scoutsim.oracle import generate, kvcache, quant, selection


def clock(fn, device: str, repeats: int = 3, warmup: int = 1, setup=None) -> float:
    """Median seconds of ``fn(state)`` with ``state = setup()`` rebuilt before each call."""
    samples = []
    for i in range(warmup + repeats):
        state = setup() if setup is not None else None
        if device.startswith("cuda"):
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            fn(state)
            end.record()
            torch.cuda.synchronize()
            elapsed = start.elapsed_time(end) / 1000.0
        else:
            t0 = time.perf_counter()
            fn(state)
            elapsed = time.perf_counter() - t0
        if i >= warmup:
            samples.append(elapsed)
    return float(statistics.median(samples))


def _ids_of_length(tokenizer, text: str, n: int, device) -> torch.Tensor:
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    reps = -(-n // max(1, len(ids)))
    return torch.tensor([(ids * reps)[:n]], dtype=torch.long, device=device)


@torch.no_grad()
def measure(loaded, text: str, lengths: list[int], repeats: int = 3, warmup: int = 1, progress=None) -> list[dict]:
    """Timing rows ``{model, op, context_tokens, seconds}`` for one loaded model."""
    model, device = loaded.model, loaded.device
    rows = []

    def add(op, n, seconds):
        rows.append({"model": loaded.name, "op": op, "context_tokens": int(n), "seconds": max(seconds, 1e-9)})

    for idx, n in enumerate(lengths):
        ids = _ids_of_length(loaded.tokenizer, text, n, device)
        question = (max(0, n - 16), n)  # a question-sized row block at the prompt's end
        # One timed prefill serves two ops: the Q2C hooks keep their own (synchronised)
        # clock, so prefill = wall time - hook time and select = hook time + top-r pick.
        # Long prompts are expensive on a CPU; warming up at the first length suffices.
        pre, sel, kept = [], [], {}
        for i in range((warmup if idx == 0 else 0) + repeats):
            with selection.ScoreCollector(model, question, window=0, h2o=False) as col:
                wall = clock(lambda _: kept.__setitem__("cache", generate.prefill(model, ids)[0]), device,
                             repeats=1, warmup=0)
            t0 = time.perf_counter()
            selection.select(selection.reduce_scores(col, "q2c"), (0, question[0]), 0.5, "q2c")
            if i >= (warmup if idx == 0 else 0):
                pre.append(wall - col.elapsed)
                sel.append(col.elapsed + time.perf_counter() - t0)
        add("prefill", n, float(statistics.median(pre)))
        add("select", n, float(statistics.median(sel)))
        cache = kept["cache"]
        kv = kvcache.layers(cache)
        add("quantize", n, clock(lambda _: [quant.quantize(t, 4) for k, v in kv for t in (k, v)],
                                 device, repeats, warmup))
        packed = [quant.quantize(t, 4) for k, v in kv for t in (k, v)]
        add("dequantize", n, clock(lambda _: [quant.dequantize(q, s, kv[0][0].dtype) for q, s in packed],
                                   device, repeats, warmup))

        tok = ids[:, -1:]

        def setup():
            return kvcache.clone(model, cache)

        add("decode_token", n, clock(lambda c: generate.step(model, c, tok), device, repeats, warmup, setup))
        if progress is not None:
            progress(n)
    return rows
