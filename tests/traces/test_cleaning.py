"""Cleaning steps on small hand-made inputs whose right answer is known."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scoutsim.traces.importers import ImportOptions, import_trace
from scoutsim.traces.series import spread_repeated_times


def test_repeated_stamps_are_spread_not_dropped():
    t, moved = spread_repeated_times(np.array([0.0, 1.0, 1.0, 2.0, 4.0, 4.0, 4.0]), 1.0)
    assert moved == 3
    assert t.tolist() == pytest.approx([0.0, 1.0, 1.5, 2.0, 4.0, 4 + 1 / 3, 4 + 2 / 3])


def _umn(tmp_path, rows):
    p = tmp_path / "run.csv"
    p.write_text("_start,_end,Throughput,direction\n" +
                 "".join(f"{s},{s + 1},{x},uplink\n" for s, x in rows))
    return p


def test_umn_spike_dropped_and_gaps_held_or_zeroed(tmp_path):
    p = _umn(tmp_path, [(0, 450), (1, 380), (2, 60), (3, 62), (6, 40), (7, 41)])
    held = import_trace("umn", p)
    assert held.times.tolist() == [0, 1, 4, 5] and held.mbps.tolist() == [60, 62, 40, 41]
    zero = import_trace("umn", p, ImportOptions(gaps="zero"))
    # The missing intervals [4, 6) of the run (2 s) become one outage row after 62 Mbps.
    assert zero.times.tolist() == [0, 1, 2, 4, 5] and zero.mbps.tolist() == [60, 62, 0, 40, 41]
    kept = import_trace("umn", p, ImportOptions(drop_start_s=0))
    assert kept.mbps[0] == 450


def test_mahimahi_conserves_every_opportunity(tmp_path):
    ms = [0, 0, 1, 500, 999, 1000, 2500, 2500, 2501]
    p = tmp_path / "x.up"
    p.write_text("\n".join(map(str, ms)) + "\n")
    tr = import_trace("mahimahi", p)
    # 1-s bins: 5, 1, 3 packets of 1500 B -> 0.06, 0.012, 0.036 Mbps.
    assert tr.mbps.tolist() == pytest.approx([0.06, 0.012, 0.036])
    assert tr.mbps.sum() * 1.0 * 1e6 == pytest.approx(len(ms) * 1500 * 8)
    fine = import_trace("mahimahi", p, ImportOptions(bin_s=0.5))
    assert fine.mbps.sum() * 0.5 * 1e6 == pytest.approx(len(ms) * 1500 * 8)


def test_sabre_periods_and_units(tmp_path):
    p = tmp_path / "net.json"
    p.write_text(json.dumps([{"duration_ms": 2000, "bandwidth_kbps": 5000, "latency_ms": 50},
                             {"duration_ms": 1000, "bandwidth_kbps": 800, "latency_ms": 100}]))
    tr = import_trace("sabre", p)
    assert tr.times.tolist() == [0.0, 2.0] and tr.mbps.tolist() == [5.0, 0.8]
    assert tr.info["latency_ms"]["time_weighted_mean"] == pytest.approx((2 * 50 + 100) / 3)


def test_pensieve_rebased(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("10.5 3.2\n11.5 4.0\n12.5 0\n")
    tr = import_trace("pensieve", p)
    assert tr.times.tolist() == [0.0, 1.0, 2.0] and tr.mbps.tolist() == [3.2, 4.0, 0.0]


def test_nuwins_legs_summed_on_grid_and_tail_trimmed(tmp_path):
    p = tmp_path / "x.list"
    p.write_text("####\nRun 1\n0.1,0.2,0.3\n10,20,30\n0.0,0.1,0.2,0.3,0.4\n1,2,3,0.2,0.1\n"
                 "####\nRun 2\n5,6,0.1,0\n")
    total = import_trace("nuwins", p, ImportOptions(run=1))
    assert total.mbps.tolist() == pytest.approx([1, 12, 23, 30.2])  # 0.1 at 0.4 s trimmed
    nr = import_trace("nuwins", p, ImportOptions(run=1, series="nr"))
    assert nr.mbps.tolist() == pytest.approx([0, 10, 20, 30, 0])
    single = import_trace("nuwins", p, ImportOptions(run=2))
    assert single.times.tolist() == pytest.approx([0.0, 0.1]) and single.mbps.tolist() == [5, 6]


def test_ucc_refuses_ack_column_without_consent(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("Timestamp,DL_bitrate,UL_bitrate\n2019.12.14_10.16.30,7000,90\n"
                 "2019.12.14_10.16.30,8000,80\n2019.12.14_10.16.32,-,70\n")
    from scoutsim.errors import UserError
    with pytest.raises(UserError, match="allow-ack-traffic"):
        import_trace("ucc", p, ImportOptions(column="UL_bitrate"))
    dl = import_trace("ucc", p)
    assert dl.mbps.tolist() == [7.0, 8.0] and dl.times.tolist() == [0.0, 0.5]
    assert any("DOWNLINK" in c for c in dl.caveats)
