"""expected_f1: the mode of highest quality x chance of being on time, worked by hand.

Normal probabilities are read from scipy's normal distribution, independent of the policy's
own erfc arithmetic.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
from scipy.stats import norm

from scoutsim.decisions.policy import DECLINE, POLICIES, Situation, build_policy, parse_policy
from scoutsim.sim.agent import Agent

D = 5.0  # deadline, seconds


def sit(seconds, transfers, edge, qualities, deadline_s, fallbacks=(), in_flight=(), modes=None, floors=()):
    return Situation(modes or [f"m{i}" for i in range(len(seconds))], seconds, transfers, edge, qualities,
                     deadline_s, fallbacks, in_flight, floors)


def test_registered_and_takes_the_fallback_suffix():
    assert "expected_f1" in POLICIES.names()
    assert str(parse_policy("expected_f1+fallback")) == "expected_f1+fallback"


def test_chance_of_a_transfer_before_any_error_is_known():
    # Predicted 3 s, 1 s of it on the link: 2 s fixed, slack 3 s for the transfer. With no
    # errors yet the log-rate is N(0, ln 2): on time when the rate is at least 1/3 of the
    # estimate, ln(1/3) = -1.0986 -> P(Z >= -1.0986 / 0.6931) = Phi(1.585) = 0.9435.
    p = build_policy("expected_f1")
    assert p.chance(3.0, 1.0, D, *p.spread([])) == pytest.approx(norm.cdf(math.log(3) / math.log(2)))
    assert p.chance(3.0, 1.0, D, *p.spread([])) == pytest.approx(0.9435, abs=1e-4)
    # Nothing on the link (local): 1 if the prediction fits, else 0; fixed time past D: 0.
    assert p.chance(4.0, 0.0, D, 0.0, 0.3) == 1.0
    assert p.chance(6.0, 0.0, D, 0.0, 0.3) == 0.0
    assert p.chance(6.5, 1.0, D, 0.0, 0.3) == 0.0


def test_a_sure_mode_beats_a_better_but_risky_one_that_adaptive_would_take():
    # A: quality 0.80, 1 s fixed + 2 s on the link (predicted 3 s <= 5: adaptive takes it).
    #    Slack 4 s for 2 s: P = Phi(ln 2 / ln 2) = Phi(1) = 0.8413; value 0.6731.
    # B: quality 0.70, 1 s fixed + 0.5 s: P = Phi(ln 8 / ln 2) = Phi(3) = 0.99865; value 0.6991.
    p = build_policy("expected_f1")
    seconds, transfers, edge, q = [3.0, 1.5], [2.0, 0.5], [0.2, 0.2], [0.80, 0.70]
    assert 0.80 * norm.cdf(1) < 0.70 * norm.cdf(3)
    assert p.decide(sit(seconds, transfers, edge, q, D)) == 1
    assert build_policy("adaptive").decide(sit(seconds, transfers, edge, q, D, modes=["A", "B"])) == 0
    # Two transfers of A seen at exp(+0.1) and exp(-0.1) times their estimates: mu 0, sigma
    # = sd(0.1, -0.1) = 0.1414; A's P = Phi(0.6931 / 0.1414) = Phi(4.90) ~ 1: A, value 0.80.
    p.record(0, math.exp(0.1))
    p.record(0, math.exp(-0.1))
    assert p.spread(p.errors[0]) == pytest.approx((0.0, math.sqrt(0.02)))
    assert p.decide(sit(seconds, transfers, edge, q, D)) == 0
    # Then three requests sent in A were late: A's chance is its record shrunk towards the
    # model's ~1 counted as 2 requests: (0 + 2 x 1) / (3 + 2) = 0.4; value 0.32 < B's 0.6991.
    for _ in range(3):
        p.outcome(0, False)
    assert p.decide(sit(seconds, transfers, edge, q, D)) == 1


def test_with_a_fallback_a_late_transfer_scores_the_fallback():
    # A as above (0.80, P = 0.8413, value alone 0.6731); L local, quality 0.70, predicted 4 s
    # (fits: chance 1, value 0.70). Without a fallback L wins. With L as A's fallback, A is
    # worth 0.80 x 0.8413 + (1 - 0.8413) x 0.70 = 0.7842 > 0.70.
    p = build_policy("expected_f1")
    seconds, transfers, edge, q = [3.0, 4.0], [2.0, 0.0], [0.2, 4.0], [0.80, 0.70]
    assert p.decide(sit(seconds, transfers, edge, q, D)) == 1
    assert p.decide(sit(seconds, transfers, edge, q, D, fallbacks=[1])) == 0
    # Equal values go to the surer mode: with L's quality 0.80 too, A is worth exactly 0.80.
    assert p.decide(sit(seconds, transfers, edge, [0.80, 0.80], D, fallbacks=[1])) == 1


def test_a_request_late_whatever_the_link_does_is_declined():
    # The edge is busy for 5.5 s more: every option is past the deadline even with its
    # transfer instant. local: 1 s of prefill and decode, 6.5 s; int4: 0.2 s of edge, 0.5 s of
    # latency and cloud, 1 s on the link, 7.2 s (6.2 s off the link); bf16: 0.1 + 0.5 + 4 s,
    # 10.1 s (6.1 s off it). adaptive takes the fastest, local, which holds the edge 1 s;
    # expected_f1 sends int4, the smallest payload (0.2 s of edge); expected_f1:decline nothing.
    p = build_policy("expected_f1:decline")
    seconds, transfers, edge, q = [6.5, 7.2, 10.1], [0.0, 1.0, 4.0], [1.0, 0.2, 0.1], [0.26, 0.25, 0.26]
    assert [p.chance(s, t, D, *p.spread([])) for s, t in zip(seconds, transfers)] == [0.0, 0.0, 0.0]
    assert build_policy("adaptive").decide(sit(seconds, transfers, edge, q, D, modes=["local", "int4", "bf16"])) == 0
    # No status request was made: the floors are the times off the link, 6.5, 6.2 and 6.1 s.
    floors = [6.5, 6.2, 6.1]
    assert build_policy("expected_f1").decide(sit(seconds, transfers, edge, q, D, floors=floors)) == 1
    assert p.decide(sit(seconds, transfers, edge, q, D, floors=floors)) == DECLINE
    # One option that can still be on time (int4's floor 4.9 s) is enough not to decline.
    assert p.decide(sit([6.5, 5.9, 10.1], transfers, edge, q, D, floors=[6.5, 4.9, 6.1])) == 1


def test_decline_is_a_flag_beside_in_flight():
    assert parse_policy("expected_f1:decline,in_flight").arg == "in_flight,decline"
    assert build_policy("expected_f1:in_flight,decline").reads_in_flight
    assert build_policy("expected_f1:in_flight,decline").declines
    assert not build_policy("expected_f1:in_flight").declines
    for bad in ("expected_f1:in_flight,in_flight", "expected_f1:decline,", "expected_f1:drop"):
        with pytest.raises(ValueError, match="one or more of"):
            parse_policy(bad)


def test_a_sure_miss_on_the_link_sends_the_smallest_payload_not_a_slow_local_answer():
    # The edge is free. local: 5.5 s of edge, past D = 5. int4: 0.2 s of edge + 0.5 s of
    # latency and cloud + 5 s on the link = 5.7 s; bf16: 0.1 + 0.5 + 20 = 20.6 s. The device's
    # rate errors so far are all 0 (sigma 0): the point prediction decides, and both transfer
    # modes miss. The link, not the edge, makes them late: int4, the smallest payload, is sent
    # (its transfer shows the device the rate it gets); adaptive takes the fastest, local.
    p = build_policy("expected_f1:decline")
    for option in (1, 2):
        p.record(option, 1.0)
        p.record(option, 1.0)
    seconds, transfers, edge, q = [5.5, 5.7, 20.6], [0.0, 5.0, 20.0], [5.5, 0.2, 0.1], [0.26, 0.25, 0.26]
    assert [p.chance(s, t, D, *p.spread(p.errors.get(i, ()))) for i, (s, t) in enumerate(zip(seconds, transfers))] \
        == [0.0, 0.0, 0.0]
    assert build_policy("adaptive").decide(sit(seconds, transfers, edge, q, D)) == 0
    assert p.decide(sit(seconds, transfers, edge, q, D, floors=[5.5, 0.7, 0.6])) == 1


def test_the_prior_is_not_a_prediction_error():
    # Agent.observe hands the policy ln(actual / estimate) only for a request chosen after the
    # device had seen a transfer: the first request's estimate is the prior.
    policy = build_policy("expected_f1")
    seen = []
    fake = SimpleNamespace(learner=policy, policy=policy, options=["int8", "local"], observed=False, fallback=None,
                           estimator=SimpleNamespace(observe=lambda b, s: seen.append((b, s))))
    first = SimpleNamespace(informed=False, fallback=None, est_rate=1e6, option="int8")
    Agent.observe(fake, first, 4e6, 1.0)  # 4 MB/s against the prior's 1 MB/s: not counted
    assert policy.errors == {} and fake.observed and seen == [(4e6, 1.0)]
    second = SimpleNamespace(informed=True, fallback=None, est_rate=2e6, option="int8")
    Agent.observe(fake, second, 3e6, 1.0)  # 3 MB/s against 2 MB/s: ln 1.5
    assert policy.errors == {0: [pytest.approx(math.log(1.5))]}


def test_in_flight_is_an_argument_of_expected_f1():
    assert str(parse_policy("expected_f1:in_flight+fallback")) == "expected_f1:in_flight+fallback"
    assert build_policy("expected_f1:in_flight").reads_in_flight
    assert not build_policy("expected_f1").reads_in_flight
    with pytest.raises(ValueError, match="in_flight"):
        parse_policy("expected_f1:soon")


def test_which_requests_in_flight_count_as_misses():
    # D = 3 s. Option 0 has no settled outcome: its request in flight counts whatever its age.
    # Option 1 has one: its requests count once past their predicted time or the deadline,
    # 1 s of 2 s predicted does not; 2.5 s of 2 s does; 3.5 s of 4 s is past D = 3 s.
    p = build_policy("expected_f1:in_flight")
    p.outcome(1, True)
    flying = [(0, 0.1, 2.0), (1, 1.0, 2.0), (1, 2.5, 2.0), (1, 3.5, 4.0)]
    assert p.counted(flying, 3.0, 3) == [1, 2, 0]
    assert build_policy("expected_f1").counted(flying, 3.0, 3) == [0, 0, 0]


def test_a_mode_is_trusted_with_one_request_at_a_time_until_it_proves_itself():
    # D = 3 s. text: quality 0.80, 2 s predicted, 1 ms of it on the link: slack 1.001 s for
    # 1 ms, z = ln(1001) / ln 2 = 9.97, chance 1. local: 0.77, 2.5 s, nothing sent: chance 1.
    # int4: 0.74, 1 s, 0.2 s on the link: slack 2.2 s, z = ln 11 / ln 2 = 3.46, chance
    # 0.99973, value 0.7398. Nothing in flight: text, 0.80.
    seconds, transfers, edge, q = [2.0, 2.5, 1.0], [0.001, 0.0, 0.2], [0.0, 2.5, 0.3], [0.80, 0.77, 0.74]
    p = build_policy("expected_f1:in_flight")
    assert p.decide(sit(seconds, transfers, edge, q, 3.0)) == 0
    # One text request in flight, 0.5 s old, and text has no outcome yet: it counts as a miss,
    # text's chance is (0 + 2 x 1) / (0 + 1 + 2) = 2/3, value 0.533: local, 0.77. Plain
    # expected_f1 does not look and sends text again.
    assert p.decide(sit(seconds, transfers, edge, q, 3.0, in_flight=[(0, 0.5, 2.0)])) == 1
    assert build_policy("expected_f1").decide(sit(seconds, transfers, edge, q, 3.0, in_flight=[(0, 0.5, 2.0)])) == 0
    # Text came back on time once: a request in flight within its 2 s predicted no longer
    # counts, (1 + 2) / (1 + 2) = 1, text again; one 2.5 s old (overdue) does: (1 + 2) / (1 +
    # 1 + 2) = 0.75, value 0.60 < 0.77, local.
    p.outcome(0, True)
    assert p.decide(sit(seconds, transfers, edge, q, 3.0, in_flight=[(0, 0.5, 2.0)])) == 0
    assert p.decide(sit(seconds, transfers, edge, q, 3.0, in_flight=[(0, 2.5, 2.0)])) == 1
    # Without local, int4 (0.7398) against text at 0.75 x 0.80 = 0.60: int4.
    assert p.decide(sit([2.0, 1.0], [0.001, 0.2], [0.0, 0.3], [0.80, 0.74], 3.0, in_flight=[(0, 2.5, 2.0)])) == 1


def test_the_agent_keeps_its_requests_in_flight_until_they_end():
    # Agent.settled records the outcome and forgets the request; a plain expected_f1 agent
    # keeps no such list (None), so its runs do not pay for it.
    policy = build_policy("expected_f1:in_flight")
    r = SimpleNamespace(number=7, option="text", dropped=False, fallback=None, arrival=1.0, done=2.5)
    fake = SimpleNamespace(learner=policy, options=["int4", "text"], deadline_s=3.0, in_flight={7: r})
    Agent.settled(fake, r)
    assert fake.in_flight == {} and policy.outcomes == {1: [True]}
    late = SimpleNamespace(number=8, option="int4", dropped=False, fallback=None, arrival=1.0, done=4.5)
    fake.in_flight[8] = late
    Agent.settled(fake, late)
    assert fake.in_flight == {} and policy.outcomes == {1: [True], 0: [False]}


def test_predictive_reads_the_next_error_from_a_student_t():
    # Two errors, +0.1 and -0.1: mean 0, s = sqrt(0.02) = 0.14142. The next
    # error is s sqrt(1 + 1/2) = 0.17321 times a t with 1 degree of freedom (a Cauchy, CDF
    # 1/2 + atan(x) / pi). Predicted 3 s, 1 s of it on the link: slack 3 s, z = ln 3 = 1.0986,
    # x = 6.3428, P = 1/2 + atan(6.3428) / pi = 0.95023. The fitted normal says
    # Phi(1.0986 / 0.14142) = Phi(7.77), 1 to nine places.
    p = build_policy("expected_f1:predictive")
    p.record(0, math.exp(0.1))
    p.record(0, math.exp(-0.1))
    x = math.log(3) / (math.sqrt(0.02) * math.sqrt(1.5))
    assert p.chance(3.0, 1.0, D, *p.spread(p.errors[0]), 2) == pytest.approx(0.5 + math.atan(x) / math.pi)
    assert p.chance(3.0, 1.0, D, *p.spread(p.errors[0]), 2) == pytest.approx(0.95023, abs=1e-5)
    assert p.chance(3.0, 1.0, D, *p.spread(p.errors[0])) > 1 - 1e-9
    # Fewer than two errors: the prior's normal, as without the flag.
    assert p.chance(3.0, 1.0, D, *p.spread([]), 1) == pytest.approx(norm.cdf(math.log(3) / math.log(2)))


def test_three_steady_transfers_do_not_make_a_mode_sure():
    # A: quality 0.80, 2.8 s off the link and 2 s on it (4.8 s, D = 5): slack 2.2 s for 2 s,
    # z = ln 1.1 = 0.09531. Three transfers of A seen at exp(0.05), exp(-0.05), exp(0): mean 0,
    # s = 0.05. Fitted normal: Phi(0.09531 / 0.05) = Phi(1.906) = 0.9717, value 0.7774.
    # Predictive: x = 0.09531 / (0.05 sqrt(4/3)) = 1.6508 on a t with 2 degrees of freedom
    # (CDF 1/2 + x / (2 sqrt(2 + x^2))): 0.8797, value 0.7038. B, local, quality 0.74, sure.
    seconds, transfers, edge, q = [4.8, 2.0], [2.0, 0.0], [0.2, 2.0], [0.80, 0.74]
    x = math.log(1.1) / (0.05 * math.sqrt(4 / 3))
    assert 0.80 * norm.cdf(math.log(1.1) / 0.05) > 0.74 > 0.80 * (0.5 + x / (2 * math.sqrt(2 + x * x)))
    for flags, choice in (("", 0), (":predictive", 1), (":in_flight,decline", 0), (":in_flight,decline,predictive", 1)):
        p = build_policy("expected_f1" + flags)
        for e in (0.05, -0.05, 0.0):
            p.record(0, math.exp(e))
        assert p.decide(sit(seconds, transfers, edge, q, D)) == choice, flags
    # Ten steady transfers (s = 0.05 again): t with 9 degrees of freedom, close to the normal,
    # x = 0.09531 / (0.05 sqrt(1.1)) = 1.8175, P = 0.9487 (scipy's t), value 0.759 > 0.74: A.
    p = build_policy("expected_f1:predictive")
    for e in (0.05, -0.05) * 5:
        p.record(0, math.exp(e * math.sqrt(9 / 10)))
    assert p.spread(p.errors[0])[1] == pytest.approx(0.05)
    assert p.decide(sit(seconds, transfers, edge, q, D)) == 0
