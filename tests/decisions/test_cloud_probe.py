"""cloud_aware: probe (scoutsim/sim/cloudwait.py): the status request's round trip and the
wait the cloud reports, on a queue built by hand, and a decision that reads it."""

from __future__ import annotations

import math

import pytest
import simpy

from scoutsim.oraclecache import OracleCache
from scoutsim.sim.cloud import CloudQueue
from scoutsim.sim.cloudwait import ProbedWait
from tests.conftest import ROOT, small_scenario
from tests.decisions.helpers import behind_a_busy_cloud, run

ORACLE = OracleCache(ROOT / "oracle_cache" / "published-squad-v2")


def busy_cloud():
    """One GPU busy with a 3 s job from t = 0, a 2 s job queued behind it."""
    env = simpy.Environment()
    cloud = CloudQueue(env, gpus=1)
    cloud.track()  # as a ProbedWait built with the world does, before any job enters
    for seconds in (3.0, 2.0):
        cloud.enter(seconds, lambda ev: cloud.leave())
    return env, cloud


def test_the_probe_costs_one_round_trip_and_reports_the_fifo_wait_when_answered():
    env, cloud = busy_cloud()
    probe = ProbedWait(cloud, latency_s=0.5)
    answers = []

    def ask(_ev):
        probe.ask(env, lambda: answers.append((env.now, probe.predict())))

    env.timeout(0.5).callbacks.append(ask)
    env.run(until=10)
    # Sent at 0.5 s, at the cloud at 1 s: the GPU is busy until 3, then the queued 2 s job:
    # a job entering at 1 s would start at 5, a wait of 4 s. The answer is back at 1.5 s.
    assert answers == [(pytest.approx(1.5, abs=1e-12), pytest.approx(4.0, abs=1e-12))]


def test_with_no_latency_the_answer_is_immediate():
    env, cloud = busy_cloud()
    probe = ProbedWait(cloud, latency_s=0.0)
    env.run(until=1.0)
    answers = []
    probe.ask(env, lambda: answers.append((env.now, probe.predict())))
    assert answers == [(1.0, pytest.approx(4.0))]


def test_the_device_asks_only_where_the_answer_can_change_a_choice_that_stays_on_time():
    probe = ProbedWait(busy_cloud()[1], latency_s=0.5)
    assert probe.worth_asking(True, 4.0, 5.0)  # a cloud mode with the round trip (1 s) to spare
    assert not probe.worth_asking(True, 4.2, 5.0)  # waiting 1 s for the answer would make it late
    assert not probe.worth_asking(False, 0.5, 5.0)  # a local choice: a wait can only slow the others


def two_devices(aware, latency_ms=20):
    """Device b sends text at t = 0 whose 400-token answer holds the only cloud GPU for
    seconds; device a (expected_f1, modes text and local, 5.5 s whole-answer deadline) is
    asked at 0.5 s."""
    return behind_a_busy_cloud(latency_ms, policy="expected_f1", modes=["text", "local"], cloud_aware=aware)


def test_a_mode_sure_on_the_link_but_late_behind_the_reported_queue_is_not_chosen():
    # text (a few hundred bytes at 20 Mbps) is sure on the link, and a's text answer alone
    # (21 tokens) fits its 5.5 s deadline: told nothing of the queue, a sends it and waits
    # behind b's 400-token answer, late.
    text, local = (ORACLE.draws("qwen2.5-7b", "qwen2.5-14b", m).mean for m in ("text", "local"))
    assert text > local  # so text is what a takes when it looks on time
    b, blind = two_devices(False)
    assert b["mode"] == "text" and b["done_s"] > 6.0  # b's answer holds the GPU past a's deadline
    assert blind["mode"] == "text" and not blind["met_deadline"]
    # Probing, a's decision waits 2 x 20 ms; the cloud reports b's remaining service, which
    # put on text's predicted time passes the deadline, so a answers locally, on time.
    b2, probed = two_devices("probe")
    assert b2["done_s"] == b["done_s"]
    assert probed["mode"] == "local" and probed["met_deadline"]
    # The round trip delays the local answer by exactly 2 x latency: compare a device
    # sent straight to local at the same instant.
    _, straight = two_devices_static_local()
    assert probed["done_s"] - straight["done_s"] == pytest.approx(0.04, abs=1e-12)
    # With no latency the probe is free and the decision is made at arrival.
    _, instant = two_devices("probe", latency_ms=0)
    assert instant["mode"] == "local" and instant["done_s"] == pytest.approx(straight["done_s"], abs=1e-12)


