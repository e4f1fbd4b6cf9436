"""estimator_warmup: a learned rate estimate stays the prior until the device's transfers add
up to the warm-up's bytes or seconds (ExoPlayer's DefaultBandwidthMeter rule)."""

from __future__ import annotations

import pytest

from scoutsim.decisions.estimators import build_estimator
from tests.conftest import small_scenario
from tests.decisions.helpers import run


def test_the_estimate_is_the_prior_until_either_threshold_is_reached():
    e = build_estimator("harmonic", 1e6, probe=lambda: 0.0, warmup=(524288, 2.0))
    e.observe(1000, 0.001)  # 1e6 B/s, but 1000 B and 1 ms: not enough of either
    assert e.estimate() == 1e6 and not e.warm
    e.observe(600_000, 0.2)  # 601,000 B >= 524,288 B: warm; 3e6 B/s
    assert e.warm
    # The wrapped harmonic mean saw both: 2 / (1/1e6 + 1/3e6) = 1.5e6.
    assert e.estimate() == pytest.approx(1.5e6)

    slow = build_estimator("harmonic", 1e6, probe=lambda: 0.0, warmup=(524288, 2.0))
    slow.observe(1000, 1.5)
    assert slow.estimate() == 1e6
    slow.observe(1000, 0.5)  # 2 s on the link: warm by time; harmonic of 1000/1.5 and 2000 B/s
    assert slow.estimate() == pytest.approx(2 / (1.5 / 1000 + 0.5 / 1000))


def test_estimates_that_are_not_learned_are_not_held_back():
    oracle = build_estimator("oracle", 1e6, probe=lambda: 7e6, warmup=(524288, 2.0))
    assert oracle.estimate() == 7e6  # it knows the rate; nothing to warm up


def _scout_device(**group):
    """Devices a and b share a constant 8 Mbps work-conserving link (prior: 4 Mbps each,
    half the mean capacity); a sends scout@0.5 (a few hundred bytes) once a second and b
    never sends within the run, so each of a's transfers crosses the link alone at 8 Mbps."""
    data = small_scenario(duration_s=30, replications=1,
                          uplinks=[{"id": "cell", "channel": {"kind": "constant", "mbps": 8}, "allocator": "equal",
                                    "sharing": "work_conserving", "latency_ms": 5}])
    g = data["agents"][0]
    g.update({"count": 1, "name": "a", "policy": "static:scout@0.5", "modes": [], "edge_slowdown": 1.0,
              "arrival": {"kind": "periodic", "period_s": 1.0, "offset_s": 0.1}, **group})
    b = dict(g, name="b", arrival={"kind": "periodic", "period_s": 1000.0, "offset_s": 999.0})
    b.pop("estimator_warmup", None)
    data["agents"] = [g, b]
    return run(data)


def test_without_a_warm_up_the_first_tiny_transfer_sets_the_estimate():
    df = _scout_device()
    a = df[df.group == 0].sort_values("arrival_s")
    assert a.est_rate_mbps.iloc[0] == pytest.approx(4.0)  # the prior
    assert a.est_rate_mbps.iloc[1:].to_numpy() == pytest.approx(8.0)  # measured alone on the link


def test_the_warm_up_holds_the_prior_until_the_bytes_add_up():
    df = _scout_device(estimator_warmup={"bytes": 2000, "seconds": 100})
    a = df[df.group == 0].sort_values("arrival_s")
    sizes = a.payload_bytes.to_numpy()
    assert sizes.max() < 2000  # several transfers are needed
    # Request k is decided after requests 0..k-1 ended (1 s apart, each well under a second):
    # its estimate is the measured rate once their payloads add up to 2000 bytes.
    before = [sum(sizes[:k]) for k in range(len(sizes))]
    expected = [8.0 if b >= 2000 else 4.0 for b in before]
    assert 4.0 in expected and 8.0 in expected
    assert a.est_rate_mbps.to_numpy() == pytest.approx(expected)


def test_the_default_warm_up_is_never_reached_by_scout_alone():
    df = _scout_device(estimator_warmup={})
    a = df[df.group == 0]
    assert a.payload_bytes.sum() < 524288 and len(a) == 30
    assert a.est_rate_mbps.to_numpy() == pytest.approx(4.0)


def test_a_policy_is_told_no_errors_of_an_estimate_held_at_the_prior(monkeypatch):
    # expected_f1 learns ln(actual / estimate) of each transfer chosen with an informed
    # estimate. While the warm-up holds the estimate at the prior, nothing is told, as before
    # the first transfer: requests 0-13 (the 145-byte payloads of requests 0-12 add up to
    # 1,885 < 2,000 bytes when request 13 is decided); from request 14 on, the measured 8 Mbps
    # is the estimate and each transfer gets it exactly (ratio 1).
    from scoutsim.decisions.expected_f1 import ExpectedF1

    told = []
    monkeypatch.setattr(ExpectedF1, "record", lambda self, option, ratio: told.append(ratio))
    df = _scout_device(policy="expected_f1", modes=["scout@0.5"], estimator_warmup={"bytes": 2000, "seconds": 100})
    a = df[df.group == 0].sort_values("arrival_s")
    assert (a.payload_bytes == 145).all() and len(a) == 30
    assert len(told) == 30 - 14 and told == pytest.approx([1.0] * 16)
    told.clear()
    _scout_device(policy="expected_f1", modes=["scout@0.5"])
    assert len(told) == 30 - 1  # without it only the first, chosen with the prior, is not told
