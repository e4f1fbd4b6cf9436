"""``fading: epa`` (scoutsim/network/epa.py): ns-3's CQI and MCS tables, the EPA channel's
statistics against theory, the worst-block rule's limits worked by hand, and the cell and the
clairvoyant bound that use it.

Numbers from outside the code: ns-3's ``LteAmc`` tables (two-decimal efficiencies), TS 36.101
Annex B.2's EPA profile, TS 36.213's transport block sizes (as in tests/network/test_tbs.py),
and Rayleigh fading's exponential power law. Units: rates in bytes/s, a TTI is 1 ms.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from scoutsim.network import epa, tbs
from scoutsim.network.cell import CellSpec, DeviceSpec
from tests.network.uploads import finish_times


@pytest.mark.parametrize("cqi, mcs", [(0, 0), (1, 0), (2, 2), (7, 12), (9, 16), (10, 18), (15, 28)])
def test_mcs_of_cqi_is_ns3s_highest_mcs_within_the_cqis_efficiency(cqi, mcs):
    # CQI 7 is 1.48 bits/symbol: MCS 12 is 1.48, MCS 13 is 1.70. CQI 9 (2.41): MCS 16 (2.41),
    # not 17 (2.57). CQI 10 (2.73): MCS 18 (2.73). CQI 2 (0.23): MCS 2 (0.23).
    assert epa.mcs_of_cqi(cqi) == mcs


def test_cqi_thresholds_follow_the_gap_formula():
    # CQI 1 needs log2(1 + x / gap) > 0.15, gap = -ln(5 x 5e-5) / 1.5 = 8.29405 / 1.5 = 5.52937
    gap = -math.log(2.5e-4) / 1.5
    assert gap == pytest.approx(5.52937, abs=1e-5)
    assert epa.THRESHOLDS[0] == pytest.approx(gap * (2 ** 0.15 - 1))
    assert epa.THRESHOLDS[-1] == pytest.approx(gap * (2 ** 5.55 - 1))  # CQI 15: 5.52937 x 45.85 = 253.5
    assert 10 * math.log10(epa.THRESHOLDS[-1]) == pytest.approx(24.04, abs=0.01)  # dB


def test_every_block_fades_as_rayleigh():
    # |H_b|^2 is exponential with mean 1 on every block: P(|H|^2 > x) = exp(-x).
    g = epa.channel_gains(25)
    assert g.shape == (epa.SNAPSHOTS, 25)
    se = 3 / math.sqrt(epa.SNAPSHOTS)
    for b in (0, 12, 24):
        assert g[:, b].mean() == pytest.approx(1.0, abs=3 * se)
        for x in (0.1, 1.0, 2.0):
            assert (g[:, b] > x).mean() == pytest.approx(math.exp(-x), abs=se * 0.5)


def test_neighbouring_blocks_correlate_as_epas_delay_profile():
    # For a Rayleigh channel corr(|H(f)|^2, |H(f + df)|^2) = |rho(df)|^2 with
    # rho(df) = sum_l p_l exp(-2 pi j df tau_l), p_l the normalised tap powers.
    p = 10 ** (np.array([0.0, -1.0, -2.0, -3.0, -8.0, -17.2, -20.8]) / 10)
    p /= p.sum()
    tau = np.array([0, 30, 70, 90, 110, 190, 410]) * 1e-9
    g = epa.channel_gains(25)
    for blocks in (1, 5, 12):
        rho = abs(np.sum(p * np.exp(-2j * np.pi * blocks * 180e3 * tau))) ** 2
        got = np.mean([np.corrcoef(g[:, b], g[:, b + blocks])[0, 1] for b in range(0, 25 - blocks)])
        assert got == pytest.approx(rho, abs=0.05)
    # adjacent blocks nearly alike, blocks 12 apart (2.16 MHz) much less so
    assert abs(np.sum(p * np.exp(-2j * np.pi * 180e3 * tau))) ** 2 > 0.95


def test_one_block_goodput_is_rayleighs_closed_form():
    # On one block of Rayleigh fading the CQI is at least c with probability exp(-t_c / S):
    # E[g] = sum_c (g_c - g_(c-1)) exp(-t_c / S), g_c one block's goodput at CQI c's MCS
    # (under 8 bytes below I_TBS 6 at one block: nothing).
    steps = [tbs.goodput(tbs.MCS_TO_ITBS_UL[epa.mcs_of_cqi(c)], 1) for c in range(1, 16)]
    assert steps[0] == 0.0 and steps[-1] == 712 / 8 - 2
    for snr_db in (5.0, 15.0, 25.0):
        s = 10 ** (snr_db / 10)
        exact = sum((g - prev) * math.exp(-t / s)
                    for g, prev, t in zip(steps, [0.0] + steps[:-1], epa.THRESHOLDS))
        assert epa.mean_goodput(s, 25, 1) == pytest.approx(exact, rel=0.03)


def test_the_worst_of_more_blocks_is_worse():
    # A minimum over more blocks is stochastically smaller: P(min > x) falls with the width.
    x = 0.3
    shares = [float((epa.worst_block(50, p) > x).mean()) for p in (1, 3, 10, 25, 50)]
    assert shares == sorted(shares, reverse=True)
    assert shares[0] == pytest.approx(math.exp(-x), abs=0.02)


def test_quality_inverts_to_the_lone_goodput():
    # The mean SINR read off a quality gives back that share of the top MCS's goodput.
    for n_rb in (25, 50, 100):
        top = tbs.goodput(26, n_rb)
        for q in (0.02, 0.1, 0.5, 0.9):
            snr = epa.snr_for(q, n_rb)
            assert epa.mean_goodput(snr, n_rb, n_rb) == pytest.approx(q * top, rel=0.01)


def test_a_device_at_the_top_mcs_is_the_unfaded_transport_block_rule():
    # Quality 1: every block is at CQI 15 whatever the fade (the cap), so the gain is that of
    # the top MCS's transport blocks: on 12 of 25, (8760 / 8 - 2) / (18336 / 8 - 2) x 25 / 12
    # = 1093 x 25 / (2290 x 12) (tests/network/test_tbs.py); all 25 blocks: 1.
    assert epa.block_gain(1.0, 25, 12) == pytest.approx(1093 * 25 / (2290 * 12), abs=2e-3)
    assert epa.block_gain(0.3, 25, 25) == 1.0


def test_a_far_device_gains_from_few_blocks():
    # Its MCS is set by the worst of the blocks it gets: the worst of 3 is better than the worst
    # of 50, so on 3 blocks it carries more than 3 / 50 of its lone rate. The thresholds are
    # round numbers below what the model gives (2.45 and 1.45), not worked by hand.
    assert epa.block_gain(0.05, 50, 3) > 2.0
    assert epa.block_gain(0.05, 25, 3) > 1.2
    # the nearer the device, the less it gains
    assert epa.block_gain(0.6, 50, 3) < epa.block_gain(0.05, 50, 3)


def test_two_devices_in_an_epa_cell_finish_at_their_twelve_block_goodput():
    # Two UEs of quality 0.3 share 25 blocks: 12 each, every TTI (24 in use). Each sends at its
    # lone rate r times g(12) / g(25), the mean goodputs of its worst block on 12 and 25 blocks
    # (the module's, checked above); what this checks is that the cell applies them.
    cell = CellSpec("c", "time_share", "rr", resource_blocks=25, transport_blocks=True, fading="epa")
    # the reference rate: 18 Mbps = 2.25e6 bytes/s
    done = finish_times(cell, [DeviceSpec(0, quality=0.3) for _ in range(2)], [100_000] * 2, 18.0, until=100)
    r = 0.3 * 2.25e6
    snr = epa.snr_for(0.3, 25)
    rate = r * epa.mean_goodput(snr, 25, 12) / epa.mean_goodput(snr, 25, 25)
    assert done == [pytest.approx(100_000 / rate, rel=1e-9)] * 2
    assert r * 12 / 25 * 1.1 < rate < r * 12 / 25 * 1.4  # above the linear share (G = 1.20 measured)


def test_epa_needs_blocks_and_transport_blocks():
    from scoutsim.config.schema import Uplink

    kw = {"id": "u", "channel": {"kind": "constant", "mbps": 10}, "sharing": "time_share"}
    assert Uplink(**kw, resource_blocks=25, transport_blocks=True, fading="epa").fading == "epa"
    with pytest.raises(ValueError, match="fading: epa needs transport_blocks"):
        Uplink(**kw, resource_blocks=25, fading="epa")
    with pytest.raises(ValueError):
        CellSpec("c", "time_share", "rr", resource_blocks=25, fading="epa")


# 16 far devices (quality 0.05 of a 1,280 Mbps reference: 64 Mbps = 8e6 bytes/s alone) on 50
# blocks, all sending INT4 (2,513,344 bytes, due 2.96 s after release) at the same instants.
BASE = {
    "name": "epa_bound", "seed": 5, "replications": 2, "duration_s": 40, "oracle": "published-squad-v2",
    "uplinks": [{"id": "cell", "channel": {"kind": "constant", "mbps": 1280}, "sharing": "time_share",
                 "resource_blocks": 50, "transport_blocks": True, "fading": "epa", "latency_ms": 10}],
    "agents": [{"name": "far", "count": 16, "edge_model": "qwen2.5-7b", "cloud_model": "qwen2.5-14b",
                "uplink": "cell", "link_quality": 0.05, "deadline_s": 3.0,
                "arrival": {"kind": "periodic", "period_s": 10, "offset_s": 1.0},
                "policy": "static:int4", "modes": ["int4"]}],
}


def test_an_own_channel_cannot_ride_epa(tmp_path):
    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.errors import UserError

    data = copy.deepcopy(BASE)
    group = data["agents"][0]
    del group["link_quality"]
    group["channel"] = {"kind": "constant", "mbps": 5}
    with pytest.raises(UserError, match=r"agents\[0\]: a channel of its own cannot be used on uplink 'cell'"):
        scenario_from_dict(data, source="<test>", base_dir=tmp_path)


def test_the_bound_counts_the_far_devices_gain():
    # Each of the 16 gets 3 blocks every TTI (48 of 50 in use) at the gain G = block_gain(0.05,
    # 50, 3) > 2 (test_a_far_device_gains_from_few_blocks): 8e6 x G x 0.96 / 16 bytes/s, and
    # every INT4 is on time in the simulation. Under the linear share (G = 1) a device sends
    # 8e6 x 0.96 / 16 = 0.48e6 bytes/s, 5.2 s for INT4, past its 2.96 s window: a bound that
    # kept sum x_i / r_i <= 1 would score below the simulation (it gives 0.30, measured once).
    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.sim.clairvoyant import bound, f1_misses_zero, largest_gain
    from tests.conftest import ROOT
    from tests.decisions.helpers import per_replication, run

    assert 2_513_344 / (8e6 * 0.96 / 16) > 2.96
    resolved = scenario_from_dict(BASE, source="<test>", base_dir=ROOT)
    assert largest_gain(resolved.scenario, resolved.scenario.uplinks[0], 16) > 2.0
    best = f1_misses_zero(bound(resolved, time_limit_s=30))
    got = per_replication(run(BASE), "f0")
    int4 = 0.533112  # the oracle's INT4 quality for this pair: every request on time
    assert got == pytest.approx([int4, int4], abs=1e-6)
    assert np.all(got <= best + 1e-9)


def test_a_device_keeps_to_its_own_turns_when_the_others_send_less():
    # 16 devices of quality 0.05 on 50 blocks (3 each, every TTI), 15 of them throttled by a
    # slow wired link. The sixteenth still gets only its own 3 blocks per TTI, at its rate on
    # them, r G 3 / 50 (ns-3's rule: the others hold data, so their blocks are theirs), never
    # the others' unused time at that gain, which would put it above its lone rate r.
    cell = CellSpec("c", "time_share", "rr", resource_blocks=50, transport_blocks=True, fading="epa")
    devices = [DeviceSpec(0, quality=0.05)] + [DeviceSpec(0, quality=0.05, links=("slow",)) for _ in range(15)]
    # reference 80 Mbps = 1e7 bytes/s: a lone rate of 5e5 bytes/s
    done = finish_times(cell, devices, [1_000_000] + [10_000_000] * 15, 80.0, links={"slow": 1000.0}, until=60)
    r, gain = 5e5, epa.block_gain(0.05, 50, 3)
    assert done[0] == pytest.approx(1_000_000 / (r * gain * 3 / 50), rel=1e-9)
    assert done[0] > 1_000_000 / r  # slower than alone: 3 blocks of 50, even at G = 2.4
