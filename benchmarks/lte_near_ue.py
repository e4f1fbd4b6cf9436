"""Why a near UE on a wide cell is predicted late in a shared cell (issue #20; docs/models/cell.md,
Scope and limitations).

    python benchmarks/lte_near_ue.py    # needs ns-3 (pip install "scoutsim[validation]"); about 20 s

A UE 50 m from the eNodeB (top MCS) uploads 0.5, 2.5 and 10 MB alone (``ltesim.run``, rr,
RLC 16 MiB) in cells of 100, 50 and 25 uplink blocks, with ns-3's uplink MAC trace on. For
each width it prints:

* the transport block (bytes per TTI at MCS 28) and the rate it would carry if every TTI
  were used (``TB rate``);
* the own rate from the family's calibration pair (0.5 and 2.5 MB, ``ltefamily.CALIBRATION``)
  and from a longer pair (2.5 and 10 MB), each as a share of the TB rate (``e``);
* the pauses after the slow-start ramp (runs of TTIs without a grant) at the end of each
  upload, by size, and for the 10 MB upload their total and the bytes granted between two.

Then ``k`` = 2 and 4 such UEs share the 100-block cell (2.5 MB each, starting together);
ns-3's completion time is set beside a lone UE's on ``100 / k`` blocks and beside the cell
model's prediction (``cell_tb``: transport blocks, each UE calibrated alone on the 100 blocks
as the family does).

What it shows (ns-3 3.44): the longer a UE's transport block, the less of the TB rate its
upload gets, because of pauses at its end. ns-3's buffer status report tops out at 150,000
bytes (``BufferSizeLevelBsr``, the legacy 3GPP table), the scheduler grants a UE at most what
it last reported, and once TCP has handed its last segment to the 16 MiB RLC buffer no new
data arrives to trigger a fresh report: the queue TCP built up there drains about 150 kB at a
time, with a pause for the next report between bursts. The queue, and with it the number of
pauses, grows as the upload goes on (on 100 blocks: none at the end of 0.5 MB, one after
2.5 MB, four after 10 MB), so a two-upload calibration reads them as a lower rate. A burst
of 150 kB is 16 TTIs of 9,422-byte blocks (100 blocks) but 65 of 2,292-byte ones (25 blocks),
so the same pause is about four times as long against the burst it follows on 100 blocks as
on 25. At the top MCS a UE given
25 of 100 blocks in a shared cell behaves as a lone UE in a 25-block cell (the same completion
time, to the TTI), so its lone calibration on all 100 blocks, pauses included, predicts it
late. Measured (one seed; ns-3 is deterministic here):

    blocks TB bytes  TB Mbps 0.5/2.5 MB: Mbps     e 2.5/10 MB: Mbps     e pauses 0.5/2.5/10 MB paused TTIs kB between
       100     9422    75.38            67.23 0.892           68.34 0.907                0/1/4          68        151
        50     4587    36.70            33.97 0.926           34.60 0.943                0/1/3          51        151
        25     2292    18.34            17.30 0.943           17.45 0.952                0/1/3          51        151

    UEs blocks each ns-3 shared s ns-3 alone on those blocks s cell_tb s  error
      2          50        0.6389                       0.6389    0.6776  +6.1%
      4          25        1.1919                       1.1919    1.2902  +8.2%
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from scoutsim.bench import ltesim  # noqa: E402
from scoutsim.bench.ltefamily import CALIBRATION, FamilyCase, Lone, _cal_key, lone, predict  # noqa: E402
from scoutsim.bench.ns3sim import available  # noqa: E402
from scoutsim.network.tbs import TTI_S  # noqa: E402

DISTANCE = 50
WIDTHS = (100, 50, 25)
SIZES = (0.5e6, 2.5e6, 10e6)
SHARED = (2, 4)
RAMP_TTIS = 50  # the ramp is over once a UE is granted this many TTIs in a row


def read_trace(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """TTI (ms) and transport block bytes of each uplink grant in ns-3's MAC trace."""
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:] if line.strip()]
    ms = np.array([round(float(r[0]) * 1000) for r in rows])
    size = np.array([int(r[7]) for r in rows])
    return ms, size


