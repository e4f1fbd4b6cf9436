"""Allocators, estimators and mode selection against rules applied by hand."""

from __future__ import annotations

import math

import pytest

from scoutsim.decisions.allocators import WEIGHT_FLOOR, Demand, Option, build_allocator
from scoutsim.decisions.estimators import build_estimator
from scoutsim.decisions.policy import Situation, build_policy


def demand(agent, kv, deadline, *options):
    return Demand(agent, kv, deadline, tuple(Option(*o) for o in options))


def test_equal_and_model_aware_weights():
    ds = [demand(0, 9.7e6, 5, ("bf16", 9.7e6, 0.5, 0.8)), demand(1, 33.2e6, 5, ("bf16", 33.2e6, 0.5, 0.8))]
    assert build_allocator("equal").weights(ds, 1e7) == [1.0, 1.0]
    assert build_allocator("model_aware").weights(ds, 1e7) == [9.7e6, 33.2e6]


def test_quality_max_serves_best_quality_per_byte_first_and_starves_the_rest():
    # Capacity 10 MB/s. Needs = payload / (deadline - fixed):
    #   agent 0: int8 4e6 B over 4 s -> 1e6 B/s, q 0.77 (bf16 needs 2.5e6 B/s, q 0.776: best feasible)
    #   agent 1: bf16 needs 36e6/4 = 9e6 B/s, q 0.8
    #   agent 2: bf16 needs 12e6/4 = 3e6 B/s, q 0.9
    # Best feasible: a0 bf16 (2.5e6, q/r = 3.1e-7), a1 bf16 (9e6, 8.9e-8), a2 bf16 (3e6, 3e-7).
    # Order a0, a2, a1: a0 gets 2.5e6, a2 gets 3e6, a1 gets what is left: 4.5e6.
    ds = [
        demand(0, 10e6, 5, ("bf16", 10e6, 1.0, 0.776), ("int8", 4e6, 1.0, 0.77)),
        demand(1, 36e6, 5, ("bf16", 36e6, 1.0, 0.8)),
        demand(2, 12e6, 5, ("bf16", 12e6, 1.0, 0.9)),
    ]
    w = build_allocator("quality_max").weights(ds, 10e6)
    assert w == pytest.approx([2.5e6, 4.5e6, 3e6])
    # With 5 MB/s: a0 bf16 2.5e6, a2 bf16 3e6 (feasible), a1 has no feasible mode (9e6 > 5e6)
    # and falls back to its smallest need (9e6, q/r 8.9e-8) -> served last: a0 2.5e6, a2 2.5e6,
    # a1 nothing -> the floor.
    w = build_allocator("quality_max").weights(ds, 5e6)
    assert w == pytest.approx([2.5e6, WEIGHT_FLOOR * 5e6, 2.5e6])


def test_quality_max_puts_payload_free_modes_first():
    ds = [demand(0, 1e6, 5, ("local", 0, 0.1, 0.5)), demand(1, 1e6, 5, ("bf16", 4e6, 1.0, 0.8))]
    w = build_allocator("quality_max").weights(ds, 2e6)
    assert w == pytest.approx([WEIGHT_FLOOR * 2e6, 1e6])
    assert math.isinf(Option("x", 1, 6, 0.5).need(5))


def test_harmonic_estimator_is_harmonic_mean_of_last_five():
    est = build_estimator("harmonic", prior=123.0, probe=lambda: 0)
    assert est.estimate() == 123.0
    for rate in (1, 2, 4, 4, 8, 8):  # bytes over 1 s
        est.observe(rate, 1.0)
    assert est.estimate() == pytest.approx(5 / (1 / 2 + 1 / 4 + 1 / 4 + 1 / 8 + 1 / 8))


def test_last_and_oracle_estimators():
    last = build_estimator("last", prior=7.0, probe=lambda: 0)
    last.observe(10, 2)
    assert last.estimate() == 5
    oracle = build_estimator("oracle", prior=7.0, probe=lambda: 42.0)
    assert oracle.estimate() == 42.0


