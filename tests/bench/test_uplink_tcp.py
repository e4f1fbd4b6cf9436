"""The uplink's TCP option (scoutsim/network/tcp.py wired into SharedUplink), against finish times
worked out by hand; without the option the uplink is the plain fluid model."""

from __future__ import annotations

import math

import pytest
import simpy

from scoutsim.network.tcp import TcpModel
from scoutsim.network.uplink import SharedUplink

MSS = 1448
W0 = 10 * MSS


def tcp_model(rtt_s, **kw):
    """Headers aside (header=0): the hand-worked numbers count payload bytes only."""
    return TcpModel(rtt_s, header=0, **kw)


def finish_times(tcp, sends, capacity_mbps=100.0, weights=None, sharing="work_conserving"):
    env = simpy.Environment()
    n = 1 + max(slot for slot, _, _ in sends)
    link = SharedUplink(env, weights or [1.0] * n, sharing, tcp=tcp)
    link.set_capacity(capacity_mbps)
    out = [None] * len(sends)

    def one(i, slot, size, at):
        yield env.timeout(at)
        yield link.send(slot, size)
        out[i] = env.now

    for i, s in enumerate(sends):
        env.process(one(i, *s))
    env.run()
    return out, link


def test_without_the_option_nothing_changes():
    plain, _ = finish_times(None, [(0, 1e6, 0.0)])
    assert plain[0] == pytest.approx(1e6 / 12.5e6)


def test_headers_make_the_same_payload_take_longer():
    # Handshake and slow start off (RTT 0): 1448 payload bytes need 1500 on the wire.
    t, link = finish_times(TcpModel(0.0), [(0, 1448e3, 0.0)])
    assert t[0] == pytest.approx(1500e3 / 12.5e6)
    assert link.bytes_sent == pytest.approx(1500e3)


def test_lone_short_flow_pays_handshake_and_slow_start_rounds():
    # 50 kB at 12.5 MB/s, RTT 40 ms: the handshake, rounds of 10 and 20 segments (3 W0),
    # then the last 50,000 - 3 W0 bytes at the full rate.
    t, _ = finish_times(tcp_model(0.04), [(0, 50_000, 0.0)])
    assert t[0] == pytest.approx(0.04 + 2 * 0.04 + (50_000 - 3 * W0) / 12.5e6)


def test_a_flow_ramps_against_the_flows_already_ramping():
    # Two 1 MB flows start at once. The first sees an empty link (pipe 500 kB: 6 rounds,
    # 63 W0); the second counts the first one's ramp and expects half (pipe 250 kB: 5
    # rounds, 31 W0), so it joins the fluid link first and has it alone for a while.
    tcp = tcp_model(0.04)
    t, _ = finish_times(tcp, [(0, 1e6, 0.0), (1, 1e6, 0.0)])
    d0 = 0.04 + 6 * 0.04 - 63 * W0 / 12.5e6
    d1 = 0.04 + 5 * 0.04 - 31 * W0 / 6.25e6
    assert (d0, 1e6) == pytest.approx(tcp.ramp(1e6, 12.5e6))
    left1 = 1e6 - (d0 - d1) * 12.5e6  # alone until the first joins, then half each
    end1 = d0 + left1 / 6.25e6
    end0 = end1 + (1e6 - left1) / 12.5e6
    assert t == pytest.approx([end0, end1])


def test_loss_caps_every_flow_and_the_rest_of_the_capacity_is_shared():
    tcp = tcp_model(0.04, loss=0.01)
    cap = tcp.rate_cap  # about 0.61 MB/s, far below an equal share of 12.5 MB/s
    t, link = finish_times(tcp, [(0, 5e6, 0.0), (1, 5e6, 0.0)])
    delay, fluid = tcp.ramp(5e6, 6.25e6)
    assert t == pytest.approx([delay + fluid / cap] * 2)
    assert link.bytes_sent == pytest.approx(1e7)


def test_rate_if_joined_knows_the_loss_cap():
    tcp = tcp_model(0.04, loss=0.01)
    env = simpy.Environment()
    link = SharedUplink(env, [1.0], "work_conserving", tcp=tcp)
    link.set_capacity(100)
    assert link.rate_if_joined(0) == pytest.approx(tcp.rate_cap)


def test_reserved_slices_are_capped_too():
    tcp = tcp_model(0.04, loss=0.01)
    t, _ = finish_times(tcp, [(0, 5e6, 0.0)], weights=[1.0, 1.0], sharing="reserved")
    delay, fluid = tcp.ramp(5e6, 6.25e6)
    assert t[0] == pytest.approx(delay + fluid / min(6.25e6, tcp.rate_cap))
    assert not math.isnan(t[0])


def test_scenario_tcp_block_reaches_the_uplink():
    from scoutsim.bench.scenarios import identity_base, resolve
    from scoutsim.sim.world import World

    # The main scenario as it was with a first-token deadline: its agents' first transfers do not
    # overlap differently with and without TCP, which the comparison below relies on.
    data = dict(identity_base(), replications=1, duration_s=60)
    # Without local: on the corrected published cache local scores bf16's F1 with no bytes to
    # send, so adaptive agents offered it never use the uplink this test is about.
    data["agents"] = [dict(a, modes=[m for m in a["modes"] if m != "local"]) for a in data["agents"]]
    plain = World(resolve(data), 0).run()
    data["uplinks"] = [dict(data["uplinks"][0], tcp={"loss": 0.001})]
    world = World(resolve(data), 0)
    link = world.links["cell0"]
    assert link.tcp.rtt_s == pytest.approx(0.04)  # twice the 20 ms one-way latency
    assert link.tcp.loss == 0.001
    tcp = world.run()
    sent = plain["tx_start_s"].notna() & tcp["tx_start_s"].notna()
    assert sent.any()
    # The run's first transfer starts on an idle link both ways (arrivals and edge compute do
    # not depend on TCP), and TCP's handshake and slow start make it take longer. Later
    # transfers share the link with different neighbours in the two runs, so they are not
    # comparable one to one.
    first = tcp[sent].sort_values("tx_start_s").index[:1]
    assert ((tcp.loc[first, "tx_end_s"] - tcp.loc[first, "tx_start_s"])
            > (plain.loc[first, "tx_end_s"] - plain.loc[first, "tx_start_s"])).all()


def test_bad_tcp_block_is_one_clear_error():
    from scoutsim.bench.scenarios import main_dict, resolve
    from scoutsim.errors import UserError

    data = dict(main_dict(), uplinks=[dict(main_dict()["uplinks"][0], tcp={"loss": 1.5})])
    with pytest.raises(UserError, match=r"uplinks\[0\]\.tcp\.loss"):
        resolve(data)
