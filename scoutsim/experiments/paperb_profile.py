"""The study's experiment as run (the ``paper`` profile), what it assumes, and its relaxations.

The scenario files in scenarios/paper_b/ *are* the ``paper`` profile: synchronised rounds,
the study's n = 50 quality table, a transmission-only deadline, reserved slices, requests
dropped at their deadline, the exact current rate. Each :class:`Relaxation` undoes one of
those assumptions, as key-path changes to a scenario's raw YAML (the sweep's grid syntax),
so that ``reproduce paper-b`` can say which conclusions survive it. Sensitivities (an
inferred chain, Lumos5G scaled to uplink levels, the link capacity jittered by up to 2 %) are
variants too, run only on the experiments they concern.

:data:`UNPUBLISHED` lists every setting the study did not publish, with the value chosen
and why; the report prints it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

N200_ORACLE = "published-squad-v2"
# The "latency" relaxation: 20 ms one way (chosen, not published: the study assumed none).
LATENCY_MS = 20.0
# The Lumos5G runs are downlink; the "uplink" sensitivity scales them by this factor (mean
# 523 -> 52 Mbps, the order of the Markov chain's 65 Mbps mean): chosen, not measured.
UPLINK_SCALE = 0.1
# Capacity jitter around an allocator experiment's link: 9 points, -2 % to +2 %.
JITTER = (0.98, 0.985, 0.99, 0.995, 1.0, 1.005, 1.01, 1.015, 1.02)
# The inferred chain is fitted to the edge device's INT8 and INT4 payloads: the scenario's
# stated sizes, or the payload physics at the study's context length where it states none.
STUDY_CONTEXT_TOKENS = 170


def _fitted_payloads_mbit(agent: dict) -> tuple[float, float]:
    from scoutsim.modes import parse_mode
    from scoutsim.physics.models import BUILTIN_MODELS
    from scoutsim.physics.payload import sent_bytes

    int8, int4 = (sent_bytes(m, agent.get("payload_bytes"), BUILTIN_MODELS[agent["edge_model"]], parse_mode(m),
                             STUDY_CONTEXT_TOKENS, context_bytes=0, question_bytes=0) for m in ("int8", "int4"))
    return int8 * 8e-6, int4 * 8e-6


def _per_agent(raw: dict, key: str, value: Callable[[dict], Any]) -> dict[str, Any]:
    return {f"agents.{i}.{key}": value(a) for i, a in enumerate(raw["agents"])}


def _poisson(raw: dict) -> dict[str, Any]:
    # The same mean rate as the rounds: one request per period.
    return _per_agent(raw, "arrival", lambda a: {"kind": "poisson", "rate_per_s": 1.0 / a["arrival"]["period_s"]})


def _compute(raw: dict) -> dict[str, Any]:
    # The study's own GPU timings (the oracle cache's), edge and cloud: slowdown 1, not 1e-9.
    return {**_per_agent(raw, "edge_slowdown", lambda a: 1.0), "cloud.slowdown": 1.0}


def _latency(raw: dict) -> dict[str, Any]:
    return {f"uplinks.{i}.latency_ms": LATENCY_MS for i in range(len(raw["uplinks"]))}


def _inferred_chain(raw: dict) -> dict[str, Any]:
    from scoutsim.experiments.paperb_inverse import fit_chain

    out = {}
    int8_mbit, int4_mbit = _fitted_payloads_mbit(raw["agents"][0])
    for i, u in enumerate(raw["uplinks"]):
        if u["channel"].get("kind") == "markov":
            chain = fit_chain(u["channel"]["states_mbps"], int8_mbit, int4_mbit)
            out[f"uplinks.{i}.channel.transition"] = [[float(x) for x in row] for row in chain]
    return out


def _uplink_scaled(raw: dict) -> dict[str, Any]:
    return {f"uplinks.{i}.channel.scale": UPLINK_SCALE for i, u in enumerate(raw["uplinks"])
            if u["channel"].get("kind") == "trace_pool"}


def _capacity(factor: float) -> Callable[[dict], dict[str, Any]]:
    def change(raw: dict) -> dict[str, Any]:
        return {f"uplinks.{i}.channel.mbps": u["channel"]["mbps"] * factor for i, u in enumerate(raw["uplinks"])
                if u["channel"].get("kind") == "constant"}
    return change


@dataclass(frozen=True)
class Relaxation:
    name: str
    text: str
    change: Callable[[dict], dict[str, Any]]  # raw scenario -> {key path: value}
    rounds: bool = True  # whether requests still come in synchronised rounds


PAPER = Relaxation("paper", "the study's experiment as run", lambda raw: {})
RELAXATIONS = (
    Relaxation("poisson", "Poisson arrivals at the same mean rate instead of synchronised rounds", _poisson,
               rounds=False),
    Relaxation("n200", f"the n = 200 quality figures ({N200_ORACLE}) instead of the n = 50 table",
               lambda raw: {"oracle": N200_ORACLE}),
    Relaxation("compute", "edge and cloud compute at the study's measured GPU timings count in the deadline",
               _compute),
    Relaxation("latency", f"{LATENCY_MS:g} ms one-way latency counts in the deadline", _latency),
    Relaxation("work_cons", "work-conserving sharing instead of reserved slices",
               lambda raw: {f"uplinks.{i}.sharing": "work_conserving" for i in range(len(raw["uplinks"]))}),
    Relaxation("backlog", "no abandonment: a late request keeps sending and delays the next",
               lambda raw: _per_agent(raw, "abandon_at_deadline", lambda a: False)),
    Relaxation("harmonic", "the harmonic-mean rate estimator instead of the exact current rate",
               lambda raw: _per_agent(raw, "estimator", lambda a: "harmonic")),
)
VARIANTS = (PAPER, *RELAXATIONS)
# Sensitivities: run only on the experiments they concern (paperb.EXPERIMENTS), reported apart.
INFERRED_CHAIN = Relaxation(
    "inferred_chain", "INFERRED, not published: the birth-death chain over the six levels whose exact on-time "
    "shares are the study's 88.3 % (INT8, 5 s) and 74.9 % (INT4, 1 s) (paperb_inverse.py)", _inferred_chain)
UPLINK_SCALED = Relaxation(
    "uplink_x0.1", f"the Lumos5G downlink runs scaled by {UPLINK_SCALE:g} to uplink-like levels (mean 52 Mbps)",
    _uplink_scaled)
# The capacities from -2 % to +2 %, the paper profile at x 1; the jitter variants are the others.
CAPACITY_LADDER = tuple(PAPER if f == 1.0 else Relaxation(f"cap{f - 1:+.1%}", f"link capacity x {f:g}", _capacity(f))
                        for f in JITTER)
CAPACITY_JITTER = tuple(v for v in CAPACITY_LADDER if v is not PAPER)
ALL_VARIANTS = (*VARIANTS, INFERRED_CHAIN, UPLINK_SCALED, *CAPACITY_JITTER)
NOT_MODELLED = {"link quality": "per-device link quality (agents' `link_quality`, the cell model) is in scoutsim, but "
                                "not a column here: the study gave no per-device rates, and choosing them would "
                                "change more than one assumption"}

# (setting, value chosen, why)
UNPUBLISHED = (
    ("Markov transition probabilities", "birth-death chain: stay 0.8, each neighbour 0.1 (0.9 at the ends); "
     "uniform stationary law", "only the six states were published; the simplest chain with no preferred level"),
    ("Markov step", "1 s", "not published; the same order as a 5 s deadline's transfers"),
    ("rounds", "every device asks at t = 0, 5, 10, ... s (period = the 5 s deadline; 1 s at the 1 s deadline)",
     "the study counts 'rounds' with one request per device; their spacing was not published, and with "
     "abandonment at the deadline a period equal to the deadline makes rounds independent"),
    ("arrival process", "synchronised periodic rounds (relaxed: Poisson at the same mean rate)",
     "the study evaluates rounds, never an arrival process"),
    ("deadline", "transmission only: compute slowdowns 1e-9, latency 0 (relaxed: compute; latency 20 ms)",
     "the study's worked examples count only size / rate ('4.7 MB can't be sent within 5 s')"),
    ("late requests", "dropped at the deadline, a miss, bytes sent counted (abandon_at_deadline)",
     "the study's rounds are independent; not stated how"),
    ("rate estimate", "exact current rate (estimator: oracle)", "the protocol's T(m, B(t)) uses the current B(t)"),
    ("8-device mix", "4x Qwen2.5-7B, 2x Mistral-7B, 2x Qwen2.5-14B", "not stated; doubles the 4-device mix"),
    ("N = 2 setting", "Qwen2.5-7B + Qwen2.5-14B on 50 Mbps", "the study published no N = 2 setting or figures"),
    ("quality-max rule", "greedy by quality per needed bandwidth at the mean rate "
     "(scoutsim/decisions/allocators.py QualityMax)", "the study says 'quality-maximizing greedy' only"),
    ("adaptive's modes", "KV modes, plus scout@0.5 as a fallback in the 5 s mode tables; KV only at 1 s",
     "at 1 s the study's adaptive 'never fell back to scout'; scout (95 %) ranks below every KV mode"),
    ("scout quality", "95.0 % (scout@0.5, 84 of 170 positions = 336 B)",
     "the table gives 81-110 % by model pair; the study's simulation reported scout alone at 95.0 %"),
    ("local quality", "the study's 75 %, quoted (meta.json notes.local)",
     "the cache's local equals bf16 (the edge model on its own full KV); 75 % is the study's number"),
    ("quantized payloads of the 14B and Mistral", "their stated full KV (33.2 and 22.4 MB) x the 7B's stated "
     "ratio for the mode (INT8 4.7/9.7, mixed INT4 2.6/9.7, INT4 2.3/9.7): 14B 16.09 / 8.90 / 7.87 MB, Mistral "
     "10.85 / 6.00 / 5.31 MB; scout 336 B for every model (the same 170 positions)",
     "the study states only the 7B's mode sizes and each model's full KV; the payload physics (with the "
     "quantizer's FP16 scales) would give INT8 / INT4: 14B 17.0 / 8.6 MB, Mistral 11.3 / 5.7 MB"),
    ("mode table's bandwidth ranges", "not used: each mode fits where payload / 5 s <= the rate (INT8 >= 7.5, "
     "mixed INT4 >= 4.2, INT4 >= 3.7, bf16 >= 15.5 Mbps with the stated sizes)", "the ranges printed beside the "
     "study's mode table are not in the material this reproduction had; adaptive's choice follows from payload "
     "and rate"),
    ("Lumos5G", "5G runs under traces/lumos5g/, replayed at their own rates from random offsets "
     f"(sensitivity: scaled by {UPLINK_SCALE:g})", "the study's Lumos5G runs were uplink, the shipped ones are "
     "downlink (mean 523 Mbps, 4.7 % of samples under 8 Mbps); which runs and what scale is unpublished"),
    ("replications", "20 x 600 s (quick: 5 x 600 s)", "the study reported single numbers"),
)


def grid_changes(raw: dict, fixed: dict[str, Any], variant: Relaxation) -> dict[str, Any]:
    """The key-path values a point of ``variant`` sets on top of an experiment's scenario."""
    merged = {**fixed}
    data = _with(raw, fixed)
    merged.update(variant.change(data))
    return merged


def _with(raw: dict, changes: dict[str, Any]) -> dict:
    import copy

    from scoutsim.experiments.grid import set_path

    data = copy.deepcopy(raw)
    for key, value in changes.items():
        set_path(data, key, value)
    return data
