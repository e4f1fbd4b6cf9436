"""Token selection scores without materialising attention maps, and the masks they give.

The scores (docs/oracle.md), with ``A[l, h, i, j]`` the softmax attention of query
position ``i`` on key position ``j`` in layer ``l``, head ``h``:

- **Q2C** (last layer): ``s_j = sum_h sum_{i in question} A[L-1, h, i, j]``;
  the all-layer variant averages that over layers.
- **SnapKV**: the same sum over the prompt's last ``window`` positions (its observation
  window) and over all layers, then smoothed by average pooling over neighbouring
  positions (kernel 7, as SnapKV clusters its picks).
- **H2O**: attention *received*, summed over every query position, head and layer
  (heavy hitters). It favours early tokens, which every later query can see.
- **Random**: a uniform draw without replacement.

``output_attentions=True`` keeps every layer's ``heads x n x n`` map alive at once (and
forces eager attention): 48 x 40 x 4096^2 floats ran the study out of memory. Instead,
:class:`ScoreCollector` hooks each attention module during the ordinary prefill, takes the
layer's input hidden states and rotary embeddings, recomputes the post-RoPE queries of only
the rows a score needs and the keys, and reduces ``softmax(q k^T / sqrt(d))`` chunk by chunk
into a length-``n`` vector per layer before the next layer runs. Peak extra memory is one
chunk, ``heads x chunk x n``, instead of ``layers x heads x n x n``.

Selection keeps ``round(r * n_ctx)`` (at least one) context positions with the highest
scores (ties broken toward the earlier position); everything outside the context span is
always kept. The result is a 0/1 attention mask over the prefilled positions: dropped
entries are masked out of attention, which the study found equal to masking plus zeroing.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from scoutsim.errors import UserError

METHODS = ("q2c", "q2c_all", "snapkv", "h2o", "random")
SNAPKV_WINDOW = 8
SNAPKV_KERNEL = 7


def _attention_modules(model) -> list:
    mods = [m for name, m in model.named_modules() if name.endswith("self_attn")]
    if not mods:
        raise UserError(f"{type(model).__name__}: no self_attn modules found; selection scores need a "
                        "Llama/Qwen2/Mistral-style decoder")
    return mods


class ScoreCollector:
    """Hooks that turn one prefill into per-layer selection scores.

    ``question``: the [start, end) token span whose attention Q2C sums. ``window``: the
    number of trailing prompt positions SnapKV observes. ``h2o``: also sum attention over
    every query row (costs one extra attention pass). Results, after the ``with`` block:
    ``q2c``, ``snapkv``, ``h2o``: float32 tensors ``(layers, n)`` (``None`` when not asked).
    """

    def __init__(self, model, question: tuple[int, int] | None, window: int = SNAPKV_WINDOW,
                 h2o: bool = True, chunk: int = 128):
        self.model, self.question, self.window, self.want_h2o, self.chunk = model, question, window, h2o, chunk
        self.modules = _attention_modules(model)
        n_layers = len(self.modules)
        self.q2c: list = [None] * n_layers
        self.snapkv: list = [None] * n_layers if window else None
        self.h2o: list = [None] * n_layers if h2o else None
        self.elapsed = 0.0  # seconds spent in score computation (synchronised on GPU)
        self._handles: list = []

    def __enter__(self):
        for idx, mod in enumerate(self.modules):
            self._handles.append(mod.register_forward_hook(self._hook(idx), with_kwargs=True))
        return self

    def __exit__(self, *exc):
        for h in self._handles:
            h.remove()
        self._handles.clear()
        for name in ("q2c", "snapkv", "h2o"):
            val = getattr(self, name)
            if val is not None and all(v is not None for v in val):
                setattr(self, name, torch.stack(val))
        return False

    def _hook(self, idx: int):
        def hook(module, args, kwargs, output):
            hidden = kwargs.get("hidden_states", args[0] if args else None)
            cos, sin = kwargs["position_embeddings"]
            if getattr(module, "sliding_window", None) and hidden.shape[1] > module.sliding_window:
                raise UserError(f"layer {idx} uses a {module.sliding_window}-token sliding window; "
                                "selection scores assume full attention")
            sync = hidden.is_cuda
            if sync:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            with torch.no_grad():
                self._score(idx, module, hidden, cos, sin)
            if sync:
                torch.cuda.synchronize()
            self.elapsed += time.perf_counter() - t0
        return hook

    def _score(self, idx, module, hidden, cos, sin):
        rope = sys.modules[type(module).__module__].apply_rotary_pos_emb
        b, n, _ = hidden.shape
        hd = module.head_dim
        keys = module.k_proj(hidden).view(b, n, -1, hd).transpose(1, 2)
        # Rotary is position-wise, so keys need their own rotation only; queries are
        # rotated below for the rows in use.
        _, keys = rope(keys, keys, cos, sin)
        keys = keys.float().repeat_interleave(module.num_key_value_groups, dim=1)  # (b, H, n, d)

        def rows_sum(lo: int, hi: int) -> torch.Tensor:
            total = torch.zeros(n, dtype=torch.float32, device=hidden.device)
            for s in range(lo, hi, self.chunk):
                e = min(hi, s + self.chunk)
                q = module.q_proj(hidden[:, s:e]).view(b, e - s, -1, hd).transpose(1, 2)
                q, _ = rope(q, q, cos[:, s:e], sin[:, s:e])
                logits = torch.matmul(q.float(), keys.transpose(-1, -2)) * module.scaling  # (b, H, rows, n)
                pos = torch.arange(s, e, device=hidden.device)[:, None]
                logits = logits.masked_fill(torch.arange(n, device=hidden.device)[None, :] > pos, float("-inf"))
                total += torch.softmax(logits, dim=-1).sum(dim=(0, 1, 2))
            return total

        if self.question is not None:
            self.q2c[idx] = rows_sum(*self.question)
        if self.snapkv is not None:
            self.snapkv[idx] = rows_sum(max(0, n - self.window), n)
        if self.h2o is not None:
            self.h2o[idx] = rows_sum(0, n)


def reduce_scores(collector: ScoreCollector, method: str) -> torch.Tensor:
    """One score per prompt position for ``method`` (not random)."""
    if method == "q2c":
        return collector.q2c[-1]
    if method == "q2c_all":
        return collector.q2c.mean(0)
    if method == "snapkv":
        s = collector.snapkv.sum(0)
        return F.avg_pool1d(s[None, None], SNAPKV_KERNEL, stride=1, padding=SNAPKV_KERNEL // 2,
                            count_include_pad=False)[0, 0]
    if method == "h2o":
        return collector.h2o.sum(0)
    raise UserError(f"unknown selection method {method!r}; expected one of {list(METHODS)}")


def kept_count(n_context: int, retention: float) -> int:
    return max(1, min(n_context, int(np.floor(retention * n_context + 0.5))))


def select(scores: torch.Tensor | None, context: tuple[int, int], retention: float, method: str,
           rng: np.random.Generator | None = None) -> np.ndarray:
    """Absolute positions of the kept context tokens, ascending."""
    lo, hi = context
    k = kept_count(hi - lo, retention)
    if method == "random":
        if rng is None:
            raise UserError("random selection needs a generator")
        picked = rng.choice(hi - lo, size=k, replace=False)
    else:
        s = scores[lo:hi].detach().float().cpu().numpy()
        picked = np.argsort(-s, kind="stable")[:k]
    return np.sort(picked) + lo


def keep_mask(prefix_len: int, context: tuple[int, int], kept: np.ndarray, device="cpu") -> torch.Tensor:
    """``(1, prefix_len)`` 0/1 mask: 1 outside the context and at kept context positions."""
    mask = torch.ones(1, prefix_len, dtype=torch.long, device=device)
    mask[0, context[0]:context[1]] = 0
    mask[0, torch.as_tensor(kept, dtype=torch.long, device=device)] = 1
    return mask


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ``a``'s positions that ``b`` also kept (equal sizes: symmetric)."""
    return float(len(np.intersect1d(a, b))) / max(1, len(a))
