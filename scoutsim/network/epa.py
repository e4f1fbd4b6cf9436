"""Transport blocks under frequency-selective fading (``fading: epa``): the MCS of LTE's uplink
sized for the worst block of each allocation. docs/models/cell.md, "Fading with resource
blocks", states the model with its sources; in short:

* The channel is 3GPP's Extended Pedestrian A (TS 36.101 Annex B.2: seven Rayleigh taps,
  delays 0-410 ns): block ``b`` (180 kHz) sees ``|H_b|^2``, exponential with mean 1 on every
  block and correlated across neighbouring blocks through the small delay spread.
* A device's sounding SINR on block ``b`` is ``S |H_b|^2``, ``S`` its mean SINR per block.
  ns-3's uplink schedulers (``RrFfMacScheduler::DoSchedUlTriggerReq``, the same code in
  ``PfFfMacScheduler``) take the *lowest* SINR over the ``p`` contiguous blocks a device is
  granted, map it to a CQI (``s = log2(1 + SINR / GAP)``, the highest CQI whose efficiency
  is below ``s``; ``LteAmc::GetCqiFromSpectralEfficiency``) and the CQI to an MCS
  (``LteAmc::GetMcsFromCqi``), with ns-3's two-decimal efficiency tables. A CQI of 0 skips
  the device for that TTI, its blocks unused.
* Its goodput on ``p`` blocks is ``g(p; S) = E[TBS(I(MCS), p) / 8 - h]`` over the fading
  (:func:`scoutsim.network.tbs.goodput`: none in a block of 7 bytes or less).
* ``S`` is read off the device's lone rate, as its calibration gives it: its quality ``q``
  (own rate over the cell's reference rate, a device alone at the top MCS) is
  ``g(N; S) / g_top(N)``; the efficiency of both cancels.
* Served on ``p`` of the cell's ``N`` blocks, the device's gain over the linear rule is
  ``G = (g(p; S) / g(N; S)) / (p / N)``, which the cell uses as it uses the unfaded
  transport-block gain. The worst of few blocks is better than the worst of many, so ``G``
  can exceed 1, most for far devices: one that a lone upload on all ``N`` blocks starves may
  send in a crowded cell.

The expectation over the fading is a fixed quadrature: :data:`SNAPSHOTS` independent channel
snapshots from a constant seed, the same in every run (not a simulation stream: nothing here
changes between replications), and for ``p < N`` every start position of the allocation.
Time correlation (the Doppler) and the staleness of the sounding do not enter a mean rate.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from scoutsim.network import tbs
from scoutsim.network.schedulers import blocks_per_ue

# TS 36.101 Annex B.2, Extended Pedestrian A.
EPA_DELAYS_NS = (0, 30, 70, 90, 110, 190, 410)
EPA_POWERS_DB = (0.0, -1.0, -2.0, -3.0, -8.0, -17.2, -20.8)
RB_HZ = 180e3
# ns-3's LteAmc tables (src/lte/model/lte-amc.cc): spectral efficiency per CQI 0-15 (TS 36.213
# Table 7.2.3-1, rounded to two decimals) and per MCS 0-28 (R1-081483, as ns-3 rounds it).
CQI_EFFICIENCY = (0.0, 0.15, 0.23, 0.38, 0.6, 0.88, 1.18, 1.48, 1.91, 2.41, 2.73, 3.32, 3.9, 4.52, 5.12, 5.55)
MCS_EFFICIENCY = (0.15, 0.19, 0.23, 0.31, 0.38, 0.49, 0.6, 0.74, 0.88, 1.03, 1.18, 1.33, 1.48, 1.7, 1.91, 2.16,
                  2.41, 2.57, 2.73, 3.03, 3.32, 3.61, 3.9, 4.21, 4.52, 4.82, 5.12, 5.33, 5.55)
GAP = -math.log(5 * 5e-5) / 1.5  # ns-3's LteAmc at its BER of 5e-5
SNAPSHOTS = 3000
SEED = 20261207  # of the quadrature, fixed: the model is a function of its inputs
TOP_I_TBS = tbs.MCS_TO_ITBS_UL[-1]
Q_MIN = 1e-4  # qualities are taken as at least this (and rounded to it), as pfgain does


def mcs_of_cqi(cqi: int) -> int:
    """``LteAmc::GetMcsFromCqi``: the highest MCS whose efficiency is within the CQI's."""
    mcs = 0
    while mcs < len(MCS_EFFICIENCY) - 1 and MCS_EFFICIENCY[mcs + 1] <= CQI_EFFICIENCY[cqi]:
        mcs += 1
    return mcs


# Linear SINR above which the CQI is at least c (c = 1..15): s > efficiency(c).
THRESHOLDS = tuple(GAP * (2 ** e - 1) for e in CQI_EFFICIENCY[1:])


