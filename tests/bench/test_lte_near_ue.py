"""benchmarks/lte_near_ue.py's reading of ns-3's uplink MAC trace, on hand-made traces (the
benchmark itself needs ns-3)."""

from __future__ import annotations

import importlib.util

import numpy as np

from tests.conftest import ROOT


def near_ue():
    spec = importlib.util.spec_from_file_location("lte_near_ue", ROOT / "benchmarks" / "lte_near_ue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_trace_is_read_as_tti_and_block_bytes(tmp_path):
    trace = tmp_path / "ul.txt"
    trace.write_text("% time\tcellId\tIMSI\tframe\tsframe\tRNTI\tmcs\tsize\tccId\n"
                     "0.505\t1\t1\t51\t6\t1\t28\t9422\t0\n"
                     "0.522\t1\t1\t53\t3\t1\t28\t9422\t0\n")
    ms, size = near_ue().read_trace(trace)
    assert ms.tolist() == [505, 522] and size.tolist() == [9422, 9422]


def test_pauses_after_the_ramp_and_the_bytes_between_them():
    # A ramp (gaps of 17 and 2 TTIs), 60 TTIs in a row, then three pauses of 17 TTIs without
    # a grant (gaps of 18) with 16 grants of 100 bytes between the first and second and the
    # second and third: 3 pauses, 51 TTIs, 1,600 bytes between.
    ms = [0, 17, 19] + list(range(20, 80)) + list(range(97, 113)) + list(range(130, 146)) + [163, 164, 165]
    size = np.full(len(ms), 100)
    count, paused, between = near_ue().pauses(np.array(ms), size)
    assert (count, paused, between) == (3, 51, 1600.0)
    # No pause after the ramp: none counted, nothing between.
    count, paused, between = near_ue().pauses(np.array([0, 17] + list(range(18, 100))), np.full(84, 100))
    assert (count, paused) == (0, 0) and np.isnan(between)
