"""Every measured-trace importer on a tiny committed fixture of its format
(tests/fixtures/traces/, made-up values): the expected series is worked out by hand from
the importer's documented cleaning rules, so these tests run on any checkout. The same
importers on the real data sets (when SCOUTSIM_SHARED_TRACES points at them) are in test_importers_real.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from scoutsim.network.channels.trace import read_trace_csv
from scoutsim.cli import main
from scoutsim.traces.importers import ImportOptions, import_trace

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "traces"


def _run(fmt, name, **opts):
    t = import_trace(fmt, FIX / name, ImportOptions(**opts))
    return np.asarray(t.times, float), np.asarray(t.mbps, float), t


def test_umn_drops_spike_reindexes_and_holds_or_zeroes_gaps():
    # Rows start at 0..3, 5, 6 (empty Throughput), 7. The first 2 s (400, 350 Mbps) are
    # the start-up spike; time 0 becomes _start 2. Missing: _start 4 and 6 (2 gaps, 2 s).
    times, mbps, t = _run("umn", "umn_S20UPM-run9.csv")
    assert times.tolist() == [0, 1, 3, 5] and mbps.tolist() == [100, 120, 80, 60]
    assert t.info["gaps"] == 2 and t.info["missing_s"] == 2.0
    assert t.info["provider"] == "Verizon"
    assert t.info["nr_connected_share"] == pytest.approx(5 / 7)  # 5 of 7 rows CONNECTED
    times, mbps, _ = _run("umn", "umn_S20UPM-run9.csv", gaps="zero")
    assert times.tolist() == [0, 1, 2, 3, 4, 5] and mbps.tolist() == [100, 120, 0, 80, 0, 60]
    # --drop-start-s 0 keeps the spike: time 0 is then _start 0.
    times, mbps, _ = _run("umn", "umn_S20UPM-run9.csv", drop_start_s=0)
    assert times[:2].tolist() == [0, 1] and mbps[:2].tolist() == [400, 350]


def test_lumos5g_moves_time_origin_and_marks_downlink():
    # seq 1,2,3,4,6 -> 0,1,2,3,5; second 5 (seq) is missing.
    times, mbps, t = _run("lumos5g", "5g_trace_7_walking")
    assert times.tolist() == [0, 1, 2, 3, 5] and mbps.tolist() == [91, 123, 0, 50.5, 40]
    assert t.info == {"network": "5G", "mobility": "walking", "direction": "downlink"}
    times, mbps, _ = _run("lumos5g", "5g_trace_7_walking", gaps="zero")
    assert times.tolist() == [0, 1, 2, 3, 4, 5] and mbps.tolist() == [91, 123, 0, 50.5, 0, 40]


def test_mahimahi_counts_1500_byte_opportunities_per_second():
    # 100, 250, 0 and 50 opportunities in seconds 0..3: x 1500 B x 8 bit / 10^6 per second.
    times, mbps, t = _run("mahimahi", "tiny-cellular.up")
    assert times.tolist() == [0, 1, 2, 3]
    assert mbps == pytest.approx([100 * 0.012, 250 * 0.012, 0.0, 50 * 0.012])
    assert t.info["opportunities"] == 400


def test_ucc_converts_kbps_spreads_repeats_and_drops_unavailable():
    # Stamps 0, 1, 1, 3 ('-': dropped), 4, 7 s. The two samples at 1 s are spread over
    # [1, next stamp 4): 1 and 2.5. kbps / 1000 = Mbps. 4 -> 7 is a gap (> 1.5 steps).
    times, mbps, t = _run("ucc", "B_2020.01.16_10.00.00.csv")
    assert times.tolist() == [0, 1, 2.5, 4, 7] and mbps.tolist() == [1.0, 2.5, 3.5, 4.0, 0.5]
    assert t.info["direction"] == "downlink"
    assert t.info["network_mode_share"] == {"5G": round(5 / 6, 4), "LTE": round(1 / 6, 4)}  # rows, 4 places
    # gaps zero: an outage one step after the gap's last sample.
    times, mbps, _ = _run("ucc", "B_2020.01.16_10.00.00.csv", gaps="zero")
    assert times.tolist() == [0, 1, 2.5, 4, 5, 7] and mbps.tolist() == [1.0, 2.5, 3.5, 4.0, 0.0, 0.5]


def test_ucc_refuses_ack_traffic_unless_allowed():
    with pytest.raises(Exception, match="UL_bitrate"):
        _run("ucc", "B_2020.01.16_10.00.00.csv", column="UL_bitrate")
    _, mbps, t = _run("ucc", "B_2020.01.16_10.00.00.csv", column="UL_bitrate", allow_ack_traffic=True)
    assert mbps.tolist() == [0.04, 0.05, 0.06, 0.08, 0.02]
    assert any("ACK" in c for c in t.caveats)


def test_nuwins_one_line_and_two_leg_runs():
    # Run 1: values every 0.1 s; trailing values below 0.5 Mbps (0.2, 0, 0) trimmed.
    times, mbps, _ = _run("nuwins", "throughput.list", run=1)
    assert times == pytest.approx([0, 0.1]) and mbps.tolist() == [5, 10]
    # Run 2: legs on a 0.1-s grid from bin 10 to 13; total = NR + LTE per bin.
    times, mbps, _ = _run("nuwins", "throughput.list", run=2)
    assert times == pytest.approx([0, 0.1, 0.2, 0.3]) and mbps.tolist() == [110, 220, 300, 30]
    _, nr, _ = _run("nuwins", "throughput.list", run=2, series="nr")
    _, lte, _ = _run("nuwins", "throughput.list", run=2, series="lte")
    assert nr.tolist() == [100, 200, 300, 0] and lte.tolist() == [10, 20, 0, 30]
    with pytest.raises(Exception, match="choose one with --run"):
        _run("nuwins", "throughput.list")


def test_cli_import_writes_contract_csv_and_sidecar(tmp_path, capsys):
    src = FIX / "umn_S20UPM-run9.csv"
    out = tmp_path / "real" / "umn_run9.csv"
    assert main(["traces", "import", "umn", str(src), "--out", str(out)]) == 0
    times, mbps = read_trace_csv(out)
    assert times.tolist() == [0, 1, 3, 5] and mbps.tolist() == [100, 120, 80, 60]
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["source"]["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert side["format"] == "umn" and side["kind"] == "imported"
    assert any("start-up spike" in c for c in side["cleaning"])
    assert side["summary"]["samples"] == 4
    # Time-weighted: each rate holds until the next row, the last for one (median) step:
    # 100 x 1 s + 120 x 2 s + 80 x 2 s + 60 x 1 s over 6 s.
    assert side["summary"]["mean"] == pytest.approx((100 + 240 + 160 + 60) / 6)
