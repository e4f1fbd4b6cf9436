"""Online allocators on the exact fluid uplink: hand-worked EDF schedules and joint grants."""

from __future__ import annotations

import math

import pytest
import simpy

from scoutsim.decisions.allocators import ALLOCATORS, build_allocator
from scoutsim.decisions.online import EarliestDeadline, grant
from scoutsim.network.uplink import SharedUplink

MB = 1e6
# 80 Mbps = 10 MB/s: every hand-worked time below is bytes / 10 MB/s.
MBPS = 80.0


def run_transfers(transfers, sharing="work_conserving", weights=None, rule=EarliestDeadline()):
    """transfers: (slot, bytes, due) all joining at t = 0; returns each one's finish time."""
    env = simpy.Environment()
    n = max(s for s, _, _ in transfers) + 1
    link = SharedUplink(env, weights or [1.0] * n, sharing)
    link.set_capacity(MBPS)
    link.set_online(rule)
    finished = {}
    for k, (slot, size, due) in enumerate(transfers):
        link.send(slot, size, due).callbacks.append(lambda ev, k=k: finished.__setitem__(k, env.now))
    env.run()
    return [finished[k] for k in range(len(transfers))]


def test_edf_orders_three_transfers_by_due_time():
    # A 10 MB due 6 s, B 5 MB due 2 s, C 20 MB due 10 s, all at t = 0 on a 10 MB/s link.
    # EDF serves B alone (0.5 s), then A (10 MB: +1.0 s -> 1.5 s), then C (20 MB: +2.0 s -> 3.5 s).
    # Processor sharing would finish B at 1.5 s (5 MB at a third of 10 MB/s).
    done = run_transfers([(0, 10 * MB, 6.0), (1, 5 * MB, 2.0), (2, 20 * MB, 10.0)])
    assert done == pytest.approx([1.5, 0.5, 3.5], abs=1e-9)


def test_edf_serves_a_hopeless_transfer_last():
    # D (50 MB due 0.1 s) cannot make it even alone (needs 5 s): it waits behind A, B, C
    # (done at 3.5 s) and then gets the whole link: 3.5 + 5.0 = 8.5 s. Served first, it
    # would have made B, A and C late as well (the domino effect).
    done = run_transfers([(0, 10 * MB, 6.0), (1, 5 * MB, 2.0), (2, 20 * MB, 10.0), (3, 50 * MB, 0.1)])
    assert done == pytest.approx([1.5, 0.5, 3.5, 8.5], abs=1e-9)


def test_edf_keeps_a_rounding_residue_at_its_due_time_first():
    # At t = 600 s on a 1e8 B/s pool, a transfer due now keeps 1e-5 bytes: what floating point
    # leaves of a transfer that ends exactly at its due time (capacity x ulp(600) = 1.1e-5 B).
    # Its time left is 0, so a relative margin alone would call it hopeless and serve it after
    # the 100 MB transfer due at 602 s.
    edf = EarliestDeadline()
    assert edf.rank([1e-5, 1e8], [600.0, 602.0], [1e8, 1e8], 600.0) == [0, 1]
    # The clock one ulp past the due time: the same residue, the same verdict.
    late = 600.0 + math.ulp(600.0)
    assert edf.rank([1e-5, 1e8], [600.0, 602.0], [1e8, 1e8], late) == [0, 1]
    # A real shortfall at the due time stays hopeless: 100 bytes (a microsecond at this rate)
    # are no rounding residue.
    assert edf.rank([100.0, 1e8], [600.0, 602.0], [1e8, 1e8], 600.0) == [1, 0]


def test_edf_ties_share_equally():
    # Two 5 MB transfers due 1 s: each at 5 MB/s, both done at 1.0 s; then 10 MB due 9 s: 2.0 s.
    done = run_transfers([(0, 5 * MB, 1.0), (1, 5 * MB, 1.0), (2, 10 * MB, 9.0)])
    assert done == pytest.approx([1.0, 1.0, 2.0], abs=1e-9)


