"""expected_f1:own_edge: edge work priced by what it takes from the device's own next requests.

A request of the device's arriving ``u`` seconds into an option's ``e`` seconds of edge work
waits ``w = e - u`` longer and loses ``V(0) - V(w)``, ``V(w)`` the best quality x chance of the
request as it is, held ``w`` seconds longer; the requests expected at each ``u`` are read off
the device's own last arrivals (the empirical renewal measure). Worked by hand below, on
chances made exact (two equal rate errors: sigma 0, so a mode is on time exactly when its
slack covers its transfer).
"""

from __future__ import annotations

import pytest

from scoutsim.decisions.expected_f1 import ExpectedF1
from scoutsim.decisions.policy import ARRIVALS_KEPT, Situation, build_policy, parse_policy
from tests.conftest import small_scenario
from tests.decisions.helpers import run

LOCAL, TEXT = 0, 1
EVERY_HALF_SECOND = [4.0 - 0.5 * k for k in range(9)]  # arrived 4, 3.5, ..., 0 s ago


def situation(ago, text_edge: float = 0.0) -> Situation:
    # local: 2 s on the edge, sends nothing, quality 0.8. text: 1.5 s in all, 0.5 s of it on
    # the link, quality 0.7. Deadline 3 s. Held w longer: local is on time while 2 + w < 3
    # (w < 1), text while its slack 3 - (1.0 + w) covers its 0.5 s transfer (w <= 1.5).
    return Situation(modes=["local", "text"], seconds=[2.0, 1.5], transfers=[0.0, 0.5],
                     edge=[2.0, text_edge], qualities=[0.8, 0.7], deadline_s=3.0, arrivals=ago)


def policy(arg: str = "own_edge"):
    p = build_policy(f"expected_f1:{arg}")
    p.record(TEXT, 1.0)
    p.record(TEXT, 1.0)  # two equal errors: sigma 0, the point prediction decides
    return p


def test_own_edge_is_a_flag_that_reads_the_arrivals():
    assert parse_policy("expected_f1:own_edge,decline,cloud_priced,in_flight").arg == \
        "in_flight,decline,cloud_priced,own_edge"
    assert build_policy("expected_f1:own_edge").reads_arrivals
    assert not build_policy("expected_f1:cloud_priced").reads_arrivals
    with pytest.raises(ValueError, match="priced or own_edge"):
        parse_policy("expected_f1:priced,own_edge")


def test_the_followers_of_a_request_by_hand():
    # Periodic, every 5 s (20, 15, 10, 5, 0 s ago). Within 4 s of an arrival: none. Within 5 s:
    # the origins at least 5 s ago are 20, 15, 10, 5, each followed 5 s later: 4 followers
    # over 4 origins, 1 each time, at u = 5.
    periodic = [20.0, 15.0, 10.0, 5.0, 0.0]
    assert ExpectedF1.followers(periodic, 4.0) == []
    assert ExpectedF1.followers(periodic, 5.0) == [(5.0, 0.25)] * 4
    # Irregular (9, 8.5, 4, 1, 0 s ago), within 2 s: the origins 9, 8.5 and 4; only 9 has a
    # follower (8.5, at u = 0.5): 1/3 of a request, at 0.5 s.
    assert ExpectedF1.followers([9.0, 8.5, 4.0, 1.0, 0.0], 2.0) == [(0.5, pytest.approx(1 / 3))]
    # No arrival 2 s old (1, 0.5, 0 s ago): 2 requests over the span seen (1 s) or e (2 s),
    # the longer: 1/s, for 2 s: 2 requests, half a one per bin at 0.25, 0.75, 1.25, 1.75 s.
    # Over 4 s seen (4, 2, 0 s ago; e = 5): 2 requests over 5 s (the longer), 0.4/s x 5 s = 2,
    # 0.5 per bin. Fewer than two arrivals: none.
    assert ExpectedF1.followers([1.0, 0.5, 0.0], 2.0) == [(0.25, 0.5), (0.75, 0.5), (1.25, 0.5), (1.75, 0.5)]
    assert ExpectedF1.followers([4.0, 2.0, 0.0], 5.0) == [(u, 0.5) for u in (0.625, 1.875, 3.125, 4.375)]
    assert ExpectedF1.followers([0.0], 2.0) == []


def test_the_toll_by_hand():
    # Every 0.5 s: during local's 2 s, one request at u = 0.5, 1.0, 1.5 and 2.0 s (origins 4,
    # 3.5, 3, 2.5 and 2 s ago, each followed at all four). By bins of 0.5 s in u (from 0, 0.5,
    # 1.0, 1.5; u = 2.0 in the last): {0.5} waits w = 1.5, V = 0.7 (text); {1.0} waits 1.0,
    # V = 0.7 (local's 2 + 1 is not under 3); {1.5, 2.0} waits 2 - 1.75 = 0.25, V = 0.8.
    # V(0) = 0.8: the toll is 0.1 + 0.1 = 0.2. text holds the edge 0.2 s: its followers
    # (u <= 0.2) are none.
    p = policy()
    s = situation(EVERY_HALF_SECOND, text_edge=0.2)
    late = [0, 0]
    assert p.edge_tolls(s, p.chances_by_delay(s, late)) == pytest.approx([0.2, 0.0])
    # Every 2 s (8, 6, 4, 2, 0 s ago): the next request comes at u = 2.0, when local is done: 0.
    s = situation([8.0, 6.0, 4.0, 2.0, 0.0])
    assert p.edge_tolls(s, p.chances_by_delay(s, late)) == pytest.approx([0.0, 0.0])