def test_a_choice_the_round_trip_would_make_late_is_sent_at_once():
    # With a one-way latency of 2 s, a's text (2 s there + its cloud time) fits the 5.5 s
    # deadline as far as a device that assumes an empty queue can tell, but not with 4 s spent
    # waiting for the cloud's answer: a sends it at arrival, unasked, as a blind device does.
    _, blind = two_devices(False, latency_ms=2000)
    _, probing = two_devices("probe", latency_ms=2000)
    assert blind["mode"] == probing["mode"] == "text"
    assert probing["done_s"] == blind["done_s"] and probing["tx_start_s"] == blind["tx_start_s"] == 0.5


def two_devices_static_local():
    return behind_a_busy_cloud(policy="static:local", modes=["text", "local"])


def test_a_request_still_waiting_for_the_answer_when_the_run_ends_is_a_miss():
    # Asked at 1.49 s, a run of 1.5 s with a 0.01 s drain ends (1.51 s) before the answer (1.53 s) is back.
    data = small_scenario(duration_s=1.5, replications=1, deadline_on="answer", drain_s=0.01,
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 20},
                                    "allocator": "equal", "latency_ms": 20}])
    data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 10, "offset_s": 1.49},
                             context_tokens=170, answer_tokens=21, policy="expected_f1", modes=["text", "local"],
                             cloud_aware="probe")
    row = run(data).iloc[0]
    assert row["mode"] == "text" and not row["completed"] and row["payload_bytes"] == 0


def test_a_static_device_never_waits_for_a_probe():
    # One candidate: the answer cannot change the choice, so the request starts at arrival,
    # exactly as without cloud_aware (the same tx_start and done).
    def one(aware):
        data = small_scenario(duration_s=1.5, replications=1,
                              uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 20},
                                        "allocator": "equal", "latency_ms": 100}])
        data["agents"][0].update(count=1, policy="static:int4", cloud_aware=aware,
                                 arrival={"kind": "periodic", "period_s": 10, "offset_s": 0.5})
        return run(data).iloc[0]

    blind, probing = one(False), one("probe")
    assert probing["tx_start_s"] == blind["tx_start_s"] and probing["done_s"] == blind["done_s"]


def test_after_a_probe_the_joint_grant_is_for_the_time_left_since_arrival(monkeypatch):
    # Under joint the device's estimate is the rate EDF admission grants a transfer due
    # deadline - latency after *arrival*; decided 2 x latency later, the horizon is that less.
    import scoutsim.sim.equip as equip
    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.sim.world import World

    data = small_scenario(duration_s=1.0, replications=1,
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 20},
                                    "allocator": "joint", "latency_ms": 200}])
    data["agents"][0].update(count=1, deadline_s=3.0, cloud_aware="probe")
    world = World(scenario_from_dict(data, source="<test>", base_dir=ROOT), 0)
    asked = []
    monkeypatch.setattr(equip, "grant", lambda link, slot, now, horizon: asked.append(horizon) or 1e6)
    est = world.agents[0].estimator
    assert est.estimate() == 1e6 and est.estimate_after(0.4) == 1e6
    assert asked == [pytest.approx(3.0 - 0.2), pytest.approx(3.0 - 0.2 - 0.4)]


def test_a_request_the_reported_queue_makes_late_in_every_mode_is_declined():
    # a (expected_f1:decline) may send text or int4, both cloud modes, so it asks. Told nothing, it sends text and
    # waits behind b's 400-token answer, late. The cloud reports that wait (b's answer holds
    # the GPU past 6 s, a's deadline is 0.5 + 5 = 5.5 s): every mode misses even with an instant
    # transfer, so a sends nothing, and its record says so.
    b, blind = behind_a_busy_cloud(policy="expected_f1", modes=["text", "int4"], cloud_aware=False)
    assert b["done_s"] > 6.0 and blind["mode"] == "text" and not blind["met_deadline"]
    b2, declined = behind_a_busy_cloud(policy="expected_f1:decline", modes=["text", "int4"], cloud_aware="probe")
    assert b2["done_s"] == b["done_s"]
    assert declined["mode"] == "declined" and not declined["met_deadline"] and not declined["completed"]
    assert declined["payload_bytes"] == 0 and math.isnan(declined["tx_start_s"]) and math.isnan(declined["f1"])
    assert math.isnan(declined["done_s"])


def test_the_summary_gives_the_declined_share_where_a_policy_may_decline():
    # Device a's one request is declined (above): its share of `declined` is 1, it counts as
    # unfinished and scores 0; b's (static text) has none. Without the flag there is no row.
    import pandas as pd

    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.results.summary import replication_metrics, summary_modes

    data = small_scenario()
    data["agents"][0]["policy"] = "expected_f1:in_flight,decline"
    assert summary_modes(scenario_from_dict(data, source="<test>", base_dir=ROOT).scenario)[-1] == "declined"
    data["agents"][0]["policy"] = "expected_f1:in_flight"
    assert "declined" not in summary_modes(scenario_from_dict(data, source="<test>", base_dir=ROOT).scenario)
    b, a = behind_a_busy_cloud(policy="expected_f1:decline", modes=["text", "int4"], cloud_aware="probe")
    modes = ["int4", "text", "declined"]
    declined, sent = replication_metrics(pd.DataFrame([a]), modes), replication_metrics(pd.DataFrame([b]), modes)
    assert declined["mode_share:declined"] == 1.0 and declined["unfinished"] == 1.0
    assert declined["f1_misses_zero"] == 0.0 and math.isnan(declined["mean_f1"])
    assert sent["mode_share:declined"] == 0.0 and sent["mode_share:text"] == 1.0


