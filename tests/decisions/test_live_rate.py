"""expected_f1:live: the rate estimate capped by the rate the device's own transfers get now."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from scoutsim.decisions.policy import build_policy, parse_policy
from scoutsim.sim.agent import Agent
from tests.conftest import small_scenario
from tests.decisions.helpers import run


def test_live_is_a_flag_of_expected_f1():
    assert parse_policy("expected_f1:live,in_flight,decline").arg == "in_flight,decline,live"
    assert build_policy("expected_f1:live").live_rate
    assert not build_policy("expected_f1:in_flight").live_rate
    assert not build_policy("adaptive").live_rate


def test_the_fastest_transfer_on_the_link_sets_the_cap():
    # Six requests in flight: two on the link at 2e5 and 3e5 B/s, one whose transfer ended,
    # one still on the edge (no transfer yet), one the link does not hold (not on the fluid
    # link yet), one in a cell's HARQ tail (its last byte sent: 0 left, rate inf, which shows
    # nothing of the link): the cap is the faster of the two sending, whatever their order.
    # None sending: no cap (inf).
    on = {}

    def transfer(got, triggered=False):
        ev = SimpleNamespace(triggered=triggered)
        on[id(ev)] = got
        return ev

    reqs = {1: SimpleNamespace(on_link=transfer((1e6, 2e5))), 2: SimpleNamespace(on_link=transfer((1e6, 3e5))),
            3: SimpleNamespace(on_link=transfer((1e6, 9e5), triggered=True)), 4: SimpleNamespace(on_link=None),
            5: SimpleNamespace(on_link=transfer(None)), 6: SimpleNamespace(on_link=transfer((0.0, math.inf)))}
    fake = SimpleNamespace(in_flight=reqs, link=SimpleNamespace(remaining=lambda ev: on[id(ev)], online=None), slot=0)
    assert Agent.live_rate(fake) == 3e5
    fake.in_flight = dict(reversed(list(reqs.items())))
    assert Agent.live_rate(fake) == 3e5
    fake.in_flight = {k: reqs[k] for k in (3, 4, 5, 6)}
    assert math.isinf(Agent.live_rate(fake))
    # Under an online allocator (deadline, joint) a transfer may be held at 0 while a new one
    # would be served at once: the cap is then at least a new transfer's rate now, 5e4 B/s.
    held = {1: SimpleNamespace(on_link=transfer((1e6, 0.0)))}
    online = SimpleNamespace(remaining=lambda ev: on[id(ev)], online=object(), rate_if_joined=lambda slot: 5e4)
    assert Agent.live_rate(SimpleNamespace(in_flight=held, link=online, slot=0)) == 5e4
    assert Agent.live_rate(SimpleNamespace(in_flight=held, link=fake.link, slot=0)) == 0.0


def test_a_device_whose_transfer_is_stuck_does_not_send_at_the_old_rate(tmp_path):
    # The link carries 80 Mbps until t = 1 s, then 0.8 Mbps (1e5 B/s) for good. One device, a
    # request at t = 0.9 s and one at t = 2.0 s, int8 or int4, a 60 s deadline. The first
    # goes int8 (4,950,464 B): its transfer starts after the edge's prefill, at about 0.92 s,
    # sends about 0.8 MB by t = 1 s and the rest at 1e5 B/s: at t = 2 s it is still on the link
    # (the 4.1 MB left need some 40 s). No transfer has ended, so
    # the estimator still holds its prior; with :live the second request is decided at the
    # rate the first one gets now, 0.8 Mbps.
    trace = tmp_path / "drop.csv"
    trace.write_text("time_s,mbps\n0,80\n1,0.8\n")
    data = small_scenario(replications=1, duration_s=2.5)
    data["uplinks"][0]["channel"] = {"kind": "trace", "path": str(trace), "loop": False}
    group = dict(data["agents"][0], count=1, edge_slowdown=1.0, deadline_s=60.0, modes=["int8", "int4"],
                 arrival={"kind": "periodic", "period_s": 1.1, "offset_s": 0.9})
    rates = {}
    for policy in ("expected_f1", "expected_f1:live"):
        df = run(dict(data, agents=[dict(group, policy=policy)])).sort_values("arrival_s")
        assert list(df["arrival_s"]) == pytest.approx([0.9, 2.0])
        first = df.iloc[0]
        assert first["mode"] == "int8" and first["tx_start_s"] < 1.0
        assert first["tx_end_s"] > 30.0 or math.isnan(first["tx_end_s"])
        rates[policy] = df.iloc[1]["est_rate_mbps"]
    assert rates["expected_f1:live"] == pytest.approx(0.8)
    assert rates["expected_f1"] > 10 * 0.8  # the prior, a share of the trace's mean capacity
