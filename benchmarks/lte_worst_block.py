"""The mechanism of ``fading: epa`` against ns-3, grant by grant (issue #20; docs/models/cell.md,
Validation).

    python benchmarks/lte_worst_block.py    # needs ns-3 (pip install "scoutsim[validation]"); about 2 min

``fading: epa`` says that under EPA fading ns-3's uplink gives a UE the MCS of the worst of the
blocks it is granted, as sounded over the whole band, so the same UE gets a higher MCS on the
few blocks of a crowded cell than alone on all of them. This checks that rule where it acts,
on ns-3's uplink MAC trace (one line per grant, with its MCS) rather than on completion times:
``k`` = 1, 2 and 4 UEs at the same distance upload together in a 100-block cell with the
seed-2026 fading trace (rr, RLC 16 MiB), each served on ``max(3, 100 / k)`` blocks. The model's
mean SINR per block ``S`` is fitted once, to the lone UE's mean MCS over its grants, and the
model's MCS distribution on 50 and 25 blocks at that ``S`` (:func:`scoutsim.network.epa.worst_block`,
ns-3's CQI and MCS tables) is set beside ns-3's. It also prints the share of TTIs in which a
lone UE gets no grant, which the rule puts at ``P(CQI 0)``.

Measured (ns-3 3.44, one run each; the first tenth of each trace, TCP's ramp, left out):

    300 m, 2.5 MB: S = 6.0 dB; ns-3 mean MCS 1.7 / 3.1 / 5.1 (k = 1, 2, 4), model 1.8 / 3.1 /
        4.4; P(MCS >= 4) 0.25 / 0.43 / 0.65 against 0.23 / 0.45 / 0.62; lone TTIs without a
        grant 76 %, model P(CQI 0) 73 %. A UE finishes sooner shared by 2 (13.3 s) than alone
        (18.2 s), as G > 1 says.
    50 m, 10 MB: S = 28.0 dB; ns-3 16.5 / 22.2 / 23.9, model 16.4 / 20.1 / 22.9; P(MCS = 28)
        0.12 / 0.40 / 0.55 against 0.07 / 0.24 / 0.43; lone TTIs without a grant 5 %, model 6 %.

The rule holds for the far UE, the model's MCS on 50 and 25 blocks within one step of ns-3's
(slightly low on 25). For the near UE the lone fit is as good, but on 50 and 25 blocks ns-3's
MCS is 1-2 steps above the model's, most at the top MCS: the worst of few blocks is better in
ns-3 than the EPA quadrature says at high SINR. Not explained here; it makes near UEs in
shared cells predicted late under fading (docs/models/cell.md, Validation).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from scoutsim.bench import fadingtrace, ltesim  # noqa: E402
from scoutsim.bench.ns3sim import available  # noqa: E402
from scoutsim.network import epa  # noqa: E402

BLOCKS = 100
CASES = ((300, 2.5e6), (50, 10e6))  # (distance m, bytes per UE)
SHARED = (1, 2, 4)
LEVELS = (4, 8, 12, 16, 20, 24, 28)
MCS_OF_CQI = np.array([-1] + [epa.mcs_of_cqi(c) for c in range(1, 16)])  # -1: CQI 0, no grant


def grants(distance: int, size: float, k: int, trace: str) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Completion times, and the TTI (ms) and MCS of each grant after the first tenth."""
    path = Path(tempfile.mkdtemp()) / "ul_mac.txt"
    fct, _ = ltesim.run([distance] * k, [size] * k, [0.0] * k, resource_blocks=BLOCKS, fading_trace=trace,
                        stop_s=120, ul_mac_stats=str(path))
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:] if line.strip()]
    ms = np.array([round(float(r[0]) * 1000) for r in rows])
    mcs = np.array([int(r[6]) for r in rows])
    skip = len(rows) // 10
    return fct, ms[skip:], mcs[skip:]


def model_mcs(snr: float, per: int) -> np.ndarray:
    """The model's MCS on ``per`` of the blocks, one per sample (-1: CQI 0)."""
    cqi = np.searchsorted(np.asarray(epa.THRESHOLDS), epa.worst_block(BLOCKS, per) * snr, side="left")
    return MCS_OF_CQI[cqi]


def granted(mcs: np.ndarray) -> np.ndarray:
    return mcs[mcs >= 0]


def shares(mcs: np.ndarray) -> str:
    return " ".join(f"{np.mean(mcs >= level):.2f}" for level in LEVELS)


def main() -> None:
    if not available():
        sys.exit("needs ns-3: pip install 'scoutsim[validation]'")
    ltesim.load()
    trace = str(fadingtrace.trace_file(2026))
    print(f"P(MCS >= {', '.join(map(str, LEVELS))}) over grants; {BLOCKS} blocks, EPA trace of seed 2026")
    for distance, size in CASES:
        measured = {k: grants(distance, size, k, trace) for k in SHARED}
        lone_fct, lone_ms, lone_mcs = measured[1]
        fits = [(abs(g.mean() - lone_mcs.mean()), db) for db in np.arange(-10, 60, 0.25)
                if len(g := granted(model_mcs(10 ** (db / 10), BLOCKS)))]
        s_db = min(fits)[1]
        no_grant = 1 - len(lone_ms) / (lone_ms[-1] - lone_ms[0] + 1)
        print(f"{distance} m, {size / 1e6:g} MB: S fitted to the lone UE = {s_db:.2f} dB; lone TTIs without a grant "
              f"{no_grant:.0%}, model P(CQI 0) {np.mean(model_mcs(10 ** (s_db / 10), BLOCKS) < 0):.0%}")
        for k in SHARED:
            fct, _, mcs = measured[k]
            model = granted(model_mcs(10 ** (s_db / 10), max(3, BLOCKS // k)))
            print(f"  k={k} on {max(3, BLOCKS // k):3d} blocks: ns-3 mean MCS {mcs.mean():4.1f} [{shares(mcs)}] "
                  f"| model {model.mean():4.1f} [{shares(model)}] | ns-3 completion {np.mean(fct):.2f} s")


if __name__ == "__main__":
    main()
