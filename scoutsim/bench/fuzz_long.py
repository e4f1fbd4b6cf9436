"""Long random scenarios for ``scoutsim bench fuzz --long``: valid, and meant to run to the end.

Where :mod:`scoutsim.bench.fuzz_inputs` mutates a tiny scenario into bad input, a long case
is a *valid* scenario drawn across the simulator's whole range: up to 600 simulated seconds
over a channel whose levels span 1e-3 to 1e4 Mbps (a trace of random steps, a trace pool, a
Markov chain or a constant), under every sharing rule (work_conserving, reserved,
time_share with each scheduler, the cell model's grant delay and HARQ), every allocator
(the online ones included), every policy (``+fallback`` and ``expected_f1`` included), every
estimator, both arrival kinds and both arrival modes, with random payload sizes (context
lengths from 16 to 32,768 tokens and the modes that carry them) and device counts.

Each must end with exit 0 and a complete, correct output; a refusal, a crash, a run still
going at the wall-clock alarm (a hang) or a half-written output is a failure. The size of
a case is bounded so that 10,000 of them run in well under an hour on one core: at most
6 devices and at most :data:`MAX_REQUESTS` expected requests per case (a case's arrival rate
is cut to fit its duration), and Markov and trace steps of at least 0.05 s.
"""

from __future__ import annotations

from hypothesis import strategies as st

from scoutsim.bench.fuzz_inputs import Case, _dump

MAX_REQUESTS = 120           # expected requests of one case, over all its devices
MAX_DURATION_S = 600.0
LEVELS_MBPS = (-3.0, 4.0)    # log10 of the channel's levels: 1e-3 .. 1e4 Mbps
SHARINGS = ("work_conserving", "reserved", "time_share")
SCHEDULERS = ("rr", "weighted", "max_rate", "pf")
ONLINE_ALLOCATORS = ("deadline", "joint")
ALLOCATORS = ("equal", "model_aware", "quality_max") + ONLINE_ALLOCATORS
POLICIES = ("adaptive", "expected_f1", "static:int4", "static:scout@0.5", "static:text")
ESTIMATORS = ("harmonic", "ewma", "last", "oracle", "robust_mpc")
MODES = ("bf16", "int8", "int4", "mixed_int4", "scout@0.25", "scout@0.5", "scout@0.75", "text", "local")
MODELS = (("qwen2.5-7b", "qwen2.5-14b"),)  # the pair the shipped oracle scores every mode for
RUN = ["run", "scenario.yaml", "--out", "out", "--no-plots", "--no-progress"]

log_uniform = lambda lo, hi: st.floats(lo, hi).map(lambda x: round(10.0 ** x, 6))  # noqa: E731


@st.composite
def steps_csv(draw, duration: float) -> bytes:
    """A trace of random levels held for random spells (0.05 s to 60 s), covering ``duration``."""
    rows, t = ["time_s,mbps"], 0.0
    while t <= duration and len(rows) < 400:
        rows.append(f"{t:.6f},{draw(log_uniform(*LEVELS_MBPS)):.6g}")
        t += draw(st.one_of(st.floats(0.05, 2.0), st.floats(2.0, 60.0)))
    return ("\n".join(rows) + "\n").encode()


@st.composite
def channel(draw, duration: float, files: dict) -> dict:
    kind = draw(st.sampled_from(["trace", "trace", "trace_pool", "markov", "constant"]))
    if kind == "constant":
        return {"kind": "constant", "mbps": draw(log_uniform(*LEVELS_MBPS))}
    if kind == "markov":
        states = draw(st.lists(log_uniform(*LEVELS_MBPS), min_size=1, max_size=5, unique=True))
        return {"kind": "markov", "states_mbps": states, "step_s": draw(st.floats(0.05, 30.0))}
    if kind == "trace":
        files["trace.csv"] = draw(steps_csv(duration))
        return {"kind": "trace", "path": "trace.csv", "loop": True}
    names = [f"run{i}.csv" for i in range(draw(st.integers(1, 3)))]
    for name in names:
        files[name] = draw(steps_csv(duration))
    return {"kind": "trace_pool", "runs": names, "per": "replication",
            "random_offset": draw(st.booleans()), "loop": True}


