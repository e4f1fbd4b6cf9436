"""examples/plugin, installed through its entry point, and each of its four names at work."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.plugins.conftest import EXAMPLE_PACKAGE, EXAMPLE_SCENARIO, cli


def test_installed_package_registers_all_four_names(installed_example, tmp_path):
    # No --plugin and no plugins: key: the entry point alone makes the names known.
    p = cli("run", str(EXAMPLE_SCENARIO), "--no-plots", "--no-progress", "--out", str(tmp_path / "r"),
            env=installed_example)
    assert p.returncode == 0, p.stderr
    df = pd.read_parquet(tmp_path / "r" / "requests.parquet")
    # by_deadline weights 1/3 (two tight agents) and 1/6 (two loose): sum 1. Before any
    # transfer the median estimator answers its prior, the agent's weighted share of the
    # square wave's mean (200 + 20) / 2 = 110 Mbps: tight 110 * (1/3) = 36.667, loose
    # 110 * (1/6) = 18.333 Mbps (work_conserving, scoutsim/decisions/estimators.py).
    first = df.sort_values("arrival_s").groupby(["replication", "agent"]).head(1)
    tight = first[first["group"] == 0]["est_rate_mbps"]
    loose = first[first["group"] == 1]["est_rate_mbps"]
    assert len(tight) == 8 and len(loose) == 8  # 4 replications x 2 agents each
    assert tight.to_numpy() == pytest.approx(110 / 3, rel=1e-12)
    assert loose.to_numpy() == pytest.approx(110 / 6, rel=1e-12)


def _square_wave_bits(t0: float, t1: float, high: float, low: float, period: float) -> float:
    """Megabits the square wave carries in [t0, t1], summed piece by piece."""
    total, t = 0.0, t0
    while t < t1 - 1e-12:
        k = math.floor(t / (period / 2) + 1e-12)
        end = min(t1, (k + 1) * period / 2)
        total += (end - t) * (high if k % 2 == 0 else low)
        t = end
    return total


def test_square_wave_carries_each_lone_transfer_exactly(tmp_path, write_scenario_text):
    # One agent, periodic arrivals 7 s apart, so every transfer is alone on the link: the
    # fluid model sends payload * 8 / 1e6 Mbit between tx_start and tx_end, which must equal
    # the integral of the square wave over that interval (worked out here, piecewise).
    path = write_scenario_text(f"""
name: sq
seed: 1
replications: 1
duration_s: 60
oracle: published-squad-v2
plugins: [{EXAMPLE_PACKAGE}]
uplinks:
  - id: c
    channel: {{kind: square_wave, high_mbps: 40, low_mbps: 8, period_s: 4}}
agents:
  - edge_model: qwen2.5-7b
    cloud_model: qwen2.5-14b
    uplink: c
    arrival: {{kind: periodic, period_s: 7, offset_s: 0.5}}
    deadline_s: 30
    policy: static:int8
""")
    p = cli("run", str(path), "--no-plots", "--no-progress", "--out", str(tmp_path / "r"))
    assert p.returncode == 0, p.stderr
    df = pd.read_parquet(tmp_path / "r" / "requests.parquet")
    assert len(df) >= 8
    assert (df["tx_start_s"].iloc[1:].to_numpy() > df["tx_end_s"].iloc[:-1].to_numpy()).all()  # alone
    for _, r in df.iterrows():
        carried = _square_wave_bits(r["tx_start_s"], r["tx_end_s"], 40, 8, 4)
        assert carried == pytest.approx(r["payload_bytes"] * 8 / 1e6, rel=1e-9)


def test_policy_allocator_estimator_by_hand():
    import importlib.util
    import sys

    from scoutsim.plugins import load

    load([str(EXAMPLE_PACKAGE)])
    plugin = sys.modules["scoutsim_example_plugin"]
    from scoutsim.decisions.allocators import Demand
    from scoutsim.decisions.policy import Situation, build_policy

    assert importlib.util.find_spec("scoutsim_example_plugin") is not None
    # Weights 1/deadline: deadlines 2 s and 8 s -> 0.5 and 0.125.
    w = plugin.ByDeadline().weights([Demand(0, 1.0, 2.0, ()), Demand(1, 1.0, 8.0, ())], 1e6)
    assert w == [0.5, 0.125]
    def fs(deadline_s):
        return Situation(["bf16", "int8", "int4"], [4.0, 2.0, 1.0], [0.0] * 3, [0.0] * 3, [0.80, 0.79, 0.55],
                         deadline_s)

    assert build_policy("good_enough:0.7").decide(fs(0.1)) == 1  # fastest with F1 >= 0.7
    assert build_policy("good_enough:0.9").decide(fs(9.0)) == 0  # none that good: the best
    assert build_policy("good_enough:0").decide(fs(9.0)) == 2
    est = plugin.Median(prior=5.0, probe=lambda: 0.0)
    assert est.estimate() == 5.0
    for nbytes in (1e6, 3e6, 2e6):
        est.observe(nbytes, 1.0)
    assert est.estimate() == 2e6  # median of 1, 3, 2 MB/s
