"""The fluid ``pf`` scheduler against a slot-level proportional fair scheduler.

The reference is written here from the textbook definition, independently of the fluid
model: 1 ms slots; in every slot each device with data draws its Rayleigh power gain
``X ~ Exp(1)`` (independent across devices and slots) and could send ``r_i X`` bits; the
scheduler serves the device with the largest ``r_i X / T_i``, where ``T_i`` is its
throughput averaged by an exponential window of ``window`` slots (Jalali, Padovani &
Pankaj 2000; ns-3's PfFfMacScheduler uses the same update). The fluid model predicts
``r_i H_k / k`` for ``k`` devices with data (derivation in
scoutsim/network/schedulers.py); the issue's acceptance bound is 5 % per device.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from scoutsim.network.cell import CellSpec, DeviceSpec, Network, follow
from scoutsim.network.schedulers import harmonic

SLOT = 1e-3


def slot_pf(rates_bps, sizes_bits, slots, rng, window=100):
    """Slot-level PF. Returns (bits sent per device, finish slot per device or None)."""
    r = np.asarray(rates_bps, dtype=float) * SLOT  # bits per slot at X = 1
    left = np.asarray(sizes_bits, dtype=float)
    n = len(r)
    avg = r / n  # a start near the fair value; the window forgets it within ~window slots
    sent = np.zeros(n)
    finish = [None] * n
    for s in range(slots):
        has = left > 0
        if not has.any():
            break
        x = rng.exponential(1.0, n)
        inst = r * x
        metric = np.where(has, inst / avg, -np.inf)
        i = int(np.argmax(metric))
        served = np.zeros(n)
        served[i] = min(inst[i], left[i])
        left[i] -= served[i]
        sent += served
        if left[i] <= 0 and finish[i] is None:
            finish[i] = (s + 1) * SLOT
        # Only devices with data update their average (as ns-3 does for active flows).
        avg = np.where(has, (1 - 1 / window) * avg + served / window, avg)
    return sent, finish


@pytest.mark.parametrize("rates_mbps", [[20, 5], [30, 12, 6, 3]])
def test_full_buffer_throughput_per_device(rates_mbps):
    rng = np.random.default_rng(11)
    n = len(rates_mbps)
    slots = 40000
    sent, _ = slot_pf([m * 1e6 for m in rates_mbps], [np.inf] * n, slots, rng)
    measured = sent / (slots * SLOT) / 1e6
    fluid = np.array(rates_mbps) * harmonic(n) / n  # what Network's pf gives, checked below
    assert measured == pytest.approx(fluid, rel=0.05)

    env = simpy.Environment()
    net = Network(env, [CellSpec("c", sharing="time_share", scheduler="pf")],
                  [DeviceSpec(0, quality=m / rates_mbps[0]) for m in rates_mbps])
    net.set_cell_capacity(0, rates_mbps[0])
    for d in range(n):
        net.send(d, 1e12)
    assert [t.rate * 8 / 1e6 for t in net.active] == pytest.approx(list(fluid), rel=1e-12)


def test_finite_transfers_finish_times():
    # Three devices, own rates 24, 12 and 6 Mbps, start together with 3, 2 and 1 MB: k drops
    # from 3 to 2 to 1 as they finish, and so does PF's gain. Finish times within 5 %.
    rates = [24, 12, 6]
    sizes = [3e6, 2e6, 1e6]
    env = simpy.Environment()
    net = Network(env, [CellSpec("c", sharing="time_share", scheduler="pf")],
                  [DeviceSpec(0, quality=m / 24) for m in rates])
    env.process(follow(env, lambda m: net.set_cell_capacity(0, m), iter([(0, 24)])))
    fluid = [None] * 3

    def one(d):
        yield net.send(d, sizes[d])
        fluid[d] = env.now

    for d in range(3):
        env.process(one(d))
    env.run(until=100)
    runs = [slot_pf([m * 1e6 for m in rates], [b * 8 for b in sizes], 100000, np.random.default_rng(s))[1]
            for s in range(3)]
    reference = np.mean(np.array(runs, dtype=float), axis=0)
    assert fluid == pytest.approx(list(reference), rel=0.05)