def pauses(ms: np.ndarray, size: np.ndarray) -> tuple[int, int, float]:
    """After the ramp: the runs of TTIs without a grant, their total TTIs, and the mean bytes
    granted between two of them."""
    gaps = np.diff(ms)
    steady = next((i for i in range(len(gaps) - RAMP_TTIS + 1) if np.all(gaps[i:i + RAMP_TTIS] == 1)), len(gaps))
    late = np.flatnonzero(gaps[steady:] > 1) + steady
    if len(late) < 2:
        return len(late), int(np.sum(gaps[late] - 1)), float("nan")
    between = [size[a + 1:b + 1].sum() for a, b in zip(late[:-1], late[1:])]
    return len(late), int(np.sum(gaps[late] - 1)), float(np.mean(between))


def main() -> None:
    if not available():
        sys.exit("needs ns-3: pip install \"scoutsim[validation]\"")
    times: dict[tuple[int, float], float] = {}
    cal: dict[str, Lone | None] = {}
    print(f"{'blocks':>6s} {'TB bytes':>8s} {'TB Mbps':>8s} {'0.5/2.5 MB: Mbps':>16s} {'e':>5s} "
          f"{'2.5/10 MB: Mbps':>15s} {'e':>5s} {'pauses 0.5/2.5/10 MB':>20s} {'paused TTIs':>11s} "
          f"{'kB between':>10s}")
    with tempfile.TemporaryDirectory() as tmp:
        for n in WIDTHS:
            found = []
            for size in SIZES:
                trace = Path(tmp) / f"ul_{n}_{size:.0f}.txt"
                (t,), _ = ltesim.run([DISTANCE], [size], [0.0], resource_blocks=n, stop_s=60, ul_mac_stats=str(trace))
                times[n, size] = t
                ms, blocks = read_trace(trace)
                found.append(pauses(ms, blocks))
            tb = int(np.bincount(blocks).argmax())  # the largest upload's blocks
            tb_rate = tb / TTI_S
            short = lone((times[n, SIZES[0]], times[n, SIZES[1]]), CALIBRATION)
            long_ = lone((times[n, SIZES[1]], times[n, SIZES[2]]), SIZES[1:])
            if short is None or long_ is None:
                sys.exit(f"a lone upload on {n} blocks did not complete within 60 s: {times}")
            cal[_cal_key(DISTANCE, n, False)] = short
            counts = "/".join(str(c) for c, _, _ in found)
            _, paused, between = found[-1]
            print(f"{n:6d} {tb:8d} {tb_rate * 8e-6:8.2f} {short.rate * 8e-6:16.2f} {short.rate / tb_rate:5.3f} "
                  f"{long_.rate * 8e-6:15.2f} {long_.rate / tb_rate:5.3f} {counts:>20s} {paused:11d} "
                  f"{between / 1e3:10.0f}", flush=True)
    print(f"\n{'UEs':>3s} {'blocks each':>11s} {'ns-3 shared s':>13s} {'ns-3 alone on those blocks s':>28s} "
          f"{'cell_tb s':>9s} {'error':>6s}")
    for k in SHARED:
        shared, _ = ltesim.run([DISTANCE] * k, [SIZES[1]] * k, [0.0] * k, resource_blocks=WIDTHS[0], stop_s=60)
        case = FamilyCase(0, (DISTANCE,) * k, (SIZES[1],) * k, (0.0,) * k, WIDTHS[0], "rr", False, 1 << 24)
        model = predict(case, cal, "cell_tb")
        alone = times.get((WIDTHS[0] // k, SIZES[1]), float("nan"))
        print(f"{k:3d} {WIDTHS[0] // k:11d} {max(shared):13.4f} {alone:28.4f} {max(model):9.4f} "
              f"{max(model) / max(shared) - 1:+6.1%}", flush=True)


if __name__ == "__main__":
    main()
