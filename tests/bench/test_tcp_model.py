"""The TCP correction's arithmetic (scoutsim/network/tcp.py), against rounds counted by hand."""

from __future__ import annotations

import math

import pytest

from scoutsim.network.tcp import TcpModel, water_fill

MSS = 1448
W0 = 10 * MSS  # 14,480 bytes


def model(rtt_s, **kw):
    """Headers aside (header=0), so that the rounds below count payload bytes only."""
    return TcpModel(rtt_s, header=0, **kw)


def test_short_transfer_ends_in_slow_start():
    # 0.05 MB at 12.5 MB/s, RTT 40 ms: the pipe (500 kB) never fills. Rounds of 10 and 20
    # segments (43,440 B) go by, the rest (6,560 B) leaves in the third round: two RTTs of
    # ramp after the handshake, then the last bytes drain as fluid.
    delay, fluid = model(0.04).ramp(50_000, 12.5e6)
    assert delay == pytest.approx(0.04 + 2 * 0.04 - 3 * W0 / 12.5e6)
    assert fluid == 50_000


def test_long_transfer_ramps_until_the_pipe_is_full():
    # Pipe 12.5 MB/s x 40 ms = 500 kB; windows 1, 2, 4, 8, 16 x W0 stay below it (31 W0
    # sent), 32 W0 = 463 kB is still below it, so a sixth round is spent: 63 W0 sent.
    delay, fluid = model(0.04).ramp(10e6, 12.5e6)
    assert delay == pytest.approx(0.04 + 6 * 0.04 - 63 * W0 / 12.5e6)
    assert fluid == 10e6


def test_growth_slows_the_ramp():
    fast, _ = model(0.04).ramp(1e6, 12.5e6)
    slow, _ = model(0.04, growth=1.5).ramp(1e6, 12.5e6)
    assert slow > fast


def test_no_rtt_means_no_correction():
    assert TcpModel(0.0).ramp(1e6, 1e6) == (0.0, 1e6)
    assert TcpModel(0.0, loss=0.01).rate_cap == math.inf


def test_loss_cap_is_the_aimd_response_function():
    # Reno (beta 0.5) gives Mathis et al.'s sqrt(3/2) / sqrt(p) segments per RTT.
    m = model(0.1, loss=0.01, beta=0.5)
    assert m.rate_cap == pytest.approx(MSS / 0.1 * math.sqrt(1.5) / 0.1)
    assert model(0.1, loss=0.01).rate_cap > m.rate_cap  # CUBIC keeps more of its window


def test_loss_ends_slow_start_and_the_capped_rest_drains_as_fluid():
    # p = 1 %: the first loss is due after 100 segments, i.e. after rounds of 10, 20, 40
    # (70 segments); the rest goes at the cap, so the ramp's bytes went faster than the
    # fluid carries them and some of them leave the fluid transfer instead of a negative delay.
    m = model(0.04, loss=0.01)
    delay, fluid = m.ramp(1e6, 12.5e6)
    ramp_time = 0.04 + 3 * 0.04
    assert delay == pytest.approx(max(0.0, ramp_time - 7 * W0 / m.rate_cap))
    # Whatever the split, the finish of a lone flow is the handshake and rounds plus the
    # bytes after the ramp at the cap.
    assert delay + fluid / m.rate_cap == pytest.approx(ramp_time + (1e6 - 7 * W0) / m.rate_cap)


def test_headers_ride_on_every_segment():
    m = TcpModel(0.04)  # IPv4 + TCP with timestamps: 52 bytes per 1448
    assert m.segment == 1500
    assert m.on_wire(1448 * 1000) == pytest.approx(1500 * 1000)
    assert m.rate_cap == math.inf  # no loss
    assert TcpModel(0.1, loss=0.01).rate_cap == pytest.approx(1500 / 1448 * model(0.1, loss=0.01).rate_cap)


@pytest.mark.parametrize("bad", [dict(rtt_s=-1), dict(rtt_s=0.1, loss=1.0), dict(rtt_s=0.1, beta=1.0),
                                 dict(rtt_s=0.1, growth=1.0), dict(rtt_s=0.1, mss=0),
                                 dict(rtt_s=0.1, header=-1)])
def test_bad_parameters_are_refused(bad):
    with pytest.raises(ValueError):
        TcpModel(**bad)


def test_water_fill_without_cap_is_weighted_sharing():
    assert water_fill([1, 3], 8.0, math.inf) == pytest.approx([2.0, 6.0])


def test_water_fill_gives_what_capped_flows_leave_to_the_others():
    # Weights 1, 1, 2 on 10: shares 2.5, 2.5, 5; the cap 3 binds the heavy one, whose 2
    # left over go to the two light ones: 3.5 each, which the cap then binds too.
    rates = water_fill([1, 1, 2], 10.0, 3.0)
    assert rates == pytest.approx([3.0, 3.0, 3.0])
    rates = water_fill([1, 1, 2], 10.0, 4.0)
    assert rates == pytest.approx([3.0, 3.0, 4.0])
    assert sum(rates) == pytest.approx(10.0)
