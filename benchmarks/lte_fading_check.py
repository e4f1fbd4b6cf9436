"""A blind check of the cell model under fast fading (``fading: epa``) against ns-3, on cases
it was not built from (issue #20; docs/models/cell.md, Validation).

    python benchmarks/lte_fading_check.py                # seed 2028 on the trace of seed 2026
    python benchmarks/lte_fading_check.py 2029 2029      # seed 2029 on its own trace
    python benchmarks/lte_fading_check.py pooled         # the rule's numbers, over every stored record

Each runs ns-3 only when its stored file is missing, and scores the stored file. The fading
cases of ``family(30, SEED)`` (seeds used for nothing else). A lone UE's faded calibration depends on the fading trace, not
on the family's seed: on the trace of seed 2026 (``fadingtrace.trace_file(2026)``, an
EPA-like Rayleigh channel at 5 Hz like every family trace) the cases reuse that family's
stored faded calibrations; on another trace, and for any calibration missing, the lone
uploads are run here, as ``ltefamily.collect`` runs them. Cases run cheapest first by the
unfaded model's own estimate of ns-3's work (UEs x simulated seconds, never by any error)
until ``CPU_BUDGET_S`` of ns-3 CPU time is spent; a case is run whole or not at all. The ns-3
side is written to ``benchmarks/data/lte_blind_seed<SEED>_fading.json`` (with
``_trace<TRACE_SEED>`` before ``.json`` when the trace is not 2026; the family record's format,
so ``ltefamily.errors`` scores it).

The rule, written and committed before either record was scored (both ns-3 runs were
started before it was written), is in docs/verdict-rules.md, "Verdict rule for `fading:
epa`"; ``pooled`` prints its numbers.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoutsim.bench import ltefamily  # noqa: E402

SEED = 2028
STORED_TRACE = 2026  # the stored faded calibrations were measured on this trace
CPU_BUDGET_S = 1800.0


def path(seed: int, trace_seed: int) -> Path:
    tail = "" if trace_seed == STORED_TRACE else f"_trace{trace_seed}"
    return Path(__file__).resolve().parent / "data" / f"lte_blind_seed{seed}_fading{tail}.json"


def _work(case: ltefamily.FamilyCase, cal: dict) -> float:
    """The unfaded ``cell`` model's estimate of ns-3's work: UEs x the last completion time."""
    flat = replace(case, fading=False)
    times = [t for t in ltefamily.predict(flat, cal, "cell") if math.isfinite(t)]
    return len(case.distances) * (max(times) if times else ltefamily.STOP_S)


def collect(seed: int, trace_seed: int) -> dict:
    from scoutsim.bench import fadingtrace, ltesim

    ltesim.load()
    stored = ltefamily.load(ltefamily.reference_path(30, STORED_TRACE))
    sizes = tuple(stored["calibration_sizes"])
    # Unfaded calibrations need no trace; faded ones only on the trace they were measured on.
    raw = {k: t for k, t in stored["calibration"].items() if k.endswith("/0") or trace_seed == STORED_TRACE}
    trace = str(fadingtrace.trace_file(trace_seed))
    cases = [c for c in ltefamily.family(30, seed) if c.fading]
    cpu0 = time.process_time()
    for key in sorted({ltefamily._cal_key(d, c.resource_blocks, True) for c in cases for d in c.distances} - set(raw)):
        d, rbs, _ = (int(x) for x in key.split("/"))
        raw[key], _wall = ltefamily.run_lone(d, rbs, trace, sizes)
        print(f"calibration {key}: {raw[key]}", flush=True)
    cal = {k: ltefamily.lone(t, sizes) for k, t in raw.items()}
    order = sorted(cases, key=lambda c: _work(c, cal))
    done, truth = ltefamily.run_within(order, raw, trace, CPU_BUDGET_S - (time.process_time() - cpu0),
                                          log=lambda line: print(line, flush=True))
    keys = {ltefamily._cal_key(d, c.resource_blocks, True) for c in done for d in c.distances}
    keys |= {ltefamily._cal_key(ltefamily.DISTANCES[0], c.resource_blocks, False) for c in done}
    return {"seed": seed, "n": len(done), "calibration_sizes": list(sizes),
            "calibration": {k: raw[k] for k in sorted(keys)}, "cases": [asdict(c) for c in done],
            "ns3": truth, "ns3_cpu_s": time.process_time() - cpu0,
            "note": f"fading cases of family(30, {seed}), cheapest first until the CPU budget, on the fading trace "
                    f"of seed {trace_seed}, faded calibrations measured on it"}


def pooled() -> None:
    """Per model, over every stored blind fading record: median and p90 of |error| per
    scheduler and over both, and the count of infinite errors (docs/verdict-rules.md)."""
    files = sorted(Path(__file__).resolve().parent.joinpath("data").glob("lte_blind_seed*_fading*.json"))
    results = [ltefamily.errors(ltefamily.load(f)) for f in files]
    print(f"pooled over {', '.join(f.stem for f in files)}")
    for m in ltefamily.MODELS:
        parts = []
        for label, scheds in (("rr", ("rr",)), ("pf", ("pf",)), ("both", ("rr", "pf"))):
            err = [e for r in results for s in scheds for e in r["errors"][m][(s, True)]]
            med, p90, _ = ltefamily.stats(err)
            infinite = sum(1 for e in err if not math.isfinite(e))
            p90_text = f"{p90:.1%}" if math.isfinite(p90) else "inf"
            parts.append(f"{label} n={len(err)} median {med:.1%} p90 {p90_text} infinite {infinite}")
        print(f"{m:16s} " + " | ".join(parts))


def main(argv: list[str]) -> None:
    if argv == ["pooled"]:
        return pooled()
    seed, trace_seed = (int(argv[0]), int(argv[1])) if argv else (SEED, STORED_TRACE)
    file = path(seed, trace_seed)
    if file.exists():
        record = ltefamily.load(file)
    else:
        record = collect(seed, trace_seed)
        ltefamily.save(record, file)
    text, _summary = ltefamily.table(record)
    print(f"blind fading check, seed {seed}, trace {trace_seed}: cases {[c['index'] for c in record['cases']]}, "
          f"ns-3 {record['ns3_cpu_s']:.0f} s CPU")
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
