"""The fluid ``pf`` scheduler against a slot-level proportional fair scheduler with LTE's
link adaptation.

The reference is written here from the definitions, independently of the fluid model:
1 ms slots; in every slot each device draws its Rayleigh power gain ``X ~ Exp(1)``
(independent across devices and slots), its SINR is ``X`` times its mean SINR, and it could
send at the spectral efficiency of the best CQI of 3GPP TS 36.213 Table 7.2.3-1 that fits
under ``log2(1 + SINR / gap)`` (gap ``-ln(5 x 5e-5) / 1.5``, ns-3's ``LteAmc``): a capped
step function. The scheduler serves the device with the largest instantaneous rate over its
exponentially averaged throughput (window 200 slots; Jalali, Padovani & Pankaj 2000).
A device's own rate (its ``link_quality``) is measured as a user would: its mean rate with
the cell to itself. The fluid model then predicts each device's pf throughput.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from scoutsim.network.cell import CellSpec, DeviceSpec, Network

EFFICIENCY = np.array([0.1523, 0.2344, 0.3770, 0.6016, 0.8770, 1.1758, 1.4766, 1.9141, 2.4063,
                       2.7305, 3.3223, 3.9023, 4.5234, 5.1152, 5.5547])
GAP = -math.log(5 * 5e-5) / 1.5


def top_fraction(sinr):
    """Rate as a fraction of the top CQI's, for linear SINR values."""
    fits = np.log2(1 + np.asarray(sinr) / GAP)
    best = np.searchsorted(EFFICIENCY, fits, side="right")  # how many efficiencies fit
    return np.where(best > 0, EFFICIENCY[np.maximum(best - 1, 0)], 0.0) / EFFICIENCY[-1]


def alone(snr_db, rng, draws=400_000):
    return float(top_fraction(10 ** (snr_db / 10) * rng.exponential(1.0, draws)).mean())


def slot_pf(snr_db, slots, rng, window=200):
    snr = 10 ** (np.asarray(snr_db, dtype=float) / 10)
    n = len(snr)
    avg = np.full(n, 0.1)
    sent = np.zeros(n)
    for _ in range(slots):
        inst = top_fraction(snr * rng.exponential(1.0, n))
        i = int(np.argmax(inst / avg))
        served = np.zeros(n)
        served[i] = inst[i]
        sent += served
        avg = (1 - 1 / window) * avg + served / window
    return sent / slots


def fluid_pf(qualities, fading="rayleigh"):
    """Each device's pf rate in the fluid model, as a fraction of the cell's top rate."""
    env = simpy.Environment()
    net = Network(env, [CellSpec("c", sharing="time_share", scheduler="pf", fading=fading)],
                  [DeviceSpec(0, quality=q) for q in qualities])
    net.set_capacity(8)  # top rate 1 MB/s
    for d in range(len(qualities)):
        net.send(d, 1e12)
    return np.array([t.rate for t in net.active]) / 1e6


@pytest.mark.parametrize("snr_db", [[12, 12], [5, 5, 5, 5], [20, 20, 20]])
def test_equal_devices_within_3_percent(snr_db):
    rng = np.random.default_rng(11)
    q = alone(snr_db[0], rng)
    measured = slot_pf(snr_db, 30000, rng)
    assert fluid_pf([q] * len(snr_db)) == pytest.approx(measured, rel=0.03)
    # and the gain is real: well above equal time shares of the own rate
    assert measured.mean() > 1.2 * q / len(snr_db)


def test_devices_on_the_cap_gain_almost_nothing():
    # 35 dB mean SINR: the top CQI needs about 27 dB, reached in over 85 % of the slots alone.
    # PF can hardly do better than equal shares; the linear-rate textbook gain would be H_3.
    rng = np.random.default_rng(12)
    q = alone(35, rng)
    measured = slot_pf([35, 35, 35], 20000, rng)
    assert measured.mean() < 1.06 * q / 3
    assert fluid_pf([q] * 3) == pytest.approx(measured, rel=0.03)


def test_mixed_devices_within_the_documented_15_percent():
    rng = np.random.default_rng(13)
    snr_db = [25, 15, 5]
    q = [alone(s, rng) for s in snr_db]
    measured = slot_pf(snr_db, 30000, rng)
    assert fluid_pf(q) == pytest.approx(measured, rel=0.15)


@pytest.mark.parametrize("k", [2, 5, 25])
def test_gain_stays_within_its_bounds(k):
    # G <= min(k, 1/q) for every quality, down to a device that hardly ever gets through.
    from scoutsim.network.pfgain import pf_gain

    for q in (1e-9, 1e-4, 0.01, 0.3, 0.9, 1.0):
        g = pf_gain(k, q)
        assert 1.0 <= g <= min(k, 1 / max(q, 1e-4)) + 1e-12


def test_no_fading_no_gain():
    # Without fast fading every slot is like every other: pf serves equal time shares.
    assert fluid_pf([1.0, 0.5, 0.2], fading="none") == pytest.approx([1 / 3, 0.5 / 3, 0.2 / 3], rel=1e-12)
