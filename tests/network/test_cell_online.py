"""Online allocators, mid-flight fallback, cloud-aware prediction and superposed arrivals on
the cell model: hand-worked EDF schedules in a time-share cell and a work-conserving cell
with own-rate limits, the joint grant over time, and the whole world on the cell model
against the shared uplink where the two models are the same physics.

Units: 1 Mbps = 125,000 bytes/s, so 40 Mbps = 5 MB/s.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import simpy

from scoutsim.config import load_scenario, scenario_from_dict
from scoutsim.decisions.online import EarliestDeadline, grant
from scoutsim.errors import UserError
from scoutsim.network.cell import CellSpec, DeviceSpec, Network
from scoutsim.network.uplink import SharedUplink
from scoutsim.sim.runner import simulate
from tests.conftest import MAIN_SCENARIO, ROOT

MB = 1e6


def run(cell, devices, mbps, sends, rule=EarliestDeadline()):
    """sends: (device, bytes, due), all at t = 0 on a constant cell; each one's finish time."""
    env = simpy.Environment()
    net = Network(env, [cell], devices)
    net.set_capacity(mbps)
    if rule is not None:
        net.set_online(rule)
    done = {}
    for k, (dev, size, due) in enumerate(sends):
        net.send(dev, size, due).callbacks.append(lambda ev, k=k: done.__setitem__(k, env.now))
    env.run()
    return [done[k] for k in range(len(sends))]


def test_edf_in_a_time_share_cell_serves_one_device_at_its_own_rate():
    # 40 Mbps = 5 MB/s; link qualities 1, 0.5, 0.25: own rates 5, 2.5, 1.25 MB/s. Each sends
    # one second of its own rate: X 5 MB due 1.5 s, Y 2.5 MB due 3.5 s, Z 1.25 MB due 2.5 s.
    # EDF gives the cell's time to X alone (done at 1 s), then Z (1 s more: 2 s), then Y (3 s).
    # Round robin gives each a third of the time: all three end at 3 s, X late.
    devices = [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.5), DeviceSpec(0, quality=0.25)]
    sends = [(0, 5 * MB, 1.5), (1, 2.5 * MB, 3.5), (2, 1.25 * MB, 2.5)]
    cell = CellSpec("c", sharing="time_share", scheduler="rr")
    assert run(cell, devices, 40, sends) == pytest.approx([1.0, 3.0, 2.0], abs=1e-9)
    assert run(cell, devices, 40, sends, rule=None) == pytest.approx([3.0, 3.0, 3.0], abs=1e-9)


def test_edf_in_a_time_share_cell_has_no_diversity_gain():
    # pf with fading alone would add a diversity gain to the far device; an online rule schedules by
    # due time instead, so the first device sends at its own rate: 5 MB at 5 MB/s, 1 s; the
    # second then 2.5 MB at 2.5 MB/s, 1 s more.
    devices = [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.5)]
    cell = CellSpec("c", sharing="time_share", scheduler="pf", fading="rayleigh")
    assert run(cell, devices, 40, [(0, 5 * MB, 2.0), (1, 2.5 * MB, 5.0)]) == pytest.approx([1.0, 2.0], abs=1e-9)


def test_edf_in_a_work_conserving_cell_gives_what_rank_zero_cannot_use_to_the_next():
    # 5 MB/s cell. B (no own limit) 6 MB due 1.3 s; A (quality 0.4: at most 2 MB/s) 2 MB due
    # 2.5 s. EDF: B first at the whole 5 MB/s, done at 1.2 s; A then at its 2 MB/s: 1 s, 2.2 s.
    # Equal sharing would cap A at 2 MB/s and give B 3 MB/s: A at 1 s, B at 1 + 3/5 = 1.6 s.
    devices = [DeviceSpec(0, quality=0.4), DeviceSpec(0)]
    cell = CellSpec("c", sharing="work_conserving")
    sends = [(0, 2 * MB, 2.5), (1, 6 * MB, 1.3)]
    assert run(cell, devices, 40, sends) == pytest.approx([2.2, 1.2], abs=1e-9)
    assert run(cell, devices, 40, sends, rule=None) == pytest.approx([1.0, 1.6], abs=1e-9)
    # Reversed dues: A first at its 2 MB/s, and B is not idle meanwhile: it gets the other
    # 3 MB/s (work-conserving EDF): A at 1 s, B at 1 + 3/5 = 1.6 s.
    assert run(cell, devices, 40, [(0, 2 * MB, 1.1), (1, 6 * MB, 5.0)]) == pytest.approx([1.0, 1.6], abs=1e-9)


