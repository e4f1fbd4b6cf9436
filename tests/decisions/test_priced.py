"""expected_f1:priced: the toll of a mode's work on a shared FIFO server, worked by hand.

The toll (scoutsim/sim/congestion.py) of ``x`` seconds entering a server of ``k`` units is
``min(n L(x / k), (x / xbar) qbar)``: ``n = lam (W + rho**(k-1) x / (2k)) / (1 - rho)``
requests delayed, each losing ``L(d) = mean(q 1{0 <= slack < h}) d / h``, ``h = max(0.5 D,
d)``; but no more than the ``x / xbar`` requests its work displaces (``xbar``: the mean work
of the jobs with work that entered), each of the mean quality of a request served, ``qbar``;
and, on a saturated server (``rho`` measured at ``RHO_CAP`` or above), that alone. Every number
below is worked from that statement, not read off the code.
"""

from __future__ import annotations

import pytest

from scoutsim.decisions.policy import Situation, build_policy, parse_policy
from scoutsim.sim.congestion import RHO_CAP, WINDOW_S, Load


def loaded(units: int, entered, served) -> Load:
    load = Load(units)
    for t, x in entered:
        load.entered(t, x)
    for t, slack, q in served:
        load.served(t, slack, q)
    return load


def test_a_single_server_toll_by_hand():
    # Edge (k = 1), at t = 20 s: in the last 10 s, 4 requests entered with 1 s of work each:
    # lam = 0.4/s, rho = 4/10 = 0.4. Served: slacks 0.5, 1.5, 3.0 and -0.2 s, quality 0.8 each.
    # D = 4 s: h = max(2, d). A local decode of x = 2 s with the edge free (W = 0):
    # n = 0.4 (0 + 1 x 2/2) / 0.6 = 0.6667; d = 2, h = 2: slacks in [0, 2): 0.5 and 1.5 ->
    # L = (0.8 + 0.8)/4 x 2/2 = 0.4; toll = 0.2667.
    load = loaded(1, [(11, 1.0), (13, 1.0), (15, 1.0), (19, 1.0)],
                  [(12, 0.5, 0.8), (14, 1.5, 0.8), (16, 3.0, 0.8), (18, -0.2, 0.8)])
    assert load.toll(20.0, 0.0, 2.0, 4.0) == pytest.approx(0.4 / 0.6 * 0.4)
    # A prefill of 0.2 s: n = 0.4 x 0.1 / 0.6 = 0.0667; d = 0.2 < h = 2: L = 0.4 x 0.2/2 = 0.04.
    assert load.toll(20.0, 0.0, 0.2, 4.0) == pytest.approx(0.4 * 0.1 / 0.6 * 0.4 * 0.1)
    # Behind 1.5 s of backlog (W = 1.5): n = 0.4 (1.5 + 1) / 0.6 = 1.6667.
    assert load.toll(20.0, 1.5, 2.0, 4.0) == pytest.approx(0.4 * 2.5 / 0.6 * 0.4)
    # A delay longer than h costs every request whose slack it exceeds: x = 4 s, h = 4, the
    # slacks 0.5, 1.5, 3.0 in [0, 4): L = 2.4/4 x 4/4 = 0.6; n = 0.4 x 2 / 0.6.
    assert load.toll(20.0, 0.0, 4.0, 4.0) == pytest.approx(0.4 * 2 / 0.6 * 0.6)
    # Sending nothing there costs nothing.
    assert load.toll(20.0, 0.0, 0.0, 4.0) == 0.0


def test_a_cloud_of_several_gpus_and_the_window():
    # k = 3 GPUs, at t = 30 s: 6 jobs of 2.5 s in the window: lam = 0.6/s, rho = 15/30 = 0.5.
    # A text job of x = 1.5 s with the queue empty: it delays later jobs only when both other
    # GPUs are busy, rho**2 = 0.25, by x/k = 0.5 s: n = 0.6 (0.25 x 1.5 / 6) / 0.5 = 0.075.
    # Served slacks 0.3 and 2.5 s (q 0.7, 0.9), D = 2 s: h = 1: only 0.3 -> L = 0.7/2 x 0.5 = 0.175.
    load = loaded(3, [(5.0, 100.0)] + [(21 + i, 2.5) for i in range(6)],
                  [(4.0, 0.1, 1.0), (25, 0.3, 0.7), (26, 2.5, 0.9)])
    assert load.toll(30.0, 0.0, 1.5, 2.0) == pytest.approx(0.6 * 0.25 * 0.25 / 0.5 * 0.175)
    # What left the window (the 100 s job at t = 5, the request served at t = 4) counts no more:
    # with them, rho would be capped and the 0.1 s slack at risk.