@st.composite
def uplink(draw, duration: float, files: dict, index: int) -> dict:
    sharing = draw(st.sampled_from(SHARINGS))
    u = {"id": f"cell{index}", "channel": draw(channel(duration, files)), "sharing": sharing,
         "latency_ms": draw(st.sampled_from([0.0, 5.0, 40.0]))}
    if sharing == "time_share":
        u["scheduler"] = draw(st.sampled_from(SCHEDULERS))
        # An online allocator needs a scheduler that hands out shares (rr, weighted).
        choices = ALLOCATORS if u["scheduler"] in ("rr", "weighted") else ALLOCATORS[:3]
    else:
        choices = ALLOCATORS
    u["allocator"] = draw(st.sampled_from(choices))
    if draw(st.integers(0, 3)) == 0:  # the cell model's MAC: grant delay and HARQ
        u["grant_delay_ms"] = draw(st.sampled_from([0.0, 4.0, 12.0]))
        u["bler"] = draw(st.sampled_from([0.0, 0.1, 0.3]))
    return u


@st.composite
def group(draw, uplink_ids: list[str], per_s: float, time_share: set[str]) -> dict:
    edge, cloud = draw(st.sampled_from(MODELS))
    count = draw(st.integers(1, 3))
    base = draw(st.sampled_from(POLICIES))
    policy = base + draw(st.sampled_from(["", "", "+fallback"]))
    modes = draw(st.lists(st.sampled_from(MODES), min_size=1, max_size=4, unique=True))
    if base.startswith("static:") and base[len("static:"):] not in modes:
        modes.append(base[len("static:"):])
    if policy.endswith("+fallback") and not any(m.startswith(("scout", "text", "local")) for m in modes):
        modes.append("text")  # a fallback needs a mode that sends no KV cache
    rate = per_s / count
    arrival = draw(st.sampled_from([{"kind": "poisson", "rate_per_s": round(rate, 9)},
                                    {"kind": "periodic", "period_s": round(1.0 / rate, 9)}]))
    g = {"count": count, "edge_model": edge, "cloud_model": cloud, "uplink": draw(st.sampled_from(uplink_ids)),
         "edge_slowdown": draw(st.sampled_from([1.0, 4.0, 8.0])), "arrival": arrival,
         "deadline_s": draw(st.sampled_from([0.5, 2.0, 5.0, 20.0, 60.0])), "policy": policy, "modes": modes,
         "estimator": draw(st.sampled_from(ESTIMATORS)),
         "abandon_at_deadline": draw(st.booleans())}
    if draw(st.booleans()):
        g["context_tokens"] = int(draw(log_uniform(1.2, 4.5)))  # 16 .. 32k tokens: payloads over 3 orders
    if g["uplink"] in time_share:
        g["link_quality"] = draw(st.sampled_from([0.05, 0.3, 1.0]))
    return g


@st.composite
def long_case(draw) -> Case:
    duration = draw(st.floats(1.0, MAX_DURATION_S).map(lambda x: round(x, 3)))
    files: dict[str, bytes] = {}
    uplinks = [draw(uplink(duration, files, i)) for i in range(draw(st.integers(1, 2)))]
    ids = [u["id"] for u in uplinks]
    time_share = {u["id"] for u in uplinks if u["sharing"] == "time_share"}
    groups = draw(st.integers(1, 2))
    # Requests per second over the whole case, cut so that it expects at most MAX_REQUESTS.
    per_s = min(draw(log_uniform(-2.0, 1.0)), MAX_REQUESTS / duration) / groups
    data = {"name": "long", "seed": draw(st.integers(0, 2**31 - 1)), "replications": draw(st.integers(1, 2)),
            "duration_s": duration, "oracle": "published-squad-v2",
            "deadline_on": draw(st.sampled_from(["first_token", "answer"])),
            "arrivals": draw(st.sampled_from(["per_device", "superposed"])),
            "uplinks": uplinks, "cloud": {"slowdown": 1.0, "gpus": draw(st.integers(1, 2))},
            "agents": [draw(group(ids, per_s, time_share)) for _ in range(groups)]}
    data["replications"] = 1 if data["replications"] * duration > MAX_DURATION_S else data["replications"]
    cells = ",".join(f"{u['sharing']}/{u.get('scheduler', '-')}/{u['allocator']}" for u in uplinks)
    policies = ",".join(g["policy"] for g in data["agents"])
    desc = (f"{duration:g} s, {cells}, {policies}, {data['arrivals']}, "
            f"{'+'.join(g['arrival']['kind'] for g in data['agents'])}, seed {data['seed']}")
    files["scenario.yaml"] = _dump(data)
    return Case("long", desc, files, RUN, ["scenario.yaml"])
