"""The cell model's fluid physics against finish times worked out by hand (to 1e-9 s).

Units: 1 Mbps = 125,000 bytes/s, so 8 Mbps = 1 MB/s. Own rates are link_quality times the
cell's reference rate.
"""

from __future__ import annotations

import pytest
import simpy

from scoutsim.network.cell import CellSpec, DeviceSpec, Network
from scoutsim.network.link import follow

MB = 1e6


def run(cells, devices, cell_mbps, sends, links=None, own=None, until=1000):
    """sends: (device, bytes, start). cell_mbps: per cell, [(time, mbps), ...]. own: device ->
    [(time, mbps)] for devices with their own channel. Returns finish times."""
    env = simpy.Environment()
    net = Network(env, cells, devices, links)
    for c, changes in enumerate(cell_mbps):
        env.process(follow(env, lambda m, c=c: net.set_capacity(m, c), iter(changes)))
    for d, changes in (own or {}).items():
        env.process(follow(env, lambda m, d=d: net.set_device_capacity(d, m), iter(changes)))
    finish = [None] * len(sends)

    def one(i, dev, size, at):
        yield env.timeout(at)
        yield net.send(dev, size)
        finish[i] = env.now

    for i, (dev, size, at) in enumerate(sends):
        env.process(one(i, dev, size, at))
    env.run(until=until)
    return finish


def ts(scheduler, **kw):
    return CellSpec("cell0", sharing="time_share", scheduler=scheduler, **kw)


def test_rr_equal_time_shares_of_own_rates():
    # Own rates 30 and 6 Mbps (qualities 1 and 0.2 of 30). Equal time: 15 and 3 Mbps, i.e.
    # 1.875 and 0.375 MB/s. A's 3.75 MB end at 2 s; B has sent 0.75 of its 1.5 MB and sends
    # the other 0.75 MB alone at 6 Mbps = 0.75 MB/s: 1 s more, 3 s.
    f = run([ts("rr")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.2)], [[(0, 30)]],
            [(0, 3.75 * MB, 0), (1, 1.5 * MB, 0)])
    assert f == pytest.approx([2.0, 3.0], abs=1e-9)


def test_weighted_time_shares():
    # Weights 1:3: A has 1/4 of the time at 30 Mbps = 7.5 Mbps = 0.9375 MB/s, B 3/4 at 6 Mbps
    # = 4.5 Mbps = 0.5625 MB/s. A's 1.875 MB end at 2 s; B sent 1.125 of 2.25 MB, then alone
    # 0.75 MB/s: 1.5 s more, 3.5 s.
    f = run([ts("weighted")], [DeviceSpec(0, weight=1, quality=1.0), DeviceSpec(0, weight=3, quality=0.2)],
            [[(0, 30)]], [(0, 1.875 * MB, 0), (1, 2.25 * MB, 0)])
    assert f == pytest.approx([2.0, 3.5], abs=1e-9)


def test_max_rate_starves_the_weaker_device_then_releases_it():
    # B (6 Mbps) alone from 0: 0.75 MB/s, 0.75 of its 1.5 MB by 1 s. A (30 Mbps) joins at 1 s
    # and takes everything: 3.75 MB at 3.75 MB/s ends at 2 s, B frozen meanwhile. B's last
    # 0.75 MB at 0.75 MB/s: 3 s.
    f = run([ts("max_rate")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.2)], [[(0, 30)]],
            [(0, 3.75 * MB, 1.0), (1, 1.5 * MB, 0)])
    assert f == pytest.approx([2.0, 3.0], abs=1e-9)


def test_grant_delay_before_the_first_byte():
    # 4 ms grant, then A alone: 3.75 MB at 3.75 MB/s = 1 s, done 1.004. B's transfer starts
    # at 0.5, is granted at 0.504 and shares from then: by 0.504 A has sent 0.5 * 3.75 =
    # 1.875 MB; rr gives A 1.875 MB/s and B (quality 0.2) 0.375 MB/s: A's other 1.875 MB end
    # at 1.504; B sent 0.375 of 0.75 MB, the rest alone at 0.75 MB/s: 0.5 s, 2.004.
    cell = ts("rr", grant_s=0.004)
    f = run([cell], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.2)], [[(0, 30)]],
            [(0, 3.75 * MB, 0), (1, 0.75 * MB, 0.5)])
    assert f == pytest.approx([1.504, 2.004], abs=1e-9)


def test_bler_costs_throughput_and_a_harq_tail():
    # bler 0.2: 30 Mbps x 0.8 = 24 Mbps = 3 MB/s, 3 MB in 1 s; the last block's mean
    # 0.2 / 0.8 = 0.25 retransmissions of 8 ms each add 2 ms.
    f = run([ts("rr", bler=0.2, harq_rtt_s=0.008)], [DeviceSpec(0, quality=1.0)], [[(0, 30)]],
            [(0, 3 * MB, 0)])
    assert f[0] == pytest.approx(1.002, abs=1e-9)


