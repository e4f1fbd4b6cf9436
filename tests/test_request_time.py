"""The one equation for a request's predicted time (scoutsim/physics/journey.py)."""

from __future__ import annotations

import math

import numpy as np

from scoutsim.physics.journey import request_seconds


def test_a_mode_that_sends_adds_edge_transfer_latency_and_cloud():
    # 0.5 s on the edge, 3 MB at 1.5 MB/s = 2 s on the link, 0.25 s latency, 0.125 s cloud:
    # 0.5 + 2 + 0.25 + 0.125 = 2.875 s (every term exact in binary, so equality is exact).
    assert request_seconds(0.5, 3e6, 1.5e6, 0.25, 0.125) == 2.875


def test_a_mode_that_sends_nothing_is_done_after_its_edge_compute():
    # local: neither the link, the latency nor a cloud is involved, whatever is passed for them.
    assert request_seconds(0.75, 3e6, 1.5e6, 0.25, 0.125, sends=False) == 0.75


def test_no_rate_never_delivers():
    assert request_seconds(0.5, 3e6, 0.0, 0.25, 0.125) == math.inf
    assert request_seconds(0.5, 3e6, -1.0, 0.25, 0.125) == math.inf


def test_an_infinite_rate_leaves_the_time_off_the_link():
    # What planning calls a mode's fixed time: edge + latency + cloud.
    assert request_seconds(0.5, 3e6, math.inf, 0.25, 0.125) == 0.875


def test_one_time_per_rate_for_an_array_of_rates():
    # 1 MB at 0.5, 1 and 4 MB/s: 2, 1 and 0.25 s on the link, plus 1 s of everything else.
    t = request_seconds(0.5, 1e6, np.array([0.5e6, 1e6, 4e6]), 0.25, 0.25)
    np.testing.assert_array_equal(t, [3.0, 2.0, 1.25])
