"""A family of random scenarios nobody tuned a policy on (``bench decisions --family N``).

Scenario ``i`` of seed ``S`` is drawn from its own generator, ``SeedSequence(S).spawn(N)[i]``,
so it does not depend on how many others are drawn after it. Each draw picks:

* 2 to 20 devices in one or two groups, each group an edge model of the shipped published
  oracle (Qwen2.5-3B/7B/14B, Mistral-7B) answered by Qwen2.5-14B in the cloud, a slowdown of
  its edge of 1 to 8, Poisson arrivals of 0.05 to 0.5 requests per second per device;
* one mode list for all groups (so that every static mode is an option for each group): one
  to three KV modes and one or two fallback modes the groups' models all have;
* a deadline of 0.5 to 5 s on the first token or the whole answer (answers then of 16 to 160
  tokens, uniform);
* one cell: a constant rate (5 to 300 Mbps, log-uniform), a Markov chain of 3 to 6 random
  levels (2 to 300 Mbps) switching every 0.2 to 5 s, or the shipped Lumos5G trace pool scaled
  by 0.02 to 0.5; shared ``work_conserving``, ``reserved`` or ``time_share`` (with a random
  scheduler, and in a quarter of the time-share cells devices of random ``link_quality``
  0.3 to 3); one-way latency 5 to 50 ms; 1 to 4 cloud GPUs.

Nothing here was fitted to any policy: the ranges are the issue's.
"""

from __future__ import annotations

import numpy as np

EDGE_MODELS = ("qwen2.5-3b", "qwen2.5-7b", "qwen2.5-14b", "mistral-7b")
# The modes the shipped published oracle has for each edge model (its quality table).
KV_MODES = {"qwen2.5-3b": ("bf16", "int8", "int4"), "qwen2.5-7b": ("bf16", "int8", "mixed_int4", "int4"),
            "qwen2.5-14b": ("bf16", "int8", "int4"), "mistral-7b": ("bf16", "int8", "int4")}
FALLBACK_MODES = {"qwen2.5-3b": ("local", "text"), "qwen2.5-7b": ("local", "text", "scout@0.5"),
                  "qwen2.5-14b": ("local", "text", "scout@0.5"), "mistral-7b": ("local", "text")}
SCHEDULERS = ("rr", "pf", "max_rate", "weighted")
LUMOS_RUNS = "traces/lumos5g/lumos5g_run*.csv"


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _common(table: dict, models: list[str]) -> list[str]:
    return [m for m in table[models[0]] if all(m in table[x] for x in models)]


def _channel(rng: np.random.Generator, root: str) -> dict:
    kind = ("constant", "markov", "trace_pool")[int(rng.integers(3))]
    if kind == "constant":
        return {"kind": "constant", "mbps": round(_log_uniform(rng, 5, 300), 2)}
    if kind == "markov":
        levels = sorted(round(_log_uniform(rng, 2, 300), 2) for _ in range(int(rng.integers(3, 7))))
        return {"kind": "markov", "states_mbps": levels, "step_s": round(_log_uniform(rng, 0.2, 5), 3)}
    return {"kind": "trace_pool", "per": "replication", "random_offset": True, "loop": True,
            "runs": [f"{root}/{LUMOS_RUNS}"], "scale": round(_log_uniform(rng, 0.02, 0.5), 4)}


def draw(index: int, rng: np.random.Generator, root: str, duration_s: float, replications: int) -> dict:
    """Scenario ``index`` of a family, as the dict a scenario file holds."""
    devices = int(rng.integers(2, 21))
    n_groups = 1 if devices < 4 or rng.random() < 0.5 else 2
    models = [EDGE_MODELS[int(rng.integers(len(EDGE_MODELS)))] for _ in range(n_groups)]
    kv = _common(KV_MODES, models)
    fb = _common(FALLBACK_MODES, models)
    kv_pick = [kv[i] for i in sorted(rng.choice(len(kv), int(rng.integers(1, min(3, len(kv)) + 1)), replace=False))]
    fb_pick = [fb[i] for i in sorted(rng.choice(len(fb), int(rng.integers(1, min(2, len(fb)) + 1)), replace=False))]
    modes = kv_pick + fb_pick
    on = "answer" if rng.random() < 0.5 else "first_token"
    deadline = round(float(rng.uniform(0.5, 5.0)), 3)
    sharing = ("work_conserving", "reserved", "time_share")[int(rng.integers(3))]
    cell = {"id": "cell0", "channel": _channel(rng, root), "allocator": "equal", "sharing": sharing,
            "latency_ms": round(float(rng.uniform(5, 50)), 2)}
    qualities = sharing == "time_share" and rng.random() < 0.25
    if sharing == "time_share":
        cell["scheduler"] = SCHEDULERS[int(rng.integers(len(SCHEDULERS)))]
    sizes = [devices] if n_groups == 1 else [devices // 2, devices - devices // 2]
    groups = []
    for g, (model, count) in enumerate(zip(models, sizes)):
        group = {"name": f"g{g}_{model.replace('.', '')}", "count": count, "edge_model": model,
                 "cloud_model": "qwen2.5-14b", "uplink": "cell0",
                 "edge_slowdown": round(float(rng.uniform(1, 8)), 2),
                 "arrival": {"kind": "poisson", "rate_per_s": round(float(rng.uniform(0.05, 0.5)), 3)},
                 "deadline_s": deadline, "policy": "adaptive", "modes": list(modes), "estimator": "harmonic"}
        if on == "answer":
            group["answer_length"] = {"kind": "uniform", "low": 16, "high": 160}
        if qualities:
            group["link_quality"] = round(_log_uniform(rng, 0.3, 3), 3)
        groups.append(group)
    return {"name": f"family_{index:03d}", "seed": int(rng.integers(2**31)), "replications": replications,
            "duration_s": duration_s, "oracle": "published-squad-v2", "deadline_on": on,
            "cloud": {"slowdown": 1.0, "gpus": int(rng.integers(1, 5))}, "uplinks": [cell], "agents": groups}


def family(n: int, seed: int, root: str, duration_s: float = 60.0, replications: int = 4) -> list[dict]:
    """``n`` scenarios of seed ``seed``; ``root`` is the repository (for the trace pool)."""
    children = np.random.SeedSequence(seed).spawn(n)
    return [draw(i, np.random.default_rng(c), root, duration_s, replications) for i, c in enumerate(children)]
