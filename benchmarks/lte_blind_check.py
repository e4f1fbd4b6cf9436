"""A small blind check of the cell model's transport blocks against ns-3, on cases it was
not built from (issue #20; docs/models/cell.md, Validation).

    python benchmarks/lte_blind_check.py            # runs ns-3 once, then reads the stored file

The full family of seed 2026 took 4,432 s of ns-3; this machine could give the check about
6 CPU minutes. So: the no-fading cases of ``family(30, 2027)`` (a seed used for nothing
else), run in ``ORDER`` (cheapest first by the model's own estimate of ns-3's work, UEs x
simulated seconds, never by any error) until ``CPU_BUDGET_S`` of ns-3 CPU time is spent; a
case is run whole or not at all. The lone calibrations without fading do not depend on the
family's seed (``ltefamily.collect`` runs them alone, seed 1, no trace), so the stored ones
of seed 2026 are reused. The ns-3 side is written to ``benchmarks/data/lte_blind_seed2027_flat.json``
(the family record's format, so ``ltefamily.errors`` scores it).

The rule, set before any of these cases ran in ns-3: pooled over the uploads scored, the
cell model with ``transport_blocks`` (``cell_tb``) has median |error| <= 5 % and p90 <= 10 %.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoutsim.bench import ltefamily  # noqa: E402

SEED = 2027
ORDER = (14, 4, 3, 15, 25, 9, 5, 24, 10, 6, 7, 17, 0, 19)  # no-fading cases, cheapest first
CPU_BUDGET_S = 360.0
# The checkout's benchmarks/data (this script runs from a checkout, never from an installed wheel).
PATH = Path(__file__).resolve().parent / "data" / f"lte_blind_seed{SEED}_flat.json"


def collect() -> dict:
    from scoutsim.bench import ltesim

    ltesim.load()
    stored = ltefamily.load(ltefamily.reference_path(30, 2026))
    cases = {c.index: c for c in ltefamily.family(30, SEED)}
    assert all(not cases[i].fading for i in ORDER)
    cal = stored["calibration"]
    cpu0 = time.process_time()
    done, truth = ltefamily.run_within([cases[i] for i in ORDER], cal, None, CPU_BUDGET_S,
                                          log=lambda line: print(line, flush=True))
    keys = {ltefamily._cal_key(d, c.resource_blocks, False) for c in done for d in c.distances}
    keys |= {ltefamily._cal_key(ltefamily.DISTANCES[0], c.resource_blocks, False) for c in done}
    from dataclasses import asdict

    return {"seed": SEED, "n": len(done), "calibration_sizes": stored["calibration_sizes"],
            "calibration": {k: cal[k] for k in sorted(keys)}, "cases": [asdict(c) for c in done],
            "ns3": truth, "ns3_cpu_s": time.process_time() - cpu0,
            "note": "no-fading cases of family(30, 2027) in ORDER until the CPU budget; calibration of seed 2026"}


def main() -> None:
    if PATH.exists():
        record = ltefamily.load(PATH)
    else:
        record = collect()
        ltefamily.save(record, PATH)
    text, _summary = ltefamily.table(record)
    print(f"blind check, seed {SEED}: cases {[c['index'] for c in record['cases']]}, "
          f"ns-3 {record['ns3_cpu_s']:.0f} s CPU")
    print(text)
    res = ltefamily.errors(record)
    for m in ("cell", "cell_tb"):
        pooled = [e for g in ltefamily.GROUPS for e in res["errors"][m][g]]
        med, p90, worst = ltefamily.stats(pooled)
        print(f"{m:8s} pooled over {len(pooled)} uploads: median {med:.1%}, p90 {p90:.1%}, max {worst:.1%}")


if __name__ == "__main__":
    main()