def test_the_first_seconds_and_the_edges_of_the_slack():
    # At t = 4 s, before a whole window has passed, the load is over the 4 s there were:
    # 2 requests of 1 s entered: lam = 0.5/s, rho = 0.5 (over 10 s it would be 0.2/s, 0.2).
    # Served slacks exactly 0 (on time by nothing: a delay makes it late, at risk), exactly
    # h = 2 (D = 4: not at risk) and 1.0, quality 1 each. x = 1 s, W = 0:
    # n = 0.5 (0.5) / 0.5 = 0.5; L = (1 + 1)/3 x 1/2 = 1/3; toll = 1/6.
    assert WINDOW_S > 4.0
    load = loaded(1, [(1.0, 1.0), (3.0, 1.0)], [(2.0, 0.0, 1.0), (2.5, 2.0, 1.0), (3.5, 1.0, 1.0)])
    assert load.toll(4.0, 0.0, 1.0, 4.0) == pytest.approx(0.5 * 0.5 / 0.5 * (2 / 3) * 0.5)


def test_an_overloaded_server_is_capped_and_an_empty_one_is_free():
    # 30 s of work in 10 s on one server: rho capped at RHO_CAP, so n stays finite. A job of
    # x = 1 s: n = 1.0 (0 + 1/2) / (1 - 0.95) = 10 delayed, each losing L = 1 x 1/2 (d = 1,
    # h = 2): 5.0 by the delay count.
    assert RHO_CAP == 0.95  # the numbers here and below are worked with it
    load = loaded(1, [(10 + i, 3.0) for i in range(10)], [(19.5, 0.1, 1.0)])
    # But the job takes 1 s of a server whose jobs take xbar = 3 s: it displaces a third of
    # one, of quality qbar = 1.0 (the one served): the toll is the smaller, 1/3.
    assert load.toll(20.0, 0.0, 1.0, 4.0) == pytest.approx(1 / 3)
    # Behind a 2.5 s backlog the delay count is 1.0 (2.5 + 0.5) / 0.05 x 0.5 = 30 F1 for one
    # job; what it displaces is the same third.
    assert load.toll(20.0, 2.5, 1.0, 4.0) == pytest.approx(1 / 3)
    # A short job on the same server: n = 1.0 (0.005) / 0.05 = 0.1, L = 1 x 0.01/2: 0.0005 by
    # the delay count; but the server is saturated (30 s of work in 10 s, past RHO_CAP), where
    # the toll is what the job displaces, 0.01/3, larger or not.
    assert load.toll(20.0, 0.0, 0.01, 4.0) == pytest.approx(0.01 / 3)
    # Just under the cap (ten jobs of 0.94 s in 10 s: lam = 1/s, rho = 0.94) the smaller of the
    # two stands: n = 1.0 (0 + 0.005) / 0.06, L = 1 x 0.01/2 (slack 0.1 in [0, 2)): 0.000417,
    # against the 0.01 / 0.94 it displaces.
    under = loaded(1, [(10 + i, 0.94) for i in range(10)], [(19.5, 0.1, 1.0)])
    assert under.toll(20.0, 0.0, 0.01, 4.0) == pytest.approx(0.005 / 0.06 * 0.005)
    # Nothing served yet (no slack seen), or nothing entered: no evidence of a queue, no toll.
    assert loaded(1, [(19, 1.0)], []).toll(20.0, 0.0, 2.0, 4.0) == 0.0
    assert loaded(1, [], [(19, 0.1, 1.0)]).toll(20.0, 0.0, 2.0, 4.0) == 0.0