def a_behind_b(a_keys: dict, b_answer: int, duration_s: float, a_period: float) -> tuple:
    """Device b sends text at t = 0 with a long answer on a 200 Mbps link; device a (1000-token
    context, 21-token answer, whole-answer deadline) asks from 0.5 s every ``a_period`` s."""
    data = small_scenario(duration_s=duration_s, replications=1, deadline_on="answer",
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 200},
                                    "allocator": "equal", "latency_ms": 20}])
    a = data["agents"][0]
    a.update(name="a", count=1, arrival={"kind": "periodic", "period_s": a_period, "offset_s": 0.5},
             context_tokens=1000, answer_tokens=21, **a_keys)
    b = dict(a, name="b", arrival={"kind": "periodic", "period_s": 1000, "offset_s": 0.0}, answer_tokens=b_answer,
             policy="static:text", modes=["text"], cloud_aware=False, context_tokens=170)
    df = run(dict(data, agents=[b, a]))
    return df[df["group"] == 0], df[df["group"] == 1]


def test_a_queue_that_drains_while_the_request_is_on_the_edge_and_link_does_not_decline_it():
    # cloud_aware: exact adds b's remaining GPU time to int4's edge + transfer + latency, which
    # predicts int4 past the 5 s deadline; but the FIFO queue drains while a's request is on
    # the edge and the link, so the two overlap: the floor is max(edge + latency, wait) +
    # cloud compute, under 5 s. a sends int4 and is on time, with or without decline.
    keys = dict(policy="expected_f1:decline", modes=["int4", "int8"], cloud_aware="exact")
    _, a = a_behind_b(keys, 300, 1.5, 10)
    _, plain = a_behind_b(dict(keys, policy="expected_f1"), 300, 1.5, 10)
    assert a.iloc[0]["mode"] == plain.iloc[0]["mode"] == "int4"
    assert a.iloc[0]["met_deadline"] and a.iloc[0]["done_s"] == plain.iloc[0]["done_s"]


def test_a_wait_predicted_from_past_answers_never_declines():
    # cloud_aware: true predicts the mean of the device's past waits, which bounds nothing: a
    # device that declined on it would send nothing and learn nothing new, for ever. b's
    # 400-token answer makes a's first request late; every later one (every 10 s) finds the
    # GPU free and is on time in text, as without decline.
    keys = dict(policy="expected_f1:decline", modes=["text", "int4"], cloud_aware=True)
    _, a = a_behind_b(keys, 400, 100, 10)
    _, plain = a_behind_b(dict(keys, policy="expected_f1"), 400, 100, 10)
    assert "declined" not in set(a["mode"])
    assert a["met_deadline"].iloc[1:].all() and (a["mode"].to_numpy() == plain["mode"].to_numpy()).all()


def alone(latency_ms: float, aware, modes=("int4", "bf16"), policy="expected_f1"):
    """Device a alone (20 Mbps link, 170-token context), asked once at 0.5 s; its request and
    its agent's edge prefill of the question (the world's own timing table)."""
    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.sim.world import World

    data = small_scenario(duration_s=1.5, replications=1, deadline_on="answer",
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 20},
                                    "allocator": "equal", "latency_ms": latency_ms}])
    data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 10, "offset_s": 0.5},
                             context_tokens=170, answer_tokens=21, policy=policy, modes=list(modes),
                             cloud_aware=aware)
    compute = World(scenario_from_dict(data, source="<test>", base_dir=ROOT), 0).agents[0].compute
    return run(data).iloc[0], compute.edge_prefill_seconds(170)


