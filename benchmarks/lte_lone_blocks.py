"""A lone UE's rate per resource block against the cell's width, with and without fast
fading, in ns-3 (issue #20: why a lone calibration cannot carry fading; docs/models/cell.md).

    python benchmarks/lte_lone_blocks.py [DISTANCE_M ...]    # default 100 300 700; needs ns-3

Each distance uploads 0.5 and 2.5 MB alone (``ltesim.run``, rr, no power control, RLC 16 MiB)
in cells of 6, 15, 25, 50 and 100 uplink blocks, without fading and with the family's EPA-like
5 Hz trace (``fadingtrace.trace_file(7)``); the rate is 2 MB over the difference of the two
completion times (the family's lone calibration, ``ltefamily.CALIBRATION``). ns-3 picks the uplink MCS
from the worst block of the allocation, so the wider the allocation the deeper the fade it
is sized for: the ratio of the faded to the unfaded rate falls with the width. A device on a
few blocks of a shared cell is therefore far less hurt by fading than its lone calibration on
the whole band says. About a second of ns-3 per upload.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoutsim.bench import fadingtrace, ltesim  # noqa: E402
from scoutsim.bench.ltefamily import CALIBRATION  # noqa: E402
from scoutsim.bench.ns3sim import available  # noqa: E402

WIDTHS = (6, 15, 25, 50, 100)
STOP_S = 60.0


def lone_rate(distance: float, blocks: int, trace: str | None) -> float:
    """Mbps between the two calibration uploads; NaN when an upload never completes."""
    small, large = CALIBRATION
    (t1,), _ = ltesim.run([distance], [small], [0.0], resource_blocks=blocks, fading_trace=trace, stop_s=STOP_S)
    (t2,), _ = ltesim.run([distance], [large], [0.0], resource_blocks=blocks, fading_trace=trace, stop_s=STOP_S)
    return (large - small) / (t2 - t1) * 8 / 1e6


def main(distances: list[float]) -> None:
    if not available():
        sys.exit("needs ns-3: pip install \"scoutsim[validation]\"")
    trace = str(fadingtrace.trace_file(7))
    print(f"{'distance':>8s} {'blocks':>6s} {'Mbps':>7s} {'faded Mbps':>10s} {'faded / not':>11s}")
    for d in distances:
        for n in WIDTHS:
            flat, faded = lone_rate(d, n, None), lone_rate(d, n, trace)
            ratio = faded / flat if flat > 0 and not math.isnan(faded) else math.nan
            print(f"{d:8g} {n:6d} {flat:7.2f} {faded:10.2f} {ratio:11.2f}", flush=True)


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [100.0, 300.0, 700.0])