def test_a_saturated_server_whose_requests_are_late_still_charges_what_a_job_displaces():
    # Two GPUs, at t = 30: eight jobs of 2.5 s entered at 21..28: 20 s of work in 10 s on two
    # GPUs, rho = 1.0: saturated. Every request served in the window was late (slack -0.4 and
    # -1.2, q 0.8 and 0.6): the delay count finds none at risk and would say 0. A text job of
    # x = 2 s displaces x / xbar = 2 / 2.5 of a request of qbar = 0.7: 0.56.
    load = loaded(2, [(21 + i, 2.5) for i in range(8)], [(25, -0.4, 0.8), (27, -1.2, 0.6)])
    assert load.toll(30.0, 1.5, 2.0, 4.0) == pytest.approx(0.8 * 0.7)
    # The same load at half the work (rho = 0.5, not saturated): no request at risk, no toll.
    half = loaded(2, [(21 + i, 1.25) for i in range(8)], [(25, -0.4, 0.8), (27, -1.2, 0.6)])
    assert half.toll(30.0, 1.5, 2.0, 4.0) == 0.0


def test_the_bound_on_several_gpus_with_mixed_quality():
    # k = 3, at t = 30: six jobs of 6 s entered at 21..26: lam = 0.6/s, rho = 36/30 capped at
    # 0.95. Served: slack 0.3 (q 0.5) and 2.5 (q 0.9). A job of x = 3 s behind W = 1 s, D = 2:
    # n = 0.6 (1 + 0.95^2 x 3/6) / 0.05 = 17.415; d = 1, h = max(1, 1) = 1: L = 0.5/2 = 0.25;
    # the delay count 4.354. It displaces x / xbar = 3/6 of a job of qbar = (0.5 + 0.9)/2 = 0.7:
    # 0.35 (not divided by k: a job holds one GPU, and xbar is work on one GPU too).
    load = loaded(3, [(21 + i, 6.0) for i in range(6)], [(25, 0.3, 0.5), (26, 2.5, 0.9)])
    assert load.toll(30.0, 1.0, 3.0, 2.0) == pytest.approx(0.35)
    # On one GPU, the same: a server's units do not enter the bound.
    assert loaded(1, [(21 + i, 6.0) for i in range(6)], [(25, 0.3, 0.5), (26, 2.5, 0.9)]).toll(
        30.0, 1.0, 3.0, 2.0) == pytest.approx(0.35)


def test_jobs_without_work_do_not_enter_the_mean_job():
    # The edge: two text requests (no edge work) and two local decodes of 2 s entered in the
    # window: lam = 0.4/s, rho = 4/10 = 0.4. xbar is the mean over the jobs with work, 2 s (not
    # 1 s over all four): a 2 s decode displaces one request of quality 0.8 (not two).
    # The delay count behind W = 8 s: n = 0.4 (8 + 1) / 0.6 = 6, slack 0.5 at risk (d = 2,
    # h = 2): L = 0.8/2 = 0.4; 2.4 by the delay count: the bound, 0.8, is the toll.
    load = loaded(1, [(11, 0.0), (12, 2.0), (15, 0.0), (16, 2.0)], [(13, 0.5, 0.8), (17, 3.0, 0.8)])
    assert load.toll(20.0, 8.0, 2.0, 4.0) == pytest.approx(0.8)


def test_jobs_of_no_work_leave_the_delay_count_alone():
    # Two jobs entered with 0 s of work (rho = 0, lam = 0.2/s), a 1 s backlog reported: nothing
    # measured to displace, so the delay count stands: n = 0.2 (1 + 0.5) / 1 = 0.3, d = 1,
    # h = 2, slack 0.5 at risk (q 0.6, one of two served): L = 0.3 x 1/2 = 0.15; toll 0.045.
    load = loaded(1, [(12, 0.0), (15, 0.0)], [(13, 0.5, 0.6), (16, 3.0, 0.6)])
    assert load.toll(20.0, 1.0, 1.0, 4.0) == pytest.approx(0.3 * 0.15)


def sit(qualities, seconds, tolls, deadline_s=5.0):
    n = len(qualities)
    return Situation([f"m{i}" for i in range(n)], seconds, [0.0] * n, [0.0] * n, qualities, deadline_s,
                     tolls=tolls)


