"""Transport blocks: what a device carries per TTI on the few resource blocks it is granted
(``transport_blocks: true``). docs/models/cell.md, "Transport blocks", states the model with
its sources, a worked example and the fit to the seed-2026 calibrations; in short:

Without it the cell model (``resource_blocks``, :func:`~scoutsim.network.schedulers.resource_block_share`)
scales a device's lone rate ``r``, measured on all ``N`` blocks, by ``p / N`` when it is served
on ``p`` blocks. With it the device carries ``e (TBS(I, p) / 8 - h)`` bytes per served TTI, so
its rate is ``r g(p) / g(N)`` with ``g(m) = TBS(I, m) / 8 - h``:

* ``TBS(I, m)``: 3GPP TS 36.213 Table 7.1.7.2.1-1, as ns-3 LENA has it (:func:`_table`);
* ``I``: the lone calibration's PUSCH MCS (:func:`lone_mcs`), held whatever ``p`` is: ns-3
  picks it from the sounding reference signal, sent over the whole band
  (``LteUePhy::DoSendSrs``), and ``RrFfMacScheduler::DoSchedUlTriggerReq`` looks up
  ``GetUlTbSizeFromMcs(mcs, rbPerFlow)`` with it;
* ``h = OVERHEAD_BYTES``, the RLC UM header of each block; ``e``, the device's own
  efficiency, cancels;
* a grant under ``MIN_GRANT_BYTES`` carries nothing, yet the UE holds its turn (``STALLED``),
  as in ns-3's UE MAC.

The cell asks :func:`block_gains` for each device's gain ``G = (g(p) / g(N)) / (p / N)`` over the
linear rule; ``G = 1`` where a device gets all ``N`` blocks (alone, or the only one served),
so a lone device's rate, and with it the calibration, is unchanged.

Units: rates in bytes per second.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

from scoutsim.network.schedulers import blocks_per_ue


def _table() -> tuple[tuple[int, ...], ...]:
    """``TBS_BITS[n_prb - 1][i_tbs]``, bits, N_PRB 1-110, I_TBS 0-26: 3GPP TS 36.213 Table
    7.1.7.2.1-1 as ns-3.44 has it (``src/lte/model/lte-amc.cc``, ``TransportBlockSizeTable``,
    "Taken from 3GPP TS 36.213 v8.8.0"), copied by a script, unchanged. ns-3 departs from the
    standard once, kept so that both agree: N_PRB = 1, I_TBS = 6 is 88 bits, not 328 ("not
    consistent with the other values"). ``tests/network/test_tbs.py`` checks entries against
    the standard's printed table."""
    with resources.files("scoutsim.network").joinpath("tbs_36213.csv").open() as f:
        rows = list(csv.reader(f))[1:]
    return tuple(tuple(int(x) for x in row[1:]) for row in rows)


TBS_BITS = _table()
# I_MCS 0-28 of the PUSCH -> I_TBS (TS 36.213 Table 8.6.1-1; ns-3 ``McsToItbsUl``).
MCS_TO_ITBS_UL = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 23, 24,
                  25, 26)

TTI_S = 0.001  # an LTE subframe: one transport block per UE per TTI (TS 36.211 section 4)
OVERHEAD_BYTES = 2  # fixed RLC UM header per transport block (TS 36.322 6.2.1.3; ns-3 LteRlcUm)
MAX_PRB = len(TBS_BITS)  # 110
MIN_GRANT_BYTES = 8  # ns-3 LteUeMac: a grant of 7 bytes or less is not used for data
STALLED = 1e-9  # gain of a device whose grant carries nothing: it holds its turn, never finishes


def tbs_bits(i_tbs: int, n_prb: int) -> int:
    """TS 36.213 Table 7.1.7.2.1-1: bits of a transport block, TBS index 0-26, 1-110 blocks."""
    if not 0 <= i_tbs < len(TBS_BITS[0]):
        raise ValueError(f"TBS index must be in 0-26, got {i_tbs}")
    if not 1 <= n_prb <= MAX_PRB:
        raise ValueError(f"an LTE transport block spans 1-{MAX_PRB} resource blocks, got {n_prb}")
    return TBS_BITS[n_prb - 1][i_tbs]


def goodput(i_tbs: int, n_prb: int, overhead: float = OVERHEAD_BYTES) -> float:
    """Bytes above RLC that one transport block carries: ``TBS / 8 - overhead``, and none in a
    block of fewer than ``MIN_GRANT_BYTES``."""
    size = tbs_bits(i_tbs, n_prb) / 8
    return size - overhead if size >= MIN_GRANT_BYTES else 0.0


@lru_cache(maxsize=4096)
def lone_mcs(rate: float, n_rb: int) -> int:
    """The PUSCH MCS a device sending ``rate`` bytes/s alone on ``n_rb`` blocks ran at: the
    lowest whose goodput per TTI covers the rate (the top one if none does)."""
    for mcs, i_tbs in enumerate(MCS_TO_ITBS_UL):
        if goodput(i_tbs, n_rb) / TTI_S >= rate:
            return mcs
    return len(MCS_TO_ITBS_UL) - 1


def block_gain(rate: float, n_rb: int, per: int) -> float:
    """Gain over the linear rule of a device with lone ``rate`` (bytes/s, on ``n_rb`` blocks)
    served on ``per`` blocks: ``(g(per) / g(n_rb)) / (per / n_rb)``."""
    if per >= n_rb:
        return 1.0
    i_tbs = MCS_TO_ITBS_UL[lone_mcs(rate, n_rb)]
    full = goodput(i_tbs, n_rb)
    if full <= 0:  # a block too small for the header alone: nothing to scale
        return 1.0
    return max(goodput(i_tbs, per) / full * n_rb / per, STALLED)


def block_gains(rates: dict, n_rb: int, k: int) -> dict:
    """Per device (``rates``: slot -> lone rate, bytes/s), its gain with ``k`` devices holding
    data in a cell of ``n_rb`` blocks, each served on ``blocks_per_ue(n_rb, k)`` blocks."""
    per = blocks_per_ue(n_rb, k)
    return {s: block_gain(r, n_rb, per) for s, r in rates.items()}
