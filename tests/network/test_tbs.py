"""Transport blocks (scoutsim/network/tbs.py): table lookups against 3GPP TS 36.213, and
rates worked out by hand.

Table values cited from TS 36.213 Table 7.1.7.2.1-1 (bits; rows I_TBS, columns N_PRB) and
Table 8.6.1-1 (PUSCH I_MCS -> I_TBS). Units: rates in bytes/s, 1 Mbps = 125,000 bytes/s, a
TTI is 1 ms.
"""

from __future__ import annotations

import pytest

from scoutsim.bench import ltefamily
from scoutsim.network import tbs
from scoutsim.network.cell import CellSpec, DeviceSpec
from tests.network.uploads import finish_times


@pytest.mark.parametrize("i_tbs, n_prb, bits", [
    (0, 1, 16), (0, 3, 56), (0, 25, 680), (0, 100, 2792), (0, 110, 3112),
    (2, 3, 144), (10, 25, 4392), (26, 3, 2216), (26, 12, 8760), (26, 25, 18336), (26, 50, 36696),
    (26, 100, 75376),
])
def test_tbs_lookups_match_ts_36_213(i_tbs, n_prb, bits):
    assert tbs.tbs_bits(i_tbs, n_prb) == bits


def test_tbs_keeps_ns3s_one_departure_from_the_standard():
    # TS 36.213 prints 328 bits at N_PRB = 1, I_TBS = 6; ns-3 (whose numbers the cell model is
    # validated against) uses 88, between I_TBS 5's 72 and I_TBS 7's 104 at one block.
    assert tbs.tbs_bits(6, 1) == 88
    assert tbs.tbs_bits(6, 2) == 176  # the rest of the row as printed


@pytest.mark.parametrize("i_tbs, n_prb", [(-1, 3), (27, 3), (0, 0), (0, 111)])
def test_tbs_outside_the_table_is_an_error(i_tbs, n_prb):
    with pytest.raises(ValueError):
        tbs.tbs_bits(i_tbs, n_prb)


@pytest.mark.parametrize("mcs, i_tbs", [(0, 0), (9, 9), (10, 10), (11, 10), (12, 11), (20, 19), (21, 19),
                                         (22, 20), (28, 26)])
def test_uplink_mcs_to_tbs_index_ts_36_213_table_8_6_1_1(mcs, i_tbs):
    # 16QAM starts at I_MCS 11 and 64QAM at 21 on the same TBS index as the MCS before them.
    assert tbs.MCS_TO_ITBS_UL[mcs] == i_tbs
    assert len(tbs.MCS_TO_ITBS_UL) == 29


def test_goodput_is_the_block_less_the_rlc_header():
    # I_TBS 1 on 3 blocks: 88 bits = 11 bytes, less the 2-byte RLC UM header: 9 bytes. I_TBS 0
    # on 25 blocks: 680 bits = 85 bytes, 83.
    assert tbs.goodput(1, 3) == 9.0
    assert tbs.goodput(0, 4) == 9.0
    assert tbs.goodput(0, 25) == 83.0
    # ns-3's UE MAC leaves a grant of 7 bytes or less unused: I_TBS 0 on 3 blocks is 56 bits
    assert tbs.goodput(0, 3) == 0.0
    assert tbs.goodput(0, 1) == 0.0


def test_lone_rate_inverts_to_the_lowest_mcs_that_carries_it():
    # 25 blocks, MCS 0 (I_TBS 0): 680 / 8 - 2 = 83 bytes per TTI, 83,000 bytes/s. MCS 1
    # (I_TBS 1, 904 bits): 111 bytes per TTI.
    assert tbs.lone_mcs(79_680.0, 25) == 0
    assert tbs.lone_mcs(83_000.0, 25) == 0
    assert tbs.lone_mcs(83_001.0, 25) == 1
    assert tbs.lone_mcs(1e-6, 25) == 0
    # above the top MCS's goodput (18336 / 8 - 2 = 2290 bytes per TTI): the top MCS
    assert tbs.lone_mcs(2_290_000.0, 25) == 28
    assert tbs.lone_mcs(5e6, 25) == 28