def test_priced_chooses_by_value_less_toll():
    # Two sure modes (nothing on the link, predicted on time): text q 0.80 toll 0.05 -> 0.75;
    # int8-like q 0.77 toll 0.01 -> 0.76. Unpriced: text (0.80 > 0.77); priced: the cheaper.
    assert parse_policy("expected_f1:priced,in_flight,decline").arg == "in_flight,decline,priced"
    priced, plain = build_policy("expected_f1:priced"), build_policy("expected_f1")
    assert priced.reads_tolls and not plain.reads_tolls
    assert plain.decide(sit([0.80, 0.77], [1.0, 1.0], [])) == 0
    assert priced.decide(sit([0.80, 0.77], [1.0, 1.0], [0.05, 0.01])) == 1
    # A toll larger than every value still leaves a choice among the modes of positive value
    # (the least bad: 0.80 - 0.9 = -0.10 against 0.77 - 0.95 = -0.18), never a sure miss.
    assert priced.decide(sit([0.80, 0.77], [1.0, 1.0], [0.9, 0.95])) == 0
    # A mode that misses (predicted 6 s > 5 s, nothing on the link: chance 0) is not chosen
    # for a low toll: value 0 is no value.
    assert priced.decide(sit([0.80, 0.77], [6.0, 1.0], [0.0, 0.5])) == 1


def watched(monkeypatch):
    """Lists that fill, as a run goes, with the clouds asked to keep their load, the
    situations expected_f1 decides on, and the agents built."""
    from scoutsim.sim.agent import Agent
    from scoutsim.sim.cloud import CloudQueue

    clouds, situations, agents = [], [], []
    track_load, decide, init = CloudQueue.track_load, build_policy("expected_f1").__class__.decide, Agent.__init__

    def tracked(self):
        clouds.append(self)
        return track_load(self)

    def seen(self, situation):
        situations.append(situation)
        return decide(self, situation)

    def built(self, *args, **kwargs):
        init(self, *args, **kwargs)
        agents.append(self)

    monkeypatch.setattr(CloudQueue, "track_load", tracked)
    monkeypatch.setattr(build_policy("expected_f1").__class__, "decide", seen)
    monkeypatch.setattr(Agent, "__init__", built)
    return clouds, situations, agents


def test_the_agent_measures_its_edge_and_the_cloud_for_a_priced_policy_only(monkeypatch):
    # Two groups on one cloud GPU: "a" priced, "b" static text. a's decisions get one toll per
    # option; the cloud's load holds b's jobs too (they queue on the same GPU), each with its
    # slack (deadline - end) and its mode's quality. Without the flag nothing is measured.
    from tests.conftest import small_scenario
    from tests.decisions.helpers import run

    clouds, situations, _ = watched(monkeypatch)
    data = small_scenario(replications=1, duration_s=40)
    # A deadline of 0.12 s against text's 0.075 s: slacks under h = 0.06 s, so a queue costs.
    a = dict(data["agents"][0], name="a", policy="expected_f1:priced", modes=["int8", "local", "text"],
             deadline_s=0.12)
    b = dict(a, name="b", policy="static:text", modes=["text"], arrival={"kind": "poisson", "rate_per_s": 2.0})
    df = run(dict(data, agents=[a, b]))
    assert situations and all(len(s.tolls) == 3 and min(s.tolls) >= 0 for s in situations)
    assert any(s.tolls[1] > 0 for s in situations)  # local: edge work only, so the edge's load
    assert any(s.tolls[2] > 0 for s in situations)  # text: cloud work only, so the cloud's
    (cloud,) = set(clouds)
    last = df[df["mode"] == "text"].sort_values("done_s").iloc[-1]
    t, slack, quality = cloud.load._served[-1]
    assert t == last["done_s"] and slack == pytest.approx(last["arrival_s"] + 0.12 - last["done_s"])
    assert quality == pytest.approx(0.803)  # text: the 14B cloud model's published F1

    clouds.clear(), situations.clear()
    run(dict(data, agents=[dict(a, policy="expected_f1:in_flight"), b]))
    assert not clouds and situations and all(s.tolls == () for s in situations)


def test_the_exact_slack_loss_of_cloud_priced_by_hand():
    # expected_f1:cloud_priced takes h = d (slack_span 0): a delay d costs exactly the requests
    # whose slack lies in [0, d), each its whole quality. The cloud of the test above (k = 3,
    # lam = 0.6/s, rho = 0.5, n = 0.6 (0.25 x 1.5 / 6) / 0.5 = 0.075 for a 1.5 s text job, d =
    # 0.5 s): of the served slacks 0.3 (q 0.7) and 2.5 (q 0.9), only 0.3 is under 0.5:
    # L = 0.7 / 2 = 0.35 (the spread form gave 0.175 with h = 1). toll = 0.075 x 0.35.
    load = loaded(3, [(21 + i, 2.5) for i in range(6)], [(25, 0.3, 0.7), (26, 2.5, 0.9)])
    assert load.toll(30.0, 0.0, 1.5, 2.0, slack_span=0.0) == pytest.approx(0.075 * 0.35)
    # A delay shorter than every slack costs nothing, however loaded the server: a 0.6 s job
    # delays by d = 0.2 s, and no served request had a slack under 0.2 s.
    assert load.toll(30.0, 0.0, 0.6, 2.0, slack_span=0.0) == 0.0
    # ... where the spread form (h = max(1, 0.2) = 1) charges the 0.3 s request for a fifth of
    # its quality: L = 0.7 / 2 x 0.2 / 1 = 0.07, n = 0.6 (0.25 x 0.6 / 6) / 0.5 = 0.03.
    assert load.toll(30.0, 0.0, 0.6, 2.0) == pytest.approx(0.03 * 0.07)