def test_offset_waits_after_the_grant():
    # Own rates 1 MB/s (8 Mbps), grant 10 ms, device 0's offset 40 ms more. Device 1 starts
    # at 0.01 s alone and sends 0.04 MB by 0.05 s, when device 0 joins; rr halves both:
    # device 1's other 0.46 MB at 0.5 MB/s end at 0.97 s, when device 0 has sent 0.46 MB;
    # its other 0.54 MB alone at 1 MB/s end at 1.51 s.
    f = run([ts("rr", grant_s=0.01)], [DeviceSpec(0, quality=1.0, offset_s=0.04), DeviceSpec(0, quality=1.0)],
            [[(0, 8)]], [(0, 1 * MB, 0), (1, 0.5 * MB, 0)])
    assert f == pytest.approx([0.97 + 0.54, 0.97], abs=1e-9)


def test_resource_blocks_leave_the_remainder_idle():
    # 25 blocks, 2 devices: 12 each, 24/25 of the time used; own rates 40 and 40 Mbps (5 MB/s):
    # each gets 12/25 x 5 = 2.4 MB/s; 2.4 MB each end at 1 s.
    f = run([ts("rr", resource_blocks=25)], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=1.0)],
            [[(0, 40)]], [(0, 2.4 * MB, 0), (1, 2.4 * MB, 0)])
    assert f == pytest.approx([1.0, 1.0], abs=1e-9)


def test_own_channel_overrides_the_cell():
    # Device 1 has its own channel: 8 Mbps (1 MB/s) until 1 s, then 16 (2 MB/s). rr halves it:
    # 0.5 MB by 1 s, then 1 MB/s while device 0 (30 Mbps, 1.875 MB/s) still sends. Device 0's
    # 3.75 MB end at 2 s; device 1 has sent 1.5 MB of 2.5; 1 MB alone at 2 MB/s: 2.5 s.
    f = run([ts("rr")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, own_channel=True)], [[(0, 30)]],
            [(0, 3.75 * MB, 0), (1, 2.5 * MB, 0)], own={1: [(0, 8), (1.0, 16)]})
    assert f == pytest.approx([2.0, 2.5], abs=1e-9)


def test_parking_lot_max_min():
    # Classic parking lot: L1 = 8 Mbps (1 MB/s), L2 = 24 Mbps (3 MB/s), radio hops fast
    # (work-conserving cells of 800 Mbps). Long flow crosses L1 and L2, short flow 1 only L1,
    # short flow 2 only L2. Max-min: L1 is the bottleneck, long = short1 = 0.5 MB/s; short2
    # takes what L2 has left, 2.5 MB/s. Sizes 1, 1, 5 MB all end at 2 s; shrink short2 to
    # 2.5 MB: it ends at 1 s and nothing else changes (L1 still binds), so 2, 2, 1.
    cells = [CellSpec("a"), CellSpec("b"), CellSpec("c")]
    devices = [DeviceSpec(0, links=("L1", "L2")), DeviceSpec(1, links=("L1",)), DeviceSpec(2, links=("L2",))]
    links = {"L1": 1 * MB, "L2": 3 * MB}
    f = run(cells, devices, [[(0, 800)]] * 3, [(0, 1 * MB, 0), (1, 1 * MB, 0), (2, 5 * MB, 0)], links)
    assert f == pytest.approx([2.0, 2.0, 2.0], abs=1e-9)
    f = run(cells, devices, [[(0, 800)]] * 3, [(0, 1 * MB, 0), (1, 1 * MB, 0), (2, 2.5 * MB, 0)], links)
    assert f == pytest.approx([2.0, 2.0, 1.0], abs=1e-9)


def test_wired_bottleneck_releases_radio_capacity_work_conserving():
    # Cell 80 Mbps (10 MB/s) work-conserving, equal weights: 5 MB/s each alone on the radio.
    # Device 0's cloud sits behind a 16 Mbps (2 MB/s) link: it gets 2, and device 1 the
    # remaining 8 MB/s of the cell (not 5). 4 MB for device 0: 2 s; 8 MB for device 1: 1 s.
    devices = [DeviceSpec(0, links=("thin",)), DeviceSpec(0, links=("fat",))]
    f = run([CellSpec("c")], devices, [[(0, 80)]], [(0, 4 * MB, 0), (1, 8 * MB, 0)],
            links={"thin": 2 * MB, "fat": 100 * MB})
    assert f == pytest.approx([2.0, 1.0], abs=1e-9)


def test_wired_bottleneck_releases_radio_time_rr():
    # time_share rr, own rates 80 and 40 Mbps (10 and 5 MB/s). Device 0 is held to 2 MB/s by
    # its link: it uses 0.2 of the time, device 1 gets the other 0.8: 4 MB/s (not 2.5).
    devices = [DeviceSpec(0, quality=1.0, links=("thin",)), DeviceSpec(0, quality=0.5)]
    f = run([ts("rr")], devices, [[(0, 80)]], [(0, 4 * MB, 0), (1, 4 * MB, 0)], links={"thin": 2 * MB})
    assert f == pytest.approx([2.0, 1.0], abs=1e-9)