def test_edge_ue_on_three_blocks_by_hand():
    # A UE whose lone rate on 25 blocks is 0.96 x 111 bytes per TTI = 106,560 bytes/s runs MCS 1
    # (I_TBS 1: 904 bits = 113 bytes, 111 after the header; MCS 0 carries 83). On 3 blocks it
    # carries 0.96 x (11 - 2) = 8.64 bytes per TTI = 8,640 bytes/s when served; the linear rule
    # gives 106,560 x 3 / 25 = 12,787.2. Gain 8,640 / 12,787.2 = 25 / 37.
    assert tbs.lone_mcs(106_560.0, 25) == 1
    assert tbs.block_gain(106_560.0, 25, 3) == pytest.approx(25 / 37, rel=1e-12)
    # At MCS 0 the 3 blocks are a 7-byte grant that ns-3's UE MAC does not use: stalled.
    assert tbs.block_gain(79_680.0, 25, 3) == tbs.STALLED
    # ... and on 4 blocks 88 bits = 11 bytes, 9 after the header: (9 / 83) / (4 / 25) = 225 / 332.
    assert tbs.block_gain(79_680.0, 25, 4) == pytest.approx(225 / 332, rel=1e-12)
    # A UE at the top MCS on 12 of 25 blocks: (8760 / 8 - 2) / (18336 / 8 - 2) = 1093 / 2290
    # of its lone rate against 12 / 25: gain 1093 x 25 / (2290 x 12) = 0.99436.
    assert tbs.block_gain(2_200_000.0, 25, 12) == pytest.approx(1093 * 25 / (2290 * 12), rel=1e-12)
    # all the blocks: its lone rate
    assert tbs.block_gain(79_680.0, 25, 25) == 1.0


def _finish(cell, k, size, quality=1.0, mbps=0.63744):
    """k UEs of own rate quality x mbps each send size bytes at 0; their finish times."""
    return finish_times(cell, [DeviceSpec(0, quality=quality) for _ in range(k)], [size] * k, mbps)


def test_nine_edge_ues_share_25_blocks_by_hand():
    # Own rate 0.85248 Mbps = 106,560 bytes/s each (MCS 1 on 25 blocks). Nine UEs: 3 blocks
    # each, 8 served per TTI, so each is served 8/9 of the TTIs at 8,640 bytes/s: 7,680
    # bytes/s, and 48,000 bytes take 6.25 s. The linear rule: 106,560 x 3/25 x 8/9 = 11,366.4
    # bytes/s, 4.2230 s.
    on = CellSpec("c", "time_share", "rr", resource_blocks=25, transport_blocks=True)
    off = CellSpec("c", "time_share", "rr", resource_blocks=25)
    assert _finish(on, 9, 48_000, mbps=0.85248) == pytest.approx([6.25] * 9, abs=1e-9)
    assert _finish(off, 9, 48_000, mbps=0.85248) == pytest.approx([48_000 / 11_366.4] * 9, abs=1e-9)