def test_ewma_takes_the_more_conservative_of_two_half_lives():
    est = build_estimator("ewma", prior=1.0, probe=lambda: 0)
    est.observe(100, 1.0)  # 100 B/s for 1 s: both averages equal 100 after bias correction
    assert est.estimate() == pytest.approx(100)
    est.observe(30, 3.0)  # 10 B/s for 3 s
    # After both: value = b (1 - a) 100 + (1 - b) 10 over weight 1 - a b, with a, b the decays
    # of the 1 s and 3 s observations for each half-life.
    a3, b3 = 0.5 ** (1 / 3), 0.5 ** (3 / 3)
    a8, b8 = 0.5 ** (1 / 8), 0.5 ** (3 / 8)
    v3 = (b3 * (1 - a3) * 100 + (1 - b3) * 10) / (1 - a3 * b3)
    v8 = (b8 * (1 - a8) * 100 + (1 - b8) * 10) / (1 - a8 * b8)
    assert est.estimate() == pytest.approx(min(v3, v8))


def test_adaptive_takes_best_quality_that_meets_the_deadline_else_the_fastest():
    def sit(forecasts, deadline_s):
        names, secs, quals = zip(*forecasts)
        return Situation(names, secs, [0.0] * len(secs), [0.0] * len(secs), quals, deadline_s)

    fs = [("bf16", 6.0, 0.78), ("int8", 4.0, 0.77), ("int4", 2.0, 0.53), ("local", 1.0, 0.58)]
    assert build_policy("adaptive").decide(sit(fs, 5.0)) == 1
    assert build_policy("adaptive").decide(sit(fs, 1.5)) == 3
    assert build_policy("adaptive").decide(sit(fs, 0.5)) == 3  # none meets it: the fastest
    tie = [("a", 3.0, 0.7), ("b", 2.0, 0.7)]
    assert build_policy("adaptive").decide(sit(tie, 5.0)) == 1
    assert build_policy("static:int8").decide(sit([("int8", 99, 0.1)], 1.0)) == 0



def test_a_policy_that_reads_in_flight_without_learning_sees_only_what_is_in_flight(monkeypatch):
    # A plug-in that reads Situation.in_flight but has no record/outcome: requests leave the
    # list when they end. Periodic requests every 2 s, each done within 1 s: never more
    # than one in flight, and none left at the end.
    from scoutsim.config import scenario_from_dict
    from scoutsim.decisions.policy import POLICIES, Policy
    from scoutsim.sim.world import World
    from tests.conftest import ROOT, small_scenario

    seen = []

    class Watcher(Policy):
        reads_in_flight = True

        def decide(self, situation):
            seen.append(len(situation.in_flight))
            return 0

    monkeypatch.setitem(POLICIES._items, "watcher", Watcher)
    data = small_scenario(duration_s=20.0, replications=1)
    data["agents"][0].update(count=1, policy="watcher", modes=["int4"],
                             arrival={"kind": "periodic", "period_s": 2.0, "offset_s": 0})
    world = World(scenario_from_dict(data, source="<test>", base_dir=ROOT), 0)
    frame = world.run()
    assert len(frame) == 10 and frame["done_s"].sub(frame["arrival_s"]).max() < 1.0
    assert seen == [0] * 10 and world.agents[0].in_flight == {}


def test_a_policy_not_ported_from_choose_is_refused_when_the_scenario_is_read(monkeypatch):
    from scoutsim.decisions.policy import POLICIES, Policy, parse_policy

    class Old(Policy):  # scoutsim 0.2's interface
        def choose(self, forecasts, deadline_s):
            return 0

    monkeypatch.setitem(POLICIES._items, "old", Old)
    with pytest.raises(ValueError, match="'old' .* has no decide\\(situation\\).* must be ported"):
        parse_policy("old")


def test_the_import_paths_of_0_2_still_work():
    # ExpectedF1 left decisions/policy.py, Request and the option tables sim/agent.py: a plug-in
    # written against 0.2 still imports them (ExpectedF1 with a warning naming its new home).
    from scoutsim.decisions.expected_f1 import ExpectedF1
    from scoutsim.sim.agent import ModeOption, Request, option_tables  # noqa: F401
    from scoutsim.sim.costs import ModeOption as Costs
    assert ModeOption is Costs
    with pytest.warns(DeprecationWarning, match="scoutsim.decisions.expected_f1"):
        from scoutsim.decisions.policy import ExpectedF1 as Old
    assert Old is ExpectedF1
    with pytest.raises(ImportError):
        from scoutsim.decisions.policy import NoSuchPolicy  # noqa: F401