def test_joint_grant_in_a_time_share_cell_counts_time():
    # Y (own rate 2.5 MB/s) has 2.5 MB due at 2 s: it needs 1 s of the cell's time. A new
    # transfer of X (own rate 5 MB/s) due in 4 s may use the other 3 s: 15 MB, i.e. 3.75 MB/s.
    # Due in 1.5 s: by 2 s Y's 1 s must fit, so X may use 1 s: 5 MB over 1.5 s = 3.33 MB/s.
    env = simpy.Environment()
    net = Network(env, [CellSpec("c", sharing="time_share")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.5)])
    net.set_capacity(40)
    net.set_online(EarliestDeadline())
    net.send(1, 2.5 * MB, 2.0)
    assert grant(net, 0, 0.0, 4.0) == pytest.approx(3.75 * MB, rel=1e-12)
    assert grant(net, 0, 0.0, 1.5) == pytest.approx(5 * MB / 1.5, rel=1e-12)


@pytest.mark.parametrize("sharing", ["work_conserving", "reserved"])
def test_edf_cell_equals_edf_shared_uplink_on_random_transfers(sharing):
    # A cell without own-rate limits, grants or HARQ is the shared uplink: under EDF too.
    rng = random.Random(11)
    for _case in range(20):
        n = rng.randint(1, 4)
        sends = [(rng.randrange(n), rng.uniform(0.1, 5) * MB, rng.uniform(0, 3), rng.uniform(0.2, 6))
                 for _ in range(rng.randint(2, 12))]
        finish = []
        for build in ("uplink", "cell"):
            env = simpy.Environment()
            link = SharedUplink(env, [1.0] * n, sharing) if build == "uplink" else \
                Network(env, [CellSpec("c", sharing=sharing)], [DeviceSpec(0) for _ in range(n)])
            link.set_capacity(40)  # the one Link interface (scoutsim/network/link.py)
            link.set_online(EarliestDeadline())
            done = {}

            def one(k, slot, size, at, due):
                yield env.timeout(at)
                yield link.send(slot, size, at + due)
                done[k] = env.now

            for k, s in enumerate(sends):
                env.process(one(k, *s))
            env.run()
            finish.append([done[k] for k in range(len(sends))])
        assert finish[1] == pytest.approx(finish[0], rel=1e-9, abs=1e-9)


OPTIONS = {
    "deadline": ({"allocator": "deadline"}, {}),
    "deadline_oracle_estimate": ({"allocator": "deadline"}, {"estimator": "oracle"}),
    "joint": ({"allocator": "joint"}, {}),
    "fallback": ({}, {"policy": "adaptive+fallback"}),
    "cloud_aware_exact": ({}, {"cloud_aware": "exact"}),
    "cloud_aware_observed": ({}, {"cloud_aware": True}),
    "superposed": ({"arrivals": "superposed"}, {}),
}


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_each_option_on_the_cell_model_equals_the_shared_uplink(option):
    # grant_delay_ms: 0 moves the main scenario onto the cell model without changing its
    # physics, so with each option the requests must be the shared uplink's.
    uplink_keys, agent_keys = OPTIONS[option]
    base = load_scenario(MAIN_SCENARIO, overrides={"duration_s": 120, "replications": 2})
    data = base.resolved_dict()
    for key, value in uplink_keys.items():
        if key == "arrivals":
            data["arrivals"] = value
        else:
            data["uplinks"][0][key] = value
    for g in data["agents"]:
        g.update(agent_keys)
    shared = simulate(scenario_from_dict(data, base_dir=ROOT))
    data["uplinks"][0]["grant_delay_ms"] = 0
    cell = simulate(scenario_from_dict(data, base_dir=ROOT))
    assert list(cell.columns) == list(shared.columns) + ["grant_s"]
    assert len(cell) == len(shared) > 50
    assert (cell["mode"] == shared["mode"]).all()
    for col in ("arrival_s", "tx_start_s", "tx_end_s", "done_s", "payload_bytes"):
        assert np.allclose(cell[col], shared[col], rtol=1e-9, atol=1e-9, equal_nan=True), col
    assert (cell["payload_bytes"] > 0).mean() > 0.3  # the options had transfers to act on
    if option == "fallback":
        assert cell["fallback"].astype(bool).any()


def test_online_allocator_with_an_opportunistic_scheduler_is_refused():
    data = load_scenario(MAIN_SCENARIO).resolved_dict()
    data["uplinks"][0].update(sharing="time_share", scheduler="pf", allocator="deadline")
    with pytest.raises(UserError) as e:
        scenario_from_dict(data, base_dir=ROOT, source="x.yaml")
    assert "uplinks[0].scheduler" in str(e.value) and "online" in str(e.value)


@pytest.mark.parametrize("allocator", ["deadline", "joint"])
def test_time_share_cells_run_every_option_together(allocator):
    # Two time-share cells behind wired links, with the online allocator, +fallback,
    # cloud_aware and superposed arrivals at once; whole answers under the deadline, so that
    # the slow edge decode makes devices send: each device sends a real share.
    from tests.network.test_world_cells import city

    data = city(arrivals="superposed", duration_s=300, deadline_on="answer")
    for u in data["uplinks"]:
        u.update(sharing="time_share", scheduler="rr", allocator=allocator)
    for g in data["agents"]:
        g.update(policy="adaptive+fallback", cloud_aware=True, arrival={"kind": "poisson", "rate_per_s": 0.5},
                 answer_length={"kind": "uniform", "low": 16, "high": 160})
    df = simulate(scenario_from_dict(data, base_dir=ROOT))
    assert set(df["agent"]) == {0, 1}
    for _, mine in df.groupby("agent"):
        assert (mine["payload_bytes"] > 0).mean() > 0.2
    assert df["met_deadline"].mean() > 0.5


