"""Proportional fair's multi-user diversity gain over Rayleigh fading with LTE's capped,
stepwise link adaptation. docs/models/cell.md, "Proportional fair", derives it and gives the
references; in short:

Link adaptation picks, for a block's SINR ``x``, the highest CQI whose spectral efficiency (the
15 of 3GPP TS 36.213 Table 7.2.3-1) fits under ``log2(1 + x / GAP)`` (ns-3's ``LteAmc``), so a
device's rate ``R(x) = eff(x) / eff_max`` of its cell's top rate is a step function: steps
``d_j`` at thresholds ``t_j``. Under Rayleigh fading ``x = s X``, ``X ~ Exp(1)``, and a device's
mean rate alone is ``q(s) = sum_j d_j exp(-t_j / s)``. Proportional fair serves each device
``1/k`` of the slots, at the largest of ``k`` draws, so its gain over equal time shares is

    G(k, q) = E[R(s X_max)] / q(s),   E[R(s X_max)] = sum_j d_j (1 - (1 - exp(-t_j / s))^k),

``s`` solved from the device's ``q``. ``G <= min(k, 1 / q)``: a device's rate ``r G / k`` never
exceeds its own rate ``r`` nor ``1/k`` of the cell's top rate. Against a slot-level PF
(``tests/network/test_pf_reference.py``) equal qualities agree within 3 %; mixed ones (mean
SINR 25/15/5 dB) within 15 %, the near device's rate being underestimated (by 12-14 %).
"""

from __future__ import annotations

import math
from functools import lru_cache

CQI_EFFICIENCY = (0.1523, 0.2344, 0.3770, 0.6016, 0.8770, 1.1758, 1.4766, 1.9141, 2.4063,
                  2.7305, 3.3223, 3.9023, 4.5234, 5.1152, 5.5547)
GAP = -math.log(5 * 5e-5) / 1.5
THRESHOLDS = tuple(GAP * (2 ** e - 1) for e in CQI_EFFICIENCY)  # SINR (linear) at which each CQI fits
STEPS = tuple((e - p) / CQI_EFFICIENCY[-1] for e, p in zip(CQI_EFFICIENCY, (0.0,) + CQI_EFFICIENCY[:-1]))
Q_TOP = 0.999  # above this a device is on the cap: no gain


def mean_rate(snr: float) -> float:
    """``q(s)``: the mean of ``R(s X)`` over Rayleigh fading, as a fraction of the top rate."""
    return sum(d * math.exp(-t / snr) for d, t in zip(STEPS, THRESHOLDS))


def selected_rate(snr: float, k: int) -> float:
    """Mean of ``R(s X)`` with ``X`` the largest of ``k`` independent Exp(1) draws."""
    return sum(d * (1 - (1 - math.exp(-t / snr)) ** k) for d, t in zip(STEPS, THRESHOLDS))


def snr_for(q: float) -> float:
    """The mean SINR at which a device's mean rate is ``q`` of the top rate (0 < q < 1)."""
    lo, hi = 1e-4, 1e8  # q(s) increases with s; bisection in log s
    for _ in range(100):
        mid = math.sqrt(lo * hi)
        if mean_rate(mid) < q:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


@lru_cache(maxsize=4096)
def _gain(k: int, q: float) -> float:
    if k <= 1 or q >= Q_TOP:
        return 1.0
    s = snr_for(q)
    return selected_rate(s, k) / mean_rate(s)


def pf_gain(k: int, quality: float) -> float:
    """``G(k, q)`` for a device whose mean rate alone is ``quality`` of its cell's top rate
    (rounded to 1e-4 for the cache, and taken as at least 1e-4: the gain changes by far less
    over such a step)."""
    return _gain(int(k), min(max(round(quality, 4), 1e-4), 1.0))