def test_the_prefill_runs_while_the_status_request_is_out():
    # Told nothing, a sends int4 at once: its transfer starts when its edge work (prefill +
    # quantisation, e seconds) is done, at 0.5 + e. Probing with a 20 ms latency, the answer is
    # back at 0.54 s, within the prefill (P > 0.04 s), which ran from 0.5 s: the transfer
    # starts at the same instant, the round trip hidden.
    blind, prefill = alone(20, False)
    probing, _ = alone(20, "probe")
    assert prefill > 0.04
    assert blind["mode"] == probing["mode"] == "int4"
    assert probing["tx_start_s"] == pytest.approx(blind["tx_start_s"], abs=1e-12)
    assert probing["done_s"] == pytest.approx(blind["done_s"], abs=1e-12)
    # With a 200 ms latency the answer comes at 0.9 s, after the prefill (0.5 + P): the rest of
    # int4's edge work, e - P, runs from 0.9 s: the transfer starts at 0.9 + e - P, the round
    # trip's part beyond the prefill lost, no more.
    blind, _ = alone(200, False)
    probing, _ = alone(200, "probe")
    assert prefill < 0.4 and probing["mode"] == "int4"
    edge = blind["tx_start_s"] - 0.5
    assert probing["tx_start_s"] == pytest.approx(0.9 + edge - prefill, abs=1e-12)


def scripted(monkeypatch, answers):
    """expected_f1 whose decide returns, call after call, the mode named in ``answers`` (or DECLINE)."""
    from scoutsim.decisions.expected_f1 import ExpectedF1
    from scoutsim.decisions.policy import DECLINE

    calls = iter(answers)

    def decide(self, situation):
        name = next(calls)
        return DECLINE if name == "declined" else situation.modes.index(name)

    monkeypatch.setattr(ExpectedF1, "decide", decide)


def test_text_chosen_after_the_prefill_is_sent_as_the_prefill_would_have_started(monkeypatch):
    # The choice made as if the queue were empty is int4 (so the prefill starts at 0.5 s);
    # the choice after the answer (0.54 s) is text, which needs no edge work: it is sent at
    # once, not behind the prefill it leaves unused.
    scripted(monkeypatch, ["int4", "text"])
    row, prefill = alone(20, "probe", modes=("int4", "text"))
    assert row["mode"] == "text"
    assert row["tx_start_s"] == pytest.approx(0.54, abs=1e-12)


@pytest.mark.parametrize("answer", ["text", "declined"])
def test_a_prefill_left_unused_behind_other_work_never_holds_the_edge(monkeypatch, answer):
    # One device, requests at 0.5, 0.6 and 0.7 s (20 ms latency). The first is answered
    # locally at once (a local choice is never asked about): the edge is busy until
    # 0.5 + E, E its local answer's edge time. The second's first choice is int4: it asks, and
    # its prefill is queued behind the local answer, to start at 0.5 + E. The answer, back at
    # 0.64 s, is text (or nothing sent): the prefill, not yet started and last on the edge,
    # never runs. Text is sent when the prefill would have started, 0.5 + E; the third
    # request's local answer starts there too and ends at 0.5 + 2E, as if the second had never
    # touched the edge.
    scripted(monkeypatch, ["local", "int4", answer, "local"])
    data = small_scenario(duration_s=0.75, replications=1, deadline_on="answer",
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 20},
                                    "allocator": "equal", "latency_ms": 20}])
    data["agents"][0].update(count=1, arrival={"kind": "periodic", "period_s": 0.1, "offset_s": 0.5},
                             context_tokens=170, answer_tokens=21, policy="expected_f1:decline",
                             modes=["int4", "text", "local"], cloud_aware="probe")
    first, second, third = (row for _, row in run(data).sort_values("arrival_s").iterrows())
    edge = first["done_s"] - 0.5
    assert first["mode"] == third["mode"] == "local" and second["mode"] == answer and edge > 0.14
    if answer == "text":
        assert second["tx_start_s"] == pytest.approx(0.5 + edge, abs=1e-12)
    assert third["done_s"] == pytest.approx(0.5 + 2 * edge, abs=1e-12)


def test_an_upgrade_after_the_prefill_plans_the_start_its_transfer_gets(monkeypatch):
    # adaptive+fallback whose choice after the answer is a fallback mode (scout@0.5) tries a
    # KV mode (int8) in its place, planning its transfer to start after the edge wait and
    # int8's edge work. The prefill ran during the round trip, so the plan is the instant the
    # transfer then starts, not a prefill later.
    from scoutsim.decisions.policy import Adaptive
    from scoutsim.sim.fallback import Fallback

    calls = []
    monkeypatch.setattr(Adaptive, "decide", lambda self, s: calls.append(1) or s.modes.index(
        "int8" if len(calls) == 1 else "scout@0.5"))
    planned = []
    upgrade = Fallback.upgrade

    def watched(self, q, k, arrival, edge_wait):
        int8 = [o.name for o in self.agent.options].index("int8")
        planned.append(arrival + edge_wait + self.agent._all_costs(q)[int8][1])
        return upgrade(self, q, k, arrival, edge_wait)

    monkeypatch.setattr(Fallback, "upgrade", watched)
    row, prefill = alone(20, "probe", modes=("int8", "scout@0.5"), policy="adaptive+fallback")
    assert row["mode"] == "int8" and prefill > 0.04
    assert planned == [pytest.approx(row["tx_start_s"], abs=1e-12)]
