"""A lone UE's rate against the cell's width, with and without fast fading, in ns-3 (issue
#20: why a lone calibration cannot carry fading; docs/models/cell.md).

    python benchmarks/lte_lone_blocks.py [DISTANCE_M ...]    # default 100 300 700; needs ns-3

Each distance uploads 0.5 and 2.5 MB alone (``ltesim.run``, rr, no power control, RLC 16 MiB)
in cells of 6, 15, 25, 50 and 100 uplink blocks, without fading and with one EPA-like 5 Hz
trace of the family's generator (``fadingtrace.trace_file(7)``; one trace, one ns-3 seed: no
spread is measured); the rate is 2 MB over the difference of the two completion times (the
family's lone calibration, ``ltefamily.CALIBRATION``; NaN when the 2.5 MB upload does not
complete within ``STOP_S``). The ratio of the faded to the unfaded rate falls with the width,
as it should where ns-3 sizes the uplink MCS for the worst block of the allocation (the wider
the allocation, the deeper the fade it is sized for); a device on a few blocks of a shared
cell is then far less hurt by fading than its lone calibration on the whole band says. About
a minute and a half of ns-3 (60 uploads; the first run compiles).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoutsim.bench import fadingtrace, ltesim  # noqa: E402
from scoutsim.bench.ltefamily import CALIBRATION, lone  # noqa: E402
from scoutsim.bench.ns3sim import available  # noqa: E402

WIDTHS = (6, 15, 25, 50, 100)
STOP_S = 60.0


def lone_rate(distance: float, blocks: int, trace: str | None) -> float:
    """Mbps between the two calibration uploads; NaN when an upload never completes."""
    times = [ltesim.run([distance], [size], [0.0], resource_blocks=blocks, fading_trace=trace, stop_s=STOP_S)[0][0]
             for size in CALIBRATION]
    own = lone(times)  # the family's calibration; None when an upload never completed
    return own.rate * 8 / 1e6 if own is not None and times[1] > times[0] else math.nan


def main(distances: list[float]) -> None:
    if not available():
        sys.exit("needs ns-3: pip install \"scoutsim[validation]\"")
    trace = str(fadingtrace.trace_file(7))
    print(f"{'distance':>8s} {'blocks':>6s} {'Mbps':>7s} {'faded Mbps':>10s} {'faded / not':>11s}")
    for d in distances:
        for n in WIDTHS:
            flat, faded = lone_rate(d, n, None), lone_rate(d, n, trace)
            ratio = faded / flat if flat > 0 else math.nan
            print(f"{d:8g} {n:6d} {flat:7.2f} {faded:10.2f} {ratio:11.2f}", flush=True)


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [100.0, 300.0, 700.0])
