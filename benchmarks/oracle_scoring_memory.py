"""Peak memory of selection scoring: hooks (scoutsim.oracle.selection) vs output_attentions.

    python benchmarks/oracle_scoring_memory.py [--tokens 2048] [--dtype bfloat16]

Each method runs in its own subprocess on a random-weight decoder with the shape of
Qwen2.5-Coder-0.5B-Instruct (24 layers, 14 query / 2 KV heads, head_dim 64; weights do not
change memory use, so nothing is downloaded). A thread samples the process's resident set
every 2 ms; the figure reported is the peak above the resident set just before scoring
starts (model loaded, input ready). Both methods compute Q2C, SnapKV and H2O scores over a
prompt of ``--tokens`` tokens:

- ``output_attentions``: eager attention, every layer's ``heads x n x n`` map returned, then
  reduced (what the study did, and what ran out of memory at 4,096 tokens on 14B);
- ``hooks``: an ordinary SDPA prefill with :class:`ScoreCollector` recomputing only the rows
  each score needs, chunk by chunk.

It prints both peaks and their ratio, and exits 1 if the ratio is below 10.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _child(method: str, tokens: int, dtype: str) -> dict:
    import numpy as np
    import psutil
    import torch
    import transformers

    sys.path.insert(0, str(REPO))
    from scoutsim.oracle import generate, selection

    torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
    config = transformers.Qwen2Config(vocab_size=151936, hidden_size=896, intermediate_size=4864,
                                      num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                                      max_position_embeddings=32768, tie_word_embeddings=True)
    attn = "eager" if method == "output_attentions" else "sdpa"
    model = transformers.AutoModelForCausalLM.from_config(config, attn_implementation=attn,
                                                          dtype=getattr(torch, dtype)).eval()
    rng = np.random.default_rng(np.random.SeedSequence(2048))
    ids = torch.tensor(rng.integers(0, 151936, size=(1, tokens)))
    question = (tokens - 24, tokens - 8)
    proc = psutil.Process()
    base = proc.memory_info().rss
    peak = [base]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.002)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    t0 = time.perf_counter()
    with torch.no_grad():
        if method == "output_attentions":
            out = model(ids, output_attentions=True, use_cache=False, logits_to_keep=1)
            A = out.attentions  # per layer (1, H, n, n)
            q2c = A[-1][0, :, question[0]:question[1]].float().sum(dim=(0, 1))
            snap = sum(a[0, :, -8:].float().sum(dim=(0, 1)) for a in A)
            h2o = sum(a[0].float().sum(dim=(0, 1)) for a in A)
            del out, A
        else:
            with selection.ScoreCollector(model, question, window=8, h2o=True) as col:
                generate.prefill(model, ids)
            q2c, snap, h2o = col.q2c[-1], col.snapkv.sum(0), col.h2o.sum(0)
    seconds = time.perf_counter() - t0
    stop.set()
    t.join()
    peak[0] = max(peak[0], proc.memory_info().rss)
    return {"method": method, "tokens": tokens, "peak_extra_bytes": peak[0] - base, "seconds": seconds,
            "q2c_sum": float(q2c.sum()), "snapkv_sum": float(snap.sum()), "h2o_sum": float(h2o.sum())}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tokens", type=int, default=2048, help="prompt length (default 2048)")
    ap.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"], help="model dtype")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.tokens, args.dtype)))
        return 0
    results = {}
    for method in ("hooks", "output_attentions"):
        res = subprocess.run([sys.executable, __file__, "--child", method, "--tokens", str(args.tokens),
                              "--dtype", args.dtype], capture_output=True, text=True)
        if res.returncode != 0:
            print(res.stderr[-3000:], file=sys.stderr)
            return 1
        results[method] = json.loads(res.stdout.strip().splitlines()[-1])
    h, o = results["hooks"], results["output_attentions"]
    ratio = o["peak_extra_bytes"] / max(1, h["peak_extra_bytes"])
    print(f"selection scoring (Q2C + SnapKV + H2O), {args.tokens} tokens, Qwen2.5-0.5B shape, {args.dtype}")
    for r in (h, o):
        print(f"  {r['method']:<18} peak extra memory {r['peak_extra_bytes'] / 2**20:9.1f} MiB   {r['seconds']:6.1f} s")
    print(f"  output_attentions / hooks = {ratio:.1f}x (required: >= 10x)")
    # both compute the same quantity: every query row's attention sums to 1
    print(f"  H2O total mass: hooks {h['h2o_sum']:.1f}, output_attentions {o['h2o_sum']:.1f} "
          f"(expected layers x heads x tokens = {24 * 14 * args.tokens})")
    return 0 if ratio >= 10 else 1


if __name__ == "__main__":
    sys.exit(main())
