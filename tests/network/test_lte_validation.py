"""The LTE validation's scoutsim side and calibration by hand; its ns-3 runs where ns-3 is
installed (the 'validation' extra), skipped otherwise."""

from __future__ import annotations

import pytest

from scoutsim.bench import ltevalidation as v
from scoutsim.bench.ns3sim import available

needs_ns3 = pytest.mark.skipif(not available(), reason="ns-3 is not installed (the 'validation' extra)")


def test_calibration_from_two_lone_uploads():
    # A lone UE that takes 0.1 s + size / (1 MB/s): 0.3 MB in 0.4 s, 1.2 MB in 1.3 s.
    cal = v.calibrate([60], lambda d, size: 0.1 + size / 1e6)
    assert cal[60].rate == pytest.approx(1e6)
    assert cal[60].offset == pytest.approx(0.1)


def test_cell_model_side_by_hand():
    # Own rates 2 and 0.5 MB/s, offsets 0.1 s. Two UEs with data: 12 of 25 blocks each,
    # so 0.96 and 0.24 MB/s. Both start at 0.1 s; the near one's 0.96 MB end at 1.1 s, the
    # far one has sent 0.24 of its 0.48 MB and sends the rest alone at 0.5 MB/s: 0.48 s more.
    cal = {60: v.Calibration(2e6, 0.1), 450: v.Calibration(0.5e6, 0.1)}
    case = v.LteCase("t", (60, 450), (0.96e6, 0.48e6), (0.0, 0.0))
    assert v.cell_model(case, cal) == pytest.approx([1.1, 1.58], abs=1e-9)
    # The naive model shares the mean rate, 1.25 MB/s, equally in bits: 0.625 MB/s each;
    # the far one's 0.48 MB end at 0.1 + 0.768 s; the near one's other 0.48 MB at 1.25 MB/s.
    assert v.naive_model(case, cal) == pytest.approx([0.868 + 0.384, 0.868], abs=1e-9)


def test_backhaul_holds_the_cell_model():
    # A 8 Mbps backhaul carries 1 MB/s x 1400/1490 of payload; one UE of 2 MB/s is held to it.
    cal = {60: v.Calibration(2e6, 0.0)}
    case = v.LteCase("t", (60,), (1e6,), (0.0,), backhaul_mbps=8)
    assert v.cell_model(case, cal) == pytest.approx([1490 / 1400], abs=1e-9)


@needs_ns3
def test_quick_lte_validation(capsys):
    s = v.run(quick=True)
    out = capsys.readouterr().out
    assert "naive shared rate" in out and "faster" in out
    assert s["median_abs_error_cell"] < 0.05
    assert s["median_abs_error_cell"] < s["median_abs_error_naive"]