def test_cancel_frees_the_share():
    env = simpy.Environment()
    net = Network(env, [ts("rr")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=1.0)])
    env.process(follow(env, net.set_capacity, iter([(0, 16)])))
    got = {}

    def go():
        yield env.timeout(0)
        a = net.send(0, 4 * MB)
        b = net.send(1, 4 * MB)
        yield env.timeout(1.0)
        got["sent"] = net.cancel(a)  # 1 MB/s each for 1 s
        yield b
        got["b"] = env.now  # 3 MB left alone at 2 MB/s: 2.5 s

    env.process(go())
    env.run(until=10)
    assert got["sent"] == pytest.approx(1 * MB, rel=1e-12)
    assert got["b"] == pytest.approx(2.5, abs=1e-9)


def test_rate_if_joined_counts_the_newcomer():
    env = simpy.Environment()
    net = Network(env, [ts("rr")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.5)])
    net.set_capacity(80)
    # Alone: 10 MB/s. With device 0 in flight: device 1 gets 1/2 of its 5 MB/s.
    assert net.rate_if_joined(0) == pytest.approx(10 * MB)
    net.send(0, 100 * MB)
    assert net.rate_if_joined(1) == pytest.approx(2.5 * MB)


def test_pf_without_fading_is_rr():
    # Nothing to be opportunistic about: pf's time shares are rr's, 1/2 x 5 MB/s.
    env = simpy.Environment()
    net = Network(env, [ts("pf")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.5)])
    net.set_capacity(80)
    net.send(0, 100 * MB)
    assert net.rate_if_joined(1) == pytest.approx(2.5 * MB, rel=1e-12)


def test_pf_rides_fading_only_below_the_top_rate():
    # With fading, a device at the cell's top rate (quality 1) sits on the MCS cap: no gain,
    # 1/2 x 10 MB/s. The half-rate device gains (checked against a slot-level PF in
    # test_pf_reference.py), but never beyond its own 5 MB/s.
    env = simpy.Environment()
    net = Network(env, [ts("pf", fading="rayleigh")], [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=0.5)])
    net.set_capacity(80)
    net.send(0, 100 * MB)
    net.send(1, 100 * MB)
    near, far = (t.rate for t in net.active)
    assert near == pytest.approx(5 * MB, rel=1e-3)
    assert 2.5 * MB * 1.1 < far < 5 * MB


@pytest.mark.parametrize("k, blocks", [(1, 25), (2, 24), (5, 25), (7, 21), (8, 24), (9, 24), (13, 24), (25, 24), (40, 24)])
def test_resource_blocks_as_lte_uplink_mac(k, blocks):
    # LTE's uplink MAC (ns-3 LENA): max(3, floor(25 / k)) blocks per UE, at most 8 UEs per
    # TTI, taking turns. k devices of 8 Mbps own rate (1 MB/s on all 25 blocks) each get
    # blocks/25 x 1/k MB/s: 13 UEs, 8 served per TTI on 3 blocks each: 8/13 x 3/25.
    env = simpy.Environment()
    net = Network(env, [ts("rr", resource_blocks=25)], [DeviceSpec(0, quality=1.0) for _ in range(k)])
    net.set_capacity(8)
    for d in range(k):
        net.send(d, 100 * MB)
    assert [t.rate for t in net.active] == pytest.approx([blocks / 25 / k * MB] * k, rel=1e-12)


def test_cancel_while_waiting_for_grant_or_in_harq_tail():
    # Grant 0.1 s, bler 0.5 with a 0.2 s HARQ round trip: tail 0.2 x 0.5 / 0.5 = 0.2 s.
    # Own rate 16 Mbps x 0.5 = 1 MB/s. a is cancelled in its grant wait (nothing sent, it
    # never joins, so b alone: 0.1 + 1 MB / 1 MB/s + 0.2 = 1.3 s). c (0.5 MB, granted at
    # 1.4 s, alone, fluid done at 1.9 s) is cancelled in its tail at 2.0: all 0.5 MB sent.
    env = simpy.Environment()
    net = Network(env, [ts("rr", grant_s=0.1, bler=0.5, harq_rtt_s=0.2)],
                  [DeviceSpec(0, quality=1.0), DeviceSpec(0, quality=1.0)])
    net.set_capacity(16)
    got = {}

    def go():
        a = net.send(0, 1 * MB)
        b = net.send(1, 1 * MB)
        yield env.timeout(0.05)
        got["a"] = net.cancel(a)
        yield b
        got["b"] = env.now
        yield env.timeout(0.0)
        c = net.send(0, 0.5 * MB)
        yield env.timeout(2.0 - env.now)
        got["c"] = net.cancel(c)
        yield env.timeout(1.0)
        got["fired"] = a.triggered or c.triggered

    env.process(go())
    env.run(until=10)
    assert got["a"] == 0.0
    assert got["b"] == pytest.approx(1.3, abs=1e-9)
    assert got["c"] == pytest.approx(0.5 * MB)
    assert got["fired"] is False
