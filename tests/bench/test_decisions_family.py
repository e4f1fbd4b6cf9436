"""bench decisions: the scenario family is drawn from its seed alone, within the issue's
ranges, every draw is a valid scenario, and one scenario's comparison is paired and
reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from scoutsim.bench.decisions import (RECOMMENDED, Case, ScenarioResult, Stalled, apply, cases, options, report,
                                      run_scenario, summary, verdict, wall_limit)
from scoutsim.bench.family import FALLBACK_MODES, KV_MODES, family
from scoutsim.config.loader import scenario_from_dict
from tests.conftest import ROOT


def test_the_family_is_a_function_of_its_seed():
    a = family(8, seed=5, root=str(ROOT))
    assert a == family(8, seed=5, root=str(ROOT))
    assert a != family(8, seed=6, root=str(ROOT))
    # Scenario i does not depend on how many are drawn after it.
    assert family(3, seed=5, root=str(ROOT)) == a[:3]
    assert [d["name"] for d in a] == [f"family_{i:03d}" for i in range(8)]


def test_draws_stay_in_the_issues_ranges_and_load():
    kinds, sharings, ons = set(), set(), set()
    for data in family(40, seed=11, root=str(ROOT), duration_s=10, replications=2):
        devices = sum(g["count"] for g in data["agents"])
        assert 2 <= devices <= 20
        modes = data["agents"][0]["modes"]
        for g in data["agents"]:
            assert 0.5 <= g["deadline_s"] <= 5.0 and g["modes"] == modes
            assert all(m in KV_MODES[g["edge_model"]] or m in FALLBACK_MODES[g["edge_model"]] for m in modes)
        assert any(m in ("local", "text", "scout@0.5") for m in modes)  # +fallback has a fallback
        kinds.add(data["uplinks"][0]["channel"]["kind"])
        sharings.add(data["uplinks"][0]["sharing"])
        ons.add(data["deadline_on"])
        scenario_from_dict(data, source=data["name"], base_dir=ROOT)  # valid, or this raises
    assert kinds == {"constant", "markov", "trace_pool"}
    assert sharings == {"work_conserving", "reserved", "time_share"}
    assert ons == {"first_token", "answer"}


def test_options_cover_every_static_mode_and_the_adaptive_variants():
    labels = [label for label, _ in options(["bf16", "int4", "local"])]
    assert labels[:3] == ["static:bf16", "static:int4", "static:local"]
    for policy in ("adaptive", "adaptive+fallback", "expected_f1", "expected_f1+fallback", "expected_f1:in_flight"):
        assert {policy, f"{policy} robust_mpc", f"{policy} deadline", f"{policy} joint",
                f"{policy} cloud_aware", f"{policy} cloud_aware probe", f"{policy} cloud_aware probe warmup"} <= set(labels)
    assert dict(options([], ["expected_f1 cloud_aware"])) == {
        "expected_f1 cloud_aware": {"policy": "expected_f1", "cloud_aware": True}}
    assert dict(options([], ["expected_f1:in_flight cloud_aware probe"])) == {
        "expected_f1:in_flight cloud_aware probe": {"policy": "expected_f1:in_flight", "cloud_aware": "probe"}}
    assert dict(options([], ["expected_f1:in_flight,decline cloud_aware probe warmup"])) == {
        "expected_f1:in_flight,decline cloud_aware probe warmup": {
            "policy": "expected_f1:in_flight,decline", "cloud_aware": "probe", "estimator_warmup": {}}}
    data = {"agents": [{"policy": "adaptive"}], "uplinks": [{"allocator": "equal", "scheduler": "pf"}]}
    changed = apply(data, {"policy": "expected_f1", "allocator": "deadline"})
    assert changed["agents"][0]["policy"] == "expected_f1" and changed["uplinks"][0]["allocator"] == "deadline"
    assert "scheduler" not in changed["uplinks"][0] and data["uplinks"][0]["scheduler"] == "pf"


def test_one_scenario_is_paired_reproducible_and_bounded():
    # Seed 5's first scenario: two groups on a trace-pool cell, small enough for the bound.
    data = family(1, seed=5, root=str(ROOT), duration_s=20, replications=2)[0]
    assert len(data["agents"]) == 2
    first = run_scenario(data, ROOT)
    again = run_scenario(data, ROOT)
    for label in first.f1:
        np.testing.assert_array_equal(first.f1[label], again.f1[label])
    assert first.bound is not None
    for label, got in first.overall.items():
        assert np.all(got <= first.bound + 1e-9), label
    # The best static mode compared with itself: a difference of exactly 0, never a loss.
    for case in cases([first], "static:int8"):
        if case.best_static == "static:int8":
            assert case.diff == 0 and case.high == 0


def test_the_verdict_rule():
    assert verdict({"cases": 100, "worse": 5, "worst": -0.03})
    assert not verdict({"cases": 100, "worse": 6, "worst": -0.01})
    assert not verdict({"cases": 100, "worse": 1, "worst": -0.031})


def two_options() -> list[dict]:
    """Summary rows of two options: one worse than the best static in 1 of 10 cases by 0.05
    F1 (a FAIL: beyond 0.03), one never worse (a PASS)."""
    loss = Case("family_000", "g0", "static:local", -0.05, -0.08, -0.02)
    return [{"option": "expected_f1", "cases": 10, "worse": 1, "worst": -0.05, "mean_diff": -0.01,
             "gap": float("nan"), "bounded": 0, "losses": [loss]},
            {"option": "expected_f1 cloud_aware", "cases": 10, "worse": 0, "worst": 0.0, "mean_diff": 0.02,
             "gap": float("nan"), "bounded": 0, "losses": []}]


def test_the_report_judges_each_option_run_even_without_the_recommended_one():
    rows = two_options()
    assert RECOMMENDED not in {r["option"] for r in rows}
    text = "\n".join(report(rows, [], "header", replications=4))
    assert "expected_f1: FAIL" in text and "expected_f1 cloud_aware: PASS" in text
    assert "loses in family_000 g0: -0.050 [-0.080, -0.020] against static local" in text
    # A replication above the bound fails every option.
    above = "\n".join(report(rows[1:], ["family_000 x replication 0: 0.5 > bound 0.4"], "header", replications=4))
    assert "expected_f1 cloud_aware: FAIL" in above and "1 replications above it" in above


def test_the_report_shows_the_largest_mean_deficit_even_inside_the_interval():
    # A case 0.23 below its best static in the mean, with an interval too wide to count as a
    # loss (it spans 0): the verdict ignores it, the report names it.
    wide = Case("family_024", "g0", "static:int8", -0.23, -0.52, +0.06)
    rows = two_options()
    rows[1]["deepest"] = wide
    text = "\n".join(report(rows, [], "header", replications=4))
    assert "expected_f1 cloud_aware: PASS" in text
    assert ("  largest mean deficit, beyond the CI or not: family_024 g0: -0.230 [-0.520, +0.060] "
            "against static int8") in text
    # Beside the recommendation (here never below its best static mode: it says so), another
    # option run shows its own largest mean deficit too.
    rows = two_options()
    rows[1]["option"], rows[1]["deepest"] = RECOMMENDED, None
    rows[0]["deepest"] = wide
    text = "\n".join(report(rows, [], "header", replications=4)).splitlines()
    at = text.index(f"recommended {RECOMMENDED}: PASS")
    assert text[at + 1] == "  largest mean deficit: none (no case below its best static mode in the mean)"
    at = text.index("expected_f1:")
    assert text[at + 1].startswith("  largest mean deficit, beyond the CI or not: family_024 g0: -0.230")
    # A row without "deepest" (not made by summary) shows its worst counted loss, never "none".
    rows[0]["deepest"] = None
    text = "\n".join(report(rows, [], "header", replications=4)).splitlines()
    assert text[text.index("expected_f1:") + 1].startswith("  largest mean deficit, beyond the CI or not: "
                                                           "family_000 g0: -0.050")
    # summary() picks the most negative mean among all cases, counted or not.
    # g0: differences -0.4, +0.2, -0.3, +0.1 (mean -0.1, an interval of +-0.47 that spans 0);
    # g1: -0.01 in every replication (a loss beyond its interval of width 0).
    res = ScenarioResult("s", ["g0", "g1"])
    res.f1 = {"static:a": np.full((4, 2), 0.5),
              RECOMMENDED: np.array([[0.1, 0.49], [0.7, 0.49], [0.2, 0.49], [0.6, 0.49]])}
    (row,) = [r for r in summary([res]) if r["option"] == RECOMMENDED]
    assert row["worse"] == 1 and row["worst"] == pytest.approx(-0.01)
    assert row["deepest"].group == "g0" and row["deepest"].diff == pytest.approx(-0.1)
    assert row["deepest"].low < 0 < row["deepest"].high


def test_no_verdict_with_fewer_than_four_replications():
    # The same rows: with 3 replications neither the failing nor the passing option is judged
    # (t(0.975, 2) = 4.30, t(0.975, 1) = 12.7: losses go unseen), but the bound still fails.
    rows = two_options()
    text = "\n".join(report(rows, [], "header", replications=3))
    assert not any(line.endswith(("PASS", "FAIL")) for line in text.splitlines())
    assert "expected_f1 cloud_aware: not judged" in text and "expected_f1: not judged" in text
    assert "verdict not judged: fewer than 4 replications (3)" in text
    above = "\n".join(report(rows[1:], ["family_000 x replication 0: 0.5 > bound 0.4"], "header", replications=2))
    assert "expected_f1 cloud_aware: FAIL" in above and "not judged" not in above


def test_a_stalled_simulation_is_stopped_by_the_wall_limit():
    import time

    start = time.monotonic()
    with pytest.raises(Stalled, match="ran past 0.05 s"):
        with wall_limit(0.05):
            while True:  # an event loop that makes no progress
                pass
    assert time.monotonic() - start < 5
    with wall_limit(5):  # a block that ends in time is left alone, and the timer is cleared
        pass
    time.sleep(0.01)


def test_comparisons_refuse_a_family_and_unknown_options(capsys):
    from scoutsim.cli import main as cli_main

    assert cli_main(["bench", "decisions", "--comparisons", "--family", "3"]) == 2
    assert "--comparisons runs the shipped comparison files, not a family" in capsys.readouterr().err
    assert cli_main(["bench", "decisions", "--comparisons", "--options", "expected_f2"]) == 2
    assert "--options: no option 'expected_f2'" in capsys.readouterr().err


def test_comparisons_judge_a_group_as_the_test_does():
    # A group short of its best static mode by a paired interval wholly below 0, and one whose
    # interval is wider than the resolution: worked by hand from per-replication values.
    from scoutsim.bench.comparisons import RESOLUTION_F1, GroupComparison, report

    short = GroupComparison("a.yaml", "g", np.array([0.70, 0.71, 0.72]), "int8", np.array([0.75, 0.76, 0.77]))
    mean, low, high = short.diff  # differences all -0.05: zero spread, interval [-0.05, -0.05]
    assert (mean, low, high) == pytest.approx((-0.05, -0.05, -0.05)) and short.short and not short.too_wide
    wide = GroupComparison("b.yaml", "h", np.array([0.5, 0.7, 0.9]), "int4", np.array([0.6, 0.6, 0.6]))
    # differences -0.1, 0.1, 0.3: mean 0.1, s = 0.2, t(0.975, 2) = 4.303: half-width 0.497
    assert wide.diff[2] - wide.diff[0] == pytest.approx(4.302653 * 0.2 / np.sqrt(3), rel=1e-6)
    assert wide.too_wide and not wide.short and RESOLUTION_F1 < 0.497
    text = "\n".join(report("x", [short, wide]))
    assert "falls short" in text and "too wide to judge" in text and "2 of 2 (a.yaml, b.yaml)" in text


def test_comparisons_leave_the_warm_up_out_only_under_a_granting_allocator():
    from scoutsim.bench.comparisons import option_scenario

    data = {"agents": [{"uplink": "a", "policy": "adaptive"}, {"uplink": "b", "policy": "adaptive"}],
            "uplinks": [{"id": "a", "allocator": "joint"}, {"id": "b", "allocator": "equal"}]}
    out, dropped = option_scenario(data, {"policy": "expected_f1", "estimator_warmup": {}})
    assert dropped == {"a"} and "estimator_warmup" not in out["agents"][0]
    assert out["agents"][1]["estimator_warmup"] == {} and out["agents"][0]["policy"] == "expected_f1"
    # An allocator the registry does not know is left for the scenario loader to report.
    data["uplinks"][0]["allocator"] = "no_such_allocator"
    assert option_scenario(data, {"estimator_warmup": {}})[1] == set()
    data["uplinks"][0]["allocator"] = "joint"
    out, dropped = option_scenario(data, {"estimator_prior": "offer"})
    assert dropped == {"a"} and "estimator_prior" not in out["agents"][0]
    assert out["agents"][1]["estimator_prior"] == "offer"
    # The share prior, what a granted device has anyway, is not refused and stays.
    out, dropped = option_scenario(data, {"estimator_prior": "share"})
    assert dropped == set() and out["agents"][0]["estimator_prior"] == "share"


def test_any_adaptive_policy_can_be_named_with_a_variant():
    from scoutsim.bench.decisions import option

    # Beyond the default set: flags combined, a plug-in-free policy string in canonical form.
    assert option("expected_f1:in_flight,decline,cloud_priced,predictive cloud_aware probe") == {
        "policy": "expected_f1:in_flight,decline,cloud_priced,predictive", "cloud_aware": "probe"}
    # "cloud_aware probe warmup" is one variant, not "cloud_aware" with a policy ending in "probe".
    assert option("adaptive cloud_aware probe warmup") == {
        "policy": "adaptive", "cloud_aware": "probe", "estimator_warmup": {}}
    assert option("expected_f1 cloud_aware probe offer") == {
        "policy": "expected_f1", "cloud_aware": "probe", "estimator_prior": "offer"}
    assert option("expected_f1+fallback joint") == {"policy": "expected_f1+fallback", "allocator": "joint"}
    assert option("expected_f1") == {"policy": "expected_f1"}
    # Refused: a static mode (a baseline), a non-canonical spelling, an unknown variant or policy.
    for bad in ("static:int8", "expected_f1:decline,in_flight", "expected_f1 fast", "expected_f2"):
        assert option(bad) is None, bad
    # The labels keep their given order after the static modes; the default set: ten policies
    # under each of the eight variants.
    labels = [label for label, _ in options(["int8"], ["expected_f1 joint", "adaptive"])]
    assert labels == ["static:int8", "expected_f1 joint", "adaptive"]
    assert len(options(["int8"])) == 1 + 10 * 8


def test_a_misspelt_option_is_told_its_canonical_spelling(capsys):
    from scoutsim.cli import main as cli_main

    assert cli_main(["bench", "decisions", "--family", "1", "--options", "expected_f1:live,in_flight cloud_aware probe",
                     "static:int8"]) == 2
    err = capsys.readouterr().err
    assert "no option 'expected_f1:live,in_flight cloud_aware probe', 'static:int8'" in err
    assert "(canonical spelling: 'expected_f1:in_flight,live cloud_aware probe')" in err


def test_the_comparison_files_carry_the_recommendation():
    # The files' '# recommended:' lines are what the comparison test holds the project's
    # recommendation to: they must name the option the family judged (RECOMMENDED).
    from scoutsim.bench.comparisons import recommended
    from scoutsim.bench.decisions import option
    from tests.conftest import ROOT

    want = option(RECOMMENDED)
    paths = sorted((ROOT / "scenarios").glob("compare_*/*.yaml"))
    assert len(paths) > 10
    for path in paths:
        line = recommended(path)
        assert line.pop("estimator") == "harmonic", path.name  # the default, written out
        assert line == want, path.name