def test_the_toll_turns_a_request_from_a_long_local_decode():
    # Twice as many followers (every 0.25 s from 4 s ago): 8 over local's 2 s, one at each of
    # u = 0.25, ..., 2.0. By bins of 0.5 s in u (from 0, 0.5, 1.0, 1.5; u = 2.0 in the last),
    # each at its mean u: {0.25} -> w = 1.75, loses 0.8; {0.5, 0.75} -> w = 1.375, 0.1 each;
    # {1.0, 1.25} -> w = 0.875, nothing; {1.5, 1.75, 2.0} -> w = 0.25, nothing: 1.0 (request
    # by request it would be 1.1: the one at w = 1.0 loses 0.1, which its bin's mean hides).
    # local's value 0.8 - 1.0 < text's 0.7: text. Unpriced, and when the next request comes
    # after the job, local (0.8).
    dense = [4.0 - 0.25 * k for k in range(17)]
    p = policy()
    assert p.edge_tolls(situation(dense), p.chances_by_delay(situation(dense), [0, 0]))[LOCAL] == pytest.approx(1.0)
    assert policy().decide(situation(dense)) == TEXT
    assert policy("cloud_priced").decide(situation(dense)) == LOCAL
    assert policy().decide(situation([8.0, 6.0, 4.0, 2.0, 0.0])) == LOCAL


def test_a_wait_is_never_a_gain():
    # text (quality 0.8, 2.9 s, 0.5 s of it on the link) has missed its last 10 requests, and
    # two rate errors 0 and ln 1.3 (mu = 0.1312, sigma = 0.1855); deadline 3 s. Its model
    # chance held w longer is P(w) = Phi((ln((0.6 - w) / 0.5) + mu) / sigma). Predicted to fit
    # (w <= 0.1) it is shrunk by that record, 2 P(w) / 12 (0.159 at w = 0); held longer it is
    # predicted late and the record no longer applies: P(0.15) = 0.555, above 0.159, which is
    # no gain of the wait. local (0.3, 3.5 s: late anyway) holds the edge 0.35 s; a request
    # every 0.1 s arrives at u = 0.1, 0.2, 0.3 (bins at w = 0.25, 0.15, 0.05). Losses:
    # w = 0.25: 0.8 (2 P(0) / 12 - P(0.25)), P(0.25) = 0.112; w = 0.15: none (it would be
    # -0.317); w = 0.05: 0.8 (2 P(0) - 2 P(0.05)) / 12. Counted with its sign the toll would
    # be -0.27.
    import math

    p = build_policy("expected_f1:own_edge")
    p.record(TEXT, 1.0)
    p.record(TEXT, 1.3)
    for _ in range(10):
        p.outcome(TEXT, False)
    mu, sigma = math.log(1.3) / 2, math.log(1.3) / math.sqrt(2)

    def phi(x):
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))

    def bare(w):
        return phi((math.log((0.6 - w) / 0.5) + mu) / sigma)

    s = Situation(modes=["local", "text"], seconds=[3.5, 2.9], transfers=[0.0, 0.5], edge=[0.35, 0.0],
                  qualities=[0.3, 0.8], deadline_s=3.0, arrivals=[2.0 - 0.1 * k for k in range(21)])
    late = [0, 0]
    toll = p.edge_tolls(s, p.chances_by_delay(s, late))[LOCAL]
    assert bare(0.15) > 2 * bare(0.0) / 12  # the case this test is about
    assert toll == pytest.approx(0.8 * (2 * bare(0.0) / 12 - bare(0.25)) + 0.8 * 2 * (bare(0.0) - bare(0.05)) / 12)


def test_a_run_gives_the_arrivals_to_the_policy_that_reads_them(monkeypatch):
    # Two devices each asking every 5 s (periodic) for 60 s: a device is shown its own
    # arrivals, the present one 0 s ago, the others 5, 10, ... s before it (not the other
    # device's), at most ARRIVALS_KEPT of them. A policy that does not read them is shown none.
    seen = []
    original = ExpectedF1.decide

    def decide(self, situation):
        seen.append(list(situation.arrivals))
        return original(self, situation)

    monkeypatch.setattr(ExpectedF1, "decide", decide)
    group = dict(small_scenario()["agents"][0], arrival={"kind": "periodic", "period_s": 5.0},
                 policy="expected_f1:in_flight,decline,cloud_priced,own_edge")
    run(small_scenario(duration_s=150), agents=[group])
    assert len(seen) > 50
    for ago in seen:
        assert ago[-1] == 0.0 and len(ago) <= ARRIVALS_KEPT
        assert [round(a - b, 9) for a, b in zip(ago, ago[1:])] == [5.0] * (len(ago) - 1)
    assert max(len(ago) for ago in seen) == ARRIVALS_KEPT
    seen.clear()
    group["policy"] = "expected_f1:in_flight,decline,cloud_priced"
    run(small_scenario(), agents=[group])
    assert len(seen) > 20 and all(ago == [] for ago in seen)