def test_a_plugin_that_reads_tolls_without_naming_servers_prices_both(monkeypatch):
    # A policy from before tolls_on (reads_tolls only) keeps what it got then: the edge's and
    # the cloud's tolls.
    from scoutsim.sim.agent import Agent
    from tests.conftest import small_scenario
    from tests.decisions.helpers import run

    _, situations, agents = watched(monkeypatch)
    cls = build_policy("expected_f1").__class__
    init = cls.__init__

    def old_style(self, arg=None):
        init(self, arg)
        self.reads_tolls, self.tolls_on = True, ()

    monkeypatch.setattr(cls, "__init__", old_style)
    data = small_scenario(replications=1, duration_s=40)
    a = dict(data["agents"][0], name="a", policy="expected_f1", modes=["int8", "local", "text"], deadline_s=0.12)
    b = dict(a, name="b", policy="static:text", modes=["text"], arrival={"kind": "poisson", "rate_per_s": 2.0})
    run(dict(data, agents=[a, b]))
    mine = [ag for ag in agents if isinstance(ag.policy, cls)]
    assert mine and all(isinstance(ag, Agent) and ag.edge_load is not None for ag in mine)
    assert any(s.tolls and s.tolls[1] > 0 for s in situations)  # local: the edge's toll


def test_cloud_priced_flags():
    assert parse_policy("expected_f1:cloud_priced,in_flight,decline").arg == "in_flight,decline,cloud_priced"
    cloud, edge_and_cloud = build_policy("expected_f1:cloud_priced"), build_policy("expected_f1:priced")
    assert cloud.reads_tolls and cloud.tolls_on == ("cloud",) and cloud.exact_slack
    assert edge_and_cloud.tolls_on == ("edge", "cloud") and not edge_and_cloud.exact_slack
    with pytest.raises(ValueError, match="priced or cloud_priced, not both"):
        parse_policy("expected_f1:priced,cloud_priced")


def test_cloud_priced_measures_the_cloud_only(monkeypatch):
    # As above, with expected_f1:cloud_priced: the cloud's load is kept, the edge's is not,
    # and local (edge work only) carries no toll.
    from tests.conftest import small_scenario
    from tests.decisions.helpers import run

    from scoutsim.sim.congestion import Load

    clouds, situations, agents = watched(monkeypatch)
    spans, toll = [], Load.toll

    def spanned(self, now, wait, seconds, deadline_s, slack_span=0.5):
        spans.append(slack_span)
        return toll(self, now, wait, seconds, deadline_s, slack_span)

    monkeypatch.setattr(Load, "toll", spanned)
    data = small_scenario(replications=1, duration_s=40)
    a = dict(data["agents"][0], name="a", policy="expected_f1:cloud_priced", modes=["int8", "local", "text"],
             deadline_s=0.12)
    b = dict(a, name="b", policy="static:text", modes=["text"], arrival={"kind": "poisson", "rate_per_s": 2.0})
    run(dict(data, agents=[a, b]))
    assert clouds and situations and all(len(s.tolls) == 3 for s in situations)
    assert all(s.tolls[1] == 0.0 for s in situations)  # local: no edge toll
    assert any(s.tolls[2] > 0 for s in situations)  # text: the cloud's
    priced = [ag for ag in agents if ag.policy.reads_tolls]
    assert priced and all(ag.edge_load is None for ag in priced)
    assert spans and set(spans) == {0.0}  # h = d: the exact slack
    # ... where expected_f1:priced passes the spread, half the deadline
    spans.clear()
    run(dict(data, agents=[dict(a, policy="expected_f1:priced"), b]))
    assert spans and set(spans) == {0.5}