def test_edf_under_reserved_orders_an_agents_own_transfers_in_its_slice():
    # Two agents, equal slices of 5 MB/s. Agent 0: 5 MB due 4 s and 5 MB due 2 s -> the
    # second first (1.0 s), then the first (2.0 s). Agent 1's 5 MB alone in its slice: 1.0 s.
    done = run_transfers([(0, 5 * MB, 4.0), (0, 5 * MB, 2.0), (1, 5 * MB, 0.5)], sharing="reserved")
    assert done == pytest.approx([2.0, 1.0, 1.0], abs=1e-9)


def test_joint_grant_is_the_edf_admission_room():
    env = simpy.Environment()
    link = SharedUplink(env, [1.0, 1.0, 1.0], "work_conserving")
    link.set_capacity(MBPS)
    link.set_online(EarliestDeadline())
    link.send(0, 10 * MB, 6.0)  # A
    link.send(1, 5 * MB, 2.0)   # B
    # Due 4 s from now: B's 5 MB are due before, so 40 - 5 = 35 MB fit by 4 s; by A's due
    # (6 s) 60 - 15 = 45 MB are free, not binding. 35 MB / 4 s = 8.75 MB/s.
    assert grant(link, 2, 0.0, 4.0) == pytest.approx(8.75 * MB)
    # Due 1 s: nothing is due before; 10 MB fit by 1 s, B's check allows 20 - 5 = 15 and
    # A's 45: 10 MB / 1 s = the whole link.
    assert grant(link, 2, 0.0, 1.0) == pytest.approx(10 * MB)
    # Due 0.2 s: 2 MB fit by then, but B must still have 5 MB by 2 s (20 - 5 = 15 >= 2): 10 MB/s.
    assert grant(link, 2, 0.0, 0.2) == pytest.approx(10 * MB)
    env.run(until=1.0)  # B done at 0.5 s, A has 5 MB left at 1.0 s, due in 5 s
    # Due 2 s from now (3 s): A's due comes later; room 20 MB by 3 s, and by 6 s 50 - 5 = 45:
    # 20 MB / 2 s = 10 MB/s. Due 6 s from now (7 s): A (5 MB) is due first: 60 - 5 = 55 MB / 6 s.
    assert grant(link, 2, 1.0, 2.0) == pytest.approx(10 * MB)
    assert grant(link, 2, 1.0, 6.0) == pytest.approx(55 / 6 * MB)


def test_online_allocators_are_registered_and_keep_equal_slices():
    assert {"deadline", "joint"} <= set(ALLOCATORS.names())
    for name in ("deadline", "joint"):
        a = build_allocator(name)
        assert a.online is not None and a.weights([None, None, None], 1.0) == [1.0, 1.0, 1.0]
    assert build_allocator("joint").grants and not build_allocator("deadline").grants
    assert build_allocator("equal").online is None


def test_without_an_online_rule_due_times_change_nothing():
    # Processor sharing of the same three transfers: B (5 MB) finishes when 15 MB have been
    # sent (3 x 5 MB at 10/3 MB/s each): 1.5 s; A's last 5 MB at 5 MB/s (two left): 2.5 s;
    # C's last 10 MB alone: 3.5 s. Due times are ignored.
    env = simpy.Environment()
    link = SharedUplink(env, [1.0, 1.0, 1.0], "work_conserving")
    link.set_capacity(MBPS)
    finished = {}
    for k, (slot, size, due) in enumerate([(0, 10 * MB, 6.0), (1, 5 * MB, 2.0), (2, 20 * MB, 10.0)]):
        link.send(slot, size, due).callbacks.append(lambda ev, k=k: finished.__setitem__(k, env.now))
    env.run()
    assert [finished[k] for k in range(3)] == pytest.approx([2.5, 1.5, 3.5], abs=1e-9)
    assert link.online is None
