"""benchmarks/lte_worst_block.py's model side (the benchmark itself needs ns-3): the MCS the
worst-block rule gives at a mean SINR, checked at its limits by hand."""

from __future__ import annotations

import importlib.util

import numpy as np

from tests.conftest import ROOT


def worst_block():
    spec = importlib.util.spec_from_file_location("lte_worst_block", ROOT / "benchmarks" / "lte_worst_block.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_model_mcs_at_its_limits():
    wb = worst_block()
    # 80 dB: even a 40 dB fade leaves the worst block above CQI 15's 24 dB: MCS 28 everywhere
    # but in the rarest deep fades.
    assert np.mean(wb.model_mcs(1e8, 25) == 28) > 0.999
    # -20 dB: below CQI 1's threshold (5.53 x (2^0.15 - 1) = 0.6 linear, -2.2 dB) even on a
    # block faded up 10-fold: no grant nearly always.
    assert np.mean(wb.model_mcs(1e-2, 25) == -1) > 0.99
    # fewer blocks, a better worst block: the mean MCS over grants rises as the share narrows
    means = [wb.granted(wb.model_mcs(10 ** 0.6, per)).mean() for per in (100, 50, 25)]
    assert means == sorted(means) and means[0] < means[-1]
    assert wb.granted(np.array([-1, 3, -1, 28])).tolist() == [3, 28]
