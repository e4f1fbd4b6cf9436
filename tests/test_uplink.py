"""The shared uplink's fluid physics, against finish times worked out by hand.

Units: 1 Mbps = 125,000 bytes/s, so 80 Mbps = 10^7 bytes/s = 10 MB/s.
"""

from __future__ import annotations

import pytest
import simpy

from scoutsim.network.link import follow
from scoutsim.network.uplink import SharedUplink

MB = 1e6


def run_link(weights, sharing, capacity_changes, sends):
    """sends: (slot, bytes, start time). Returns finish times in the order of ``sends``."""
    env = simpy.Environment()
    link = SharedUplink(env, weights, sharing)
    env.process(follow(env, link.set_capacity, iter(capacity_changes)))
    finish = [None] * len(sends)

    def one(i, slot, size, at):
        yield env.timeout(at)
        yield link.send(slot, size)
        finish[i] = env.now

    for i, (slot, size, at) in enumerate(sends):
        env.process(one(i, slot, size, at))
    env.run(until=1000)
    return finish


def test_two_transfers_start_together_equal_weights():
    # Each gets 5 MB/s: 10 MB done at 2 s; then 30-10 = 20 MB alone at 10 MB/s: 4 s.
    f = run_link([1, 1], "work_conserving", [(0, 80)], [(0, 10 * MB, 0), (1, 30 * MB, 0)])
    assert f == pytest.approx([2.0, 4.0], abs=1e-9)


def test_capacity_steps_mid_transfer():
    # 20 MB alone: 1 s at 10 MB/s leaves 10 MB, then 5 MB/s for 2 s.
    f = run_link([1], "work_conserving", [(0, 80), (1.0, 40)], [(0, 20 * MB, 0)])
    assert f[0] == pytest.approx(3.0, abs=1e-9)


def test_capacity_outage_pauses_transfers():
    # 10 MB/s for 0.5 s (5 MB), nothing for 1 s, then 10 MB/s for the other 5 MB: 2.0 s.
    f = run_link([1], "work_conserving", [(0, 80), (0.5, 0), (1.5, 80)], [(0, 10 * MB, 0)])
    assert f[0] == pytest.approx(2.0, abs=1e-9)


def test_unequal_weights():
    # Weights 1:3 split 10 MB/s as 2.5 and 7.5. The heavy one's 10 MB ends at 4/3 s; the
    # light one has sent 2.5 * 4/3 = 10/3 MB and sends the remaining 20/3 MB alone: 2.0 s.
    f = run_link([1, 3], "work_conserving", [(0, 80)], [(0, 10 * MB, 0), (1, 10 * MB, 0)])
    assert f == pytest.approx([2.0, 4.0 / 3.0], abs=1e-9)


def test_late_arrival_joins_and_rates_are_reshared():
    # A alone 0.5 s (5 MB sent), then 5 MB/s each: A's last 5 MB end at 1.5 s, B has sent
    # 5 MB by then and sends 5 MB more alone: 2.0 s.
    f = run_link([1, 1], "work_conserving", [(0, 80)], [(0, 10 * MB, 0), (1, 10 * MB, 0.5)])
    assert f == pytest.approx([1.5, 2.0], abs=1e-9)


def test_same_agent_transfers_share_its_weight_per_transfer():
    # Work-conserving shares by transfer: three transfers of weights 1, 1 (agent 0 twice)
    # and 2 (agent 1) get 2.5, 2.5 and 5 MB/s.
    f = run_link([1, 2], "work_conserving", [(0, 80)],
                 [(0, 5 * MB, 0), (0, 5 * MB, 0), (1, 10 * MB, 0)])
    assert f == pytest.approx([2.0, 2.0, 2.0], abs=1e-9)


def test_reserved_slice_leaves_capacity_idle():
    # Two agents, equal weights, reserved: agent 0 owns 5 MB/s even while agent 1 is idle.
    f = run_link([1, 1], "reserved", [(0, 80)], [(0, 10 * MB, 0)])
    assert f[0] == pytest.approx(2.0, abs=1e-9)
    wc = run_link([1, 1], "work_conserving", [(0, 80)], [(0, 10 * MB, 0)])
    assert wc[0] == pytest.approx(1.0, abs=1e-9)


def test_reserved_slices_are_independent_and_split_within_an_agent():
    # Weights 1:3 -> slices 2.5 and 7.5 MB/s. Agent 1's two transfers split 7.5 (3.75 each):
    # 7.5 MB each end at 2.0 s. Agent 0's 5 MB at 2.5 MB/s end at 2.0 s, untouched by agent 1.
    f = run_link([1, 3], "reserved", [(0, 80)],
                 [(0, 5 * MB, 0), (1, 7.5 * MB, 0), (1, 7.5 * MB, 0)])
    assert f == pytest.approx([2.0, 2.0, 2.0], abs=1e-9)


def test_many_simultaneous_finishes_do_not_stall():
    # 1000 equal transfers of 1 kB at 8 Mbps (10^6 B/s) all end together at 1.0 s.
    f = run_link([1] * 10, "work_conserving", [(0, 8)], [(i % 10, 1000.0, 0) for i in range(1000)])
    assert f == pytest.approx([1.0] * 1000, abs=1e-9)


def test_rate_if_joined():
    env = simpy.Environment()
    link = SharedUplink(env, [1, 3], "work_conserving")
    link.set_capacity(80)
    assert link.rate_if_joined(0) == pytest.approx(10 * MB)
    link.send(1, 100 * MB)
    assert link.rate_if_joined(0) == pytest.approx(10 * MB * 1 / 4)
    reserved = SharedUplink(env, [1, 3], "reserved")
    reserved.set_capacity(80)
    assert reserved.rate_if_joined(0) == pytest.approx(2.5 * MB)


def test_cancel_returns_bytes_sent_and_frees_the_capacity():
    # 80 Mbps = 10 MB/s shared by two equal transfers of 30 MB: 5 MB/s each. At t = 2 s
    # transfer 0 is cancelled after 10 MB; transfer 1 has 20 MB left, alone at 10 MB/s: 4.0 s.
    env = simpy.Environment()
    link = SharedUplink(env, [1, 1], "work_conserving")
    link.set_capacity(80)
    first = link.send(0, 30 * MB)
    second = link.send(1, 30 * MB)
    sent = {}

    def stop():
        yield env.timeout(2.0)
        sent["first"] = link.cancel(first)

    env.process(stop())
    env.run(until=second)
    assert sent["first"] == pytest.approx(10 * MB, rel=1e-12)
    assert env.now == pytest.approx(4.0, abs=1e-9)
    assert not first.triggered
    assert link.cancel(second) == 0.0  # finished: nothing to stop
    assert link.bytes_sent == pytest.approx(40 * MB, rel=1e-12)