def test_city_cells_gain_from_a_deadline_order_with_fallback():
    # scenarios/city_cells.yaml's claim (its comment): its cells scheduled by the deadline
    # allocator (EDF over air time, rr within a due time) with adaptive+fallback devices
    # beat the file as written (pf and rr, equal weights, adaptive) in F1 with misses scored
    # 0, paired over the file's 10 x 600 s (measured +0.128 [0.092, 0.164] with the fallback rule of docs/models/fallback.md).
    import copy

    import yaml

    from tests.decisions.helpers import paired_ci, per_replication

    data = yaml.safe_load((ROOT / "scenarios" / "city_cells.yaml").read_text())
    edf = copy.deepcopy(data)
    for u in edf["uplinks"]:
        u.update(allocator="deadline", scheduler="rr")
    for g in edf["agents"]:
        g["policy"] = "adaptive+fallback"
    mine = per_replication(simulate(scenario_from_dict(edf, base_dir=ROOT)), "f0")
    theirs = per_replication(simulate(scenario_from_dict(data, base_dir=ROOT)), "f0")
    mean, low, high = paired_ci(mine, theirs)
    assert low > 0, (mean, low, high)


def test_joint_grant_respects_the_new_devices_own_rate():
    # A 5 MB/s cell; the new device's radio gives it at most 2 MB/s (quality 0.4). Another
    # device has 6 MB due at 1.3 s: EDF gives it the whole cell until 1.2 s. A new transfer
    # due in 4 s can then send at its 2 MB/s for 2.8 s: 5.6 MB, a grant of 1.4 MB/s, and a
    # transfer of exactly that size ends at its due time.
    env = simpy.Environment()
    net = Network(env, [CellSpec("c")], [DeviceSpec(0, quality=0.4), DeviceSpec(0)])
    net.set_capacity(40)
    net.set_online(EarliestDeadline())
    net.send(1, 6 * MB, 1.3)
    g = grant(net, 0, 0.0, 4.0)
    assert g == pytest.approx(1.4 * MB, rel=1e-12)
    done = {}
    net.send(0, g * 4.0, 4.0).callbacks.append(lambda ev: done.__setitem__("t", env.now))
    env.run()
    assert done["t"] == pytest.approx(4.0, abs=1e-9)


def test_ranks_order_a_cell_while_the_wired_link_serves_every_cell():
    # Cell A (3 MB/s) holds a1 and a2, each at most 2 MB/s by its radio; cell B (5 MB/s)
    # holds b; all three cross one 6 MB/s wired link. EDF in A (a1 due first): a1 takes its
    # 2 MB/s, a2 the 1 MB/s A has left, b the 3 MB/s the wired link has left. Without an
    # online rule A splits its 3 MB/s equally (1.5 each) and b again gets 3.
    cells = [CellSpec("A"), CellSpec("B")]
    devices = [DeviceSpec(0, quality=2 / 3, links=("w",)), DeviceSpec(0, quality=2 / 3, links=("w",)),
               DeviceSpec(1, links=("w",))]
    for online, expect in ((True, [2.0, 1.0, 3.0]), (False, [1.5, 1.5, 3.0])):
        env = simpy.Environment()
        net = Network(env, cells, devices, {"w": 6 * MB})
        net.set_capacity(24)
        net.set_capacity(40, 1)
        if online:
            net.set_online(EarliestDeadline())
        net.send(0, 100 * MB, 50.0)
        net.send(1, 100 * MB, 90.0)
        net.send(2, 100 * MB, 90.0)
        assert [t.rate / MB for t in net.active] == pytest.approx(expect, rel=1e-12)


def test_remaining_of_a_transfer_before_its_grant_and_in_its_harq_tail():
    # 40 Mbps = 5 MB/s, a 0.5 s grant, bler 0.5 with a 0.2 s HARQ round trip: the tail after
    # the fluid is 0.2 x 0.5 / 0.5 = 0.2 s. Before its grant a 2 MB transfer has all its bytes
    # left at the rate it would get (5 x 0.5 = 2.5 MB/s); in its tail, none left.
    env = simpy.Environment()
    net = Network(env, [CellSpec("c", grant_s=0.5, bler=0.5, harq_rtt_s=0.2)], [DeviceSpec(0)])
    net.set_capacity(40)
    done = net.send(0, 2 * MB)
    env.run(until=0.25)
    assert net.remaining(done) == pytest.approx((2 * MB, 2.5 * MB))
    env.run(until=0.5 + 0.8 + 0.1)  # fluid ends at 0.5 + 2 / 2.5 = 1.3 s
    assert net.remaining(done) == (0.0, float("inf"))
    env.run()
    assert done.triggered and env.now == pytest.approx(1.5, abs=1e-9)
