"""The ns-3 validation: its reporting always, its ns-3 runs where ns-3 is installed
(``pip install -e '.[validation]'``); without ns-3 those tests skip."""

from __future__ import annotations

import numpy as np
import pytest

from scoutsim.bench import ns3sim, validation
from scoutsim.bench.validation import Case, Result

needs_ns3 = pytest.mark.skipif(not ns3sim.available(), reason="ns-3 is not installed (the 'validation' extra)")


def test_fluid_side_matches_the_plain_model_by_hand():
    # Two 1 MB flows from t=0 on 80 Mbps (10 MB/s): each at 5 MB/s, both done at 0.2 s,
    # plus the one-way delay.
    case = Case("t", "g", (1e6, 1e6), (0.0, 0.0), ((0, 80),), one_way_s=0.02)
    assert validation.fluid(case, None) == pytest.approx([0.22, 0.22])


def test_fluid_side_follows_the_capacity_schedule():
    # 1 MB on 80 Mbps for 0.05 s (0.5 MB), then 40 Mbps (5 MB/s) for the other 0.5 MB.
    case = Case("t", "g", (1e6,), (0.0,), ((0, 80), (0.05, 40)), one_way_s=0.0)
    assert validation.fluid(case, None) == pytest.approx([0.15])


def test_table_and_summary_report_errors_per_case_group_and_overall():
    case = Case("c", "grp", (1e6, 1e6), (0.0, 0.0), ((0, 100),))
    r = Result(case, ns3=[1.0, 2.0], plain=[0.5, 1.0], corrected=[1.1, 1.8], ns3_wall=2.0, fluid_wall=0.001)
    np.testing.assert_allclose(r.errors("corrected"), [0.1, -0.1])
    lines = validation.table([r])
    assert any(line.startswith("grp") for line in lines) and lines[-1].startswith("ALL")
    s = validation.summary([r])
    assert s["median_abs_error_plain"] == pytest.approx(0.5)
    assert s["median_abs_error_corrected"] == pytest.approx(0.1)
    assert s["speedup"] == pytest.approx(2000.0)


@needs_ns3
def test_ns3_and_corrected_fluid_agree_on_a_lone_short_flow():
    # 100 kB over 100 Mbps, RTT 40 ms: slow start dominates (the plain fluid model is off
    # by more than half); with the TCP option the two agree closely.
    case = next(c for c in validation.cases() if c.name == "single 100KB")
    r = validation.run_case(case, ns3sim.MSS)
    assert abs(r.errors("plain")[0]) > 0.5
    assert abs(r.errors("corrected")[0]) < 0.05


@needs_ns3
def test_quick_validation_prints_the_error_table_and_speed_ratio(capsys):
    s = validation.run(quick=True)
    out = capsys.readouterr().out
    assert "median |error|" in out and "faster" in out
    assert s["median_abs_error_corrected"] < s["median_abs_error_plain"]
    assert s["speedup"] > 1
