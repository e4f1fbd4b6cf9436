"""estimator_prior: offer: before a device's first transfer (and while a warm-up holds the
estimate back) its rate estimate is the rate a transfer joining the link now would get, not
its share of the mean capacity."""

from __future__ import annotations

import pytest

from scoutsim.decisions.estimators import build_estimator
from tests.conftest import small_scenario
from tests.decisions.helpers import run
from tests.decisions.test_warmup import _scout_device


def test_the_offer_stands_in_for_the_prior_until_the_first_observation():
    offers = iter([3e6, 5e6])
    e = build_estimator("harmonic", 1e6, probe=lambda: next(offers), offered=True)
    assert e.estimate() == 3e6 and not e.warm
    assert e.estimate_after(0.04) == 5e6  # read at each decision
    e.observe(0, 0.5)  # nothing acknowledged: still no observation
    assert not e.warm
    e.observe(2e6, 1.0)
    assert e.warm and e.estimate() == 2e6  # the harmonic mean of its one sample


def test_an_offer_of_nothing_falls_back_to_the_share():
    e = build_estimator("harmonic", 1e6, probe=lambda: 0.0, offered=True)
    assert e.estimate() == 1e6


def test_with_a_warm_up_the_offer_holds_until_the_warm_up_is_reached():
    e = build_estimator("harmonic", 1e6, probe=lambda: 7e6, warmup=(524288, 2.0), offered=True)
    e.observe(1000, 0.001)
    assert e.estimate() == 7e6 and not e.warm
    e.observe(600_000, 0.2)  # warm: 2 / (1/1e6 + 1/3e6)
    assert e.warm and e.estimate() == pytest.approx(1.5e6)


def test_robust_mpc_judges_its_first_transfer_against_the_offer_it_was_decided_with():
    # Offered 8e6 and observed 8e6: no error, so no discount: the estimate is 8e6. Against the
    # share prior (1e6) the error would be |1e6 - 8e6| / 8e6 = 0.875 and the estimate 8e6 / 1.875.
    e = build_estimator("robust_mpc", 1e6, probe=lambda: 8e6, offered=True)
    assert e.estimate() == 8e6
    e.observe(8e6, 1.0)
    assert e.estimate() == pytest.approx(8e6)
    share = build_estimator("robust_mpc", 1e6, probe=lambda: 8e6)
    share.observe(8e6, 1.0)
    assert share.estimate() == pytest.approx(8e6 / 1.875)


def test_an_estimate_that_is_not_learned_is_left_alone():
    oracle = build_estimator("oracle", 1e6, probe=lambda: 7e6, offered=True)
    assert type(oracle).__name__ == "Oracle"


def test_a_lone_first_transfer_is_offered_the_whole_link():
    # a and b share 8 Mbps; b never sends: the share prior says 4 Mbps, the offer 8 Mbps.
    a = _scout_device(estimator_prior="offer").query("group == 0")
    assert a.est_rate_mbps.to_numpy() == pytest.approx(8.0)


def test_a_first_transfer_that_would_share_is_offered_its_part():
    # b sends one int8 KV cache at t = 0 (megabytes: seconds at 8 Mbps); a's first request at
    # t = 0.1 would join it, two transfers splitting 8 Mbps: offered 4 Mbps. A third device,
    # c, never sends: the share prior would be 8 / 3 Mbps.
    data = small_scenario(duration_s=3, replications=1,
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 8}, "allocator": "equal",
                                    "sharing": "work_conserving", "latency_ms": 5}])
    a = data["agents"][0]
    a.update({"count": 1, "name": "a", "policy": "static:scout@0.5", "modes": [], "edge_slowdown": 1.0,
              "arrival": {"kind": "periodic", "period_s": 10.0, "offset_s": 0.1}, "estimator_prior": "offer"})
    b = dict(a, name="b", policy="static:int8", arrival={"kind": "periodic", "period_s": 10.0, "offset_s": 0.0})
    c = dict(a, name="c", arrival={"kind": "periodic", "period_s": 1000.0, "offset_s": 999.0})
    data["agents"] = [a, b, c]
    df = run(data)
    first_a, first_b = (df[df.group == g].sort_values("arrival_s").iloc[0] for g in (0, 1))
    assert first_b.tx_start_s < first_a.arrival_s < first_b.tx_end_s  # b's transfer is under way
    assert first_a.est_rate_mbps == pytest.approx(4.0)
    assert first_b.est_rate_mbps == pytest.approx(8.0)  # b went first, alone


def test_a_policy_is_told_no_error_of_the_offered_estimate(monkeypatch):
    # While a warm-up holds it, the estimate is the offer (8 Mbps, the device alone), not the
    # learned one: requests 0-13 are not told (the 145-byte payloads of requests 0-12 add up to
    # 1,885 < 2,000 bytes when request 13 is decided), though transfers have been observed.
    from scoutsim.decisions.expected_f1 import ExpectedF1

    told = []
    monkeypatch.setattr(ExpectedF1, "record", lambda self, option, ratio: told.append(ratio))
    df = _scout_device(policy="expected_f1", modes=["scout@0.5"], estimator_prior="offer",
                       estimator_warmup={"bytes": 2000, "seconds": 100})
    a = df[df.group == 0]
    assert (a.payload_bytes == 145).all() and len(a) == 30
    assert a.est_rate_mbps.to_numpy() == pytest.approx(8.0)
    assert len(told) == 30 - 14 and told == pytest.approx([1.0] * 16)


def test_a_fallback_plans_with_the_offer_its_request_was_decided_with():
    # A device alone on 8 Mbps is offered 8 Mbps. Its +fallback plan is made once its own
    # transfer has joined the link; read then, the offer would be 4 Mbps.
    from scoutsim.sim.fallback import Fallback

    rates = []
    original = Fallback._after_edge

    def after_edge(self, q, k, rate):  # rate: the plan's rate x its conservative factor
        rates.append(rate / self.factor())
        return original(self, q, k, rate)

    import unittest.mock as mock
    with mock.patch.object(Fallback, "_after_edge", after_edge):
        df = _scout_device(policy="expected_f1+fallback", modes=["int8", "scout@0.5"], estimator_prior="offer")
    first = df[df.group == 0].sort_values("arrival_s").iloc[0]
    assert first.est_rate_mbps == pytest.approx(8.0)
    assert rates and rates[0] == pytest.approx(8e6 / 8)  # bytes per second