def test_stalled_edge_ues_wait_for_four_blocks_by_hand():
    # Cell reference 2.2 MB/s (17.6 Mbps). A near UE at quality 1 (MCS 28: 2290 bytes per TTI
    # on 25 blocks) and six at 79,680 bytes/s (MCS 0). Seven with data: 3 blocks each, all
    # served every TTI. The near UE carries 2.2e6 x 275 / 2290 bytes/s on 3 blocks (2216 bits =
    # 277 bytes, 275 after the header): 275,000 bytes take 2290 / 2200 = 1.040909 s. The six
    # send nothing (7-byte grants) until then; six left get 4 blocks each (11-byte blocks, 9
    # after the header), 0.96 x 9,000 = 8,640 bytes/s: 8,640 bytes take 1 s more.
    cell = CellSpec("c", "time_share", "rr", resource_blocks=25, transport_blocks=True)
    done = finish_times(cell, [DeviceSpec(0, quality=1.0)] + [DeviceSpec(0, quality=79_680 / 2.2e6)] * 6,
                        [275_000] + [8_640] * 6, 17.6, until=100)
    assert done[0] == pytest.approx(2290 / 2200, abs=1e-9)
    assert done[1:] == pytest.approx([2290 / 2200 + 1] * 6, abs=1e-6)  # stalled: 1e-9 of a rate


def test_key_off_or_a_lone_ue_changes_nothing():
    base = CellSpec("c", "time_share", "pf", resource_blocks=25)
    off = CellSpec("c", "time_share", "pf", resource_blocks=25, transport_blocks=False)
    for k in (1, 2, 9):
        assert _finish(off, k, 50_000, quality=0.7) == _finish(base, k, 50_000, quality=0.7)
    # alone, a UE has all 25 blocks: its lone rate, key or not (0.63744 Mbps: 0.62750 s)
    on = CellSpec("c", "time_share", "rr", resource_blocks=25, transport_blocks=True)
    assert _finish(on, 1, 50_000) == _finish(base, 1, 50_000) == [pytest.approx(50_000 / 79_680, abs=1e-9)]
    # without resource blocks there are no transport blocks to size
    no_rb = CellSpec("c", "time_share", "rr", transport_blocks=True)
    assert _finish(no_rb, 3, 50_000) == _finish(CellSpec("c", "time_share", "rr"), 3, 50_000)


def test_scenario_key_needs_resource_blocks():
    from scoutsim.config.schema import Uplink

    kw = {"id": "u", "channel": {"kind": "constant", "mbps": 10}, "sharing": "time_share"}
    assert Uplink(**kw, resource_blocks=25, transport_blocks=True).transport_blocks
    for bad in ({}, {"resource_blocks": 111}):
        with pytest.raises(ValueError, match="transport_blocks needs resource_blocks"):
            Uplink(**kw, **bad, transport_blocks=True)
    # Only rr and pf rotate blocks among the devices: other schedulers would ignore the key.
    assert Uplink(**kw, resource_blocks=25, scheduler="pf", transport_blocks=True).transport_blocks
    for scheduler in ("weighted", "max_rate"):
        with pytest.raises(ValueError, match="transport_blocks needs scheduler rr or pf"):
            Uplink(**kw, resource_blocks=25, scheduler=scheduler, transport_blocks=True)


def test_rlc_header_flattens_the_lone_calibrations():
    # The 2-byte header from the protocol, checked on the lone calibration uploads only (none of
    # the family's shared cases): for the 8 whose blocks are under 400 bytes, the efficiency
    # e = r TTI / (TBS / 8 - h) is flat with h = 2 (0.957-0.960), rising with the block with
    # h = 0 (0.936-0.953).
    record = ltefamily.load(ltefamily.reference_path(30, 2026))
    sizes = tuple(record["calibration_sizes"])
    small = []
    for key, times in record["calibration"].items():
        one = ltefamily.lone(times, sizes)
        n_rb, fading = int(key.split("/")[1]), key.endswith("/1")
        if one is None or fading:
            continue
        block = tbs.tbs_bits(tbs.MCS_TO_ITBS_UL[tbs.lone_mcs(one.rate, n_rb)], n_rb) / 8
        if block < 400:
            small.append((block, one.rate * tbs.TTI_S))
    assert len(small) == 8
    e2 = [y / (b - 2) for b, y in small]
    e0 = [y / b for b, y in small]
    assert 0.957 <= min(e2) and max(e2) <= 0.960
    assert max(e0) - min(e0) > 5 * (max(e2) - min(e2))
