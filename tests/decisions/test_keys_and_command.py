"""The new scenario keys reject bad input with one message naming the key, and the bound
command reports the optimum and refuses scenarios it does not apply to."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scoutsim.config.loader import scenario_from_dict
from scoutsim.errors import UserError
from tests.conftest import ROOT, small_scenario


@pytest.mark.parametrize("key,value,expected", [
    ("policy", "adaptive+fallbacks", "policy"),
    ("policy", "static:int8+fallback", "fall back"),  # its modes offer no local/scout/text: see below
    ("cloud_aware", "sometimes", "cloud_aware"),
    ("answer_length", {"kind": "uniform", "low": 50, "high": 10}, "answer_length"),
    ("answer_length", {"kind": "normal", "mean": 10}, "answer_length"),
    ("estimator", "robust", "estimator"),
])
def test_bad_values_name_the_key(key, value, expected):
    data = small_scenario()
    data["agents"][0][key] = value
    if value == "static:int8+fallback":
        data["agents"][0]["modes"] = ["int8", "int4"]
    with pytest.raises(UserError) as err:
        scenario_from_dict(data, source="s.yaml", base_dir=ROOT)
    assert expected in str(err.value) and "agents[0]" in str(err.value)


def test_unknown_allocator_lists_the_online_ones():
    data = small_scenario()
    data["uplinks"][0]["allocator"] = "edf"
    with pytest.raises(UserError) as err:
        scenario_from_dict(data, source="s.yaml", base_dir=ROOT)
    assert "deadline" in str(err.value) and "joint" in str(err.value)


def test_static_fallback_takes_its_fallbacks_from_modes():
    data = small_scenario()
    data["agents"][0].update(policy="static:int8+fallback", modes=["bf16", "scout@0.5", "local"])
    g = scenario_from_dict(data, source="s.yaml", base_dir=ROOT).scenario.agents[0]
    assert g.candidate_modes == ["int8", "scout@0.5", "local"] and g.falls_back and g.base_policy == "static:int8"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "scoutsim", *args], cwd=ROOT, capture_output=True, text=True)


def test_bound_command_prints_the_optimum_and_the_gaps():
    p = cli("bound", "scenarios/compare_policies/static_local.yaml", "--against",
            "scenarios/compare_policies/static_mixed_int4.yaml", "--replications", "2", "--duration", "60")
    assert p.returncode == 0, p.stderr
    assert "bound: F1 (misses scored 0)" in p.stdout and p.stdout.count("gap to bound") == 2
    assert p.returncode == 0 and "above the clairvoyant bound" not in p.stderr


def test_bound_refuses_a_scenario_with_other_arrivals(tmp_path):
    p = cli("bound", "scenarios/compare_policies/adaptive.yaml", "--against",
            "scenarios/compare_allocators/equal_reserved.yaml", "--replications", "1", "--duration", "20")
    assert p.returncode == 2 and "does not see the same arrivals" in p.stderr and "Traceback" not in p.stderr


def test_answer_length_is_a_property_of_the_sample():
    from scoutsim.sim.world import build_pools

    data = small_scenario(deadline_on="answer")
    data["agents"][0]["answer_length"] = {"kind": "uniform", "low": 16, "high": 160}
    resolved = scenario_from_dict(data, source="s.yaml", base_dir=ROOT)
    a, b = build_pools(resolved)[0], build_pools(resolved)[0]
    lengths = [a.question(k).answer_tokens for k in range(len(a))]
    assert lengths == [b.question(k).answer_tokens for k in range(len(b))]  # the same every time
    assert min(lengths) >= 16 and max(lengths) <= 160 and len(set(lengths)) > 50  # 200 draws of 145 values
    # The typical question (allocators, break-even bandwidths) takes their mean.
    assert a.typical_question().answer_tokens == round(sum(lengths) / len(lengths))
