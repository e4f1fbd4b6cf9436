"""Transport blocks: what a device carries per TTI on the few resource blocks it is granted.

Without it the cell model (``resource_blocks``, :func:`scoutsim.network.schedulers.resource_block_share`)
scales a device's lone rate, measured on all ``N`` blocks of the cell, linearly with the ``p``
blocks it gets per TTI when ``k`` devices share. A real uplink does not: the bytes of one TTI
are a transport block whose size comes from a table, and part of each block is headers. With
``transport_blocks: true`` (docs/models/cell.md) a device served on ``p`` blocks carries

    e (TBS(I, p) / 8 - h)  bytes per served TTI,

against ``e (TBS(I, N) / 8 - h)`` alone, so its rate is its lone rate times
``g(p) / g(N)`` with ``g(m) = TBS(I, m) / 8 - h``, instead of times ``p / N``. The pieces:

* ``TBS(I, m)``: 3GPP TS 36.213 Table 7.1.7.2.1-1, bits of a transport block of TBS index
  ``I`` on ``m`` physical resource blocks (the file ``tbs_36213.csv`` beside this module, as
  ns-3 LENA has it: see :func:`_table`). At low ``I`` it is far from linear in ``m``: ``I = 0`` carries 56 bits on 3 blocks
  but 680 on 25, so 3 blocks carry 0.69 of ``3 / 25`` of the 25 blocks' load.
* ``I``: the device's MCS, read off its lone calibration. The lone rate ``r`` (bytes/s, on all
  ``N`` blocks) is at most the goodput of the transport blocks it was sent on (TCP/IP
  headers and retransmissions only take away), so the MCS is the lowest PUSCH MCS ``I_MCS``
  (0-28, TS 36.213 Table 8.6.1-1 maps it to ``I``) whose goodput ``g(N) / TTI_S`` covers
  ``r``; above the top MCS's goodput, the top MCS. The MCS is held at the lone one whatever
  ``p`` is: ns-3 picks it from the uplink CQI of the sounding reference signal, which a UE
  sends over the whole band at the same power however many blocks its data gets
  (``FfMacScheduler::UlCqiFilter`` default ``SRS_UL_CQI``; ``LteUePhy::DoSendSrs`` uses
  every uplink block), and ``RrFfMacScheduler::DoSchedUlTriggerReq`` looks up
  ``GetUlTbSizeFromMcs(mcs, rbPerFlow)`` with it.
* ``h = OVERHEAD_BYTES = 2``: the fixed part of an RLC UM PDU header (10-bit sequence number,
  3GPP TS 36.322 section 6.2.1.3), one per transport block; ns-3's ``LteRlcUm::DoNotifyTxOpportunity``
  takes it off every transmit opportunity ("Header fix part is 2 bytes"). ns-3 models no MAC
  header and sends BSRs out of band, so there is nothing else per block. What is per packet
  rather than per block (TCP/IP and PDCP headers, RLC length indicators, retransmissions)
  scales with the bytes, not the blocks, and stays in ``e``. The lone calibrations of the
  seed-2026 family agree (lone uploads only, none of its shared cases): the 8 whose blocks
  are under 400 bytes (25/50/100 blocks, 500-900 m, no fading) fit ``r TTI_S = e (TBS / 8 -
  h)`` with ``h = 2.3`` bytes, ``e = 0.960``; with ``h = 2`` their ``e`` spans 0.957-0.960,
  with ``h = 0`` 0.936-0.953 (``tests/network/test_tbs.py``).
* ``e``: the device's own efficiency, ``r TTI_S / g(N)``; it cancels in ``g(p) / g(N)``.
* A grant of fewer than ``MIN_GRANT_BYTES = 8`` bytes carries nothing: ns-3's UE MAC
  (``LteUeMac::DoReceiveLteControlMessage``, ns-3.44) passes a grant to RLC only if
  ``bytesForThisLc > 7`` ("7 is the min TxOpportunity useful for Rlc"), and otherwise just
  reports its buffer again, while the scheduler keeps granting it its 3 blocks (its own
  minimum is there "to ensure TxOpportunity >= 7 bytes"). So a UE at I_TBS 0 on 3 blocks
  (56 bits, 7 bytes) sends nothing while 7 or more UEs at 25 blocks hold data, yet holds its
  turn: :func:`block_gain` gives it ``STALLED``, a vanishing rate that keeps its share of the
  time, as the cell keeps a starved UE's. A real UE would send its 7 bytes (a few of data
  after the MAC and RLC headers); this is ns-3's behaviour, found after the seed-2026 family
  had been scored (docs/models/cell.md).

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