@lru_cache(maxsize=8)
def channel_gains(n_rb: int) -> np.ndarray:
    """``SNAPSHOTS`` x ``n_rb`` samples of ``|H_b|^2`` (mean 1 on every block)."""
    rng = np.random.default_rng(np.random.SeedSequence(SEED))
    powers = 10 ** (np.asarray(EPA_POWERS_DB) / 10)
    powers = powers / powers.sum()
    taps = (rng.standard_normal((SNAPSHOTS, len(powers))) + 1j * rng.standard_normal((SNAPSHOTS, len(powers))))
    taps *= np.sqrt(powers / 2)
    phases = np.exp(-2j * np.pi * np.outer(np.arange(n_rb) * RB_HZ, np.asarray(EPA_DELAYS_NS) * 1e-9))
    gains = np.abs(taps @ phases.T) ** 2
    gains.flags.writeable = False  # cached and shared
    return gains


@lru_cache(maxsize=64)
def worst_block(n_rb: int, per: int) -> np.ndarray:
    """Sorted samples of the smallest ``|H_b|^2`` over ``per`` contiguous blocks, every start."""
    gains = channel_gains(n_rb)
    low = gains[:, :n_rb - per + 1].copy()
    for j in range(1, per):
        np.minimum(low, gains[:, j:n_rb - per + 1 + j], out=low)
    low = np.sort(low.ravel())
    low.flags.writeable = False  # cached and shared
    return low


def mean_goodput(snr: float, n_rb: int, per: int) -> float:
    """``g(per; snr)``: bytes per served TTI on ``per`` blocks, mean over the fading."""
    worst = worst_block(n_rb, per)
    total, below = 0.0, 0.0
    for cqi, threshold in enumerate(THRESHOLDS, start=1):
        step = tbs.goodput(tbs.MCS_TO_ITBS_UL[mcs_of_cqi(cqi)], per)
        share = 1.0 - np.searchsorted(worst, threshold / snr, side="right") / worst.size  # P(CQI >= cqi)
        total += (step - below) * float(share)
        below = step
    return total


@lru_cache(maxsize=4096)
def snr_for(quality: float, n_rb: int) -> float:
    """The mean SINR per block at which a lone device on all ``n_rb`` blocks carries
    ``quality`` of the top MCS's goodput (bisection in dB; the top if it is never reached)."""
    target = quality * tbs.goodput(TOP_I_TBS, n_rb)
    lo, hi = -30.0, 80.0
    if mean_goodput(10 ** (hi / 10), n_rb, n_rb) <= target:
        return 10 ** (hi / 10)
    for _ in range(50):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_goodput(10 ** (mid / 10), n_rb, n_rb) < target else (lo, mid)
    return 10 ** (hi / 10)


@lru_cache(maxsize=8192)
def _gain(quality: float, n_rb: int, per: int) -> float:
    if per >= n_rb:
        return 1.0
    snr = snr_for(quality, n_rb)
    full = mean_goodput(snr, n_rb, n_rb)
    if full <= 0:
        return 1.0
    # STALLED where no snapshot reached CQI 1 on these blocks (a deep fade rarer than 1 in
    # SNAPSHOTS, or none at all): the device holds its turns and sends nothing, as at CQI 0.
    return float(max(mean_goodput(snr, n_rb, per) / full * n_rb / per, tbs.STALLED))


def block_gain(quality: float, n_rb: int, per: int) -> float:
    """``G`` of a device of ``quality`` (own rate over the cell's top rate) served on ``per``
    of ``n_rb`` blocks. The quality is rounded to three significant digits for the cache (``G``
    grows about as ``1 / q`` for far devices, so an absolute step would be coarse there) and
    taken as at least :data:`Q_MIN`. The quadrature's own error in ``G`` (its spread over
    other seeds): about 0.3 % at ``q = 0.3``, 1.5 % at 0.05, 2.5 % at 0.01, 10 % at 0.001."""
    q = min(max(float(f"{quality:.3g}"), Q_MIN), 1.0)
    return _gain(q, int(n_rb), int(per))


def block_gains(qualities: dict, n_rb: int, k: int) -> dict:
    """Per device (``qualities``: slot -> quality), its gain with ``k`` devices holding data."""
    per = blocks_per_ue(n_rb, k)
    return {s: block_gain(q, n_rb, per) for s, q in qualities.items()}


def largest_gain(qualities, n_rb: int, n: int) -> float:
    """The largest gain any of these qualities reaches with 1 to ``n`` devices holding data:
    the clairvoyant bound's ``G_max`` for the cell."""
    pers = {blocks_per_ue(n_rb, k) for k in range(1, max(n, 1) + 1)}
    return max([1.0] + [block_gain(q, n_rb, p) for q in qualities for p in pers])
