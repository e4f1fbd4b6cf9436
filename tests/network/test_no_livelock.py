"""Every link model ends every transfer, in a bounded number of events, when the fluid model says.

The livelock this guards against: a transfer's remainder above its link's slack but below the
resolution of the clock that schedules it was rescheduled at a delay that did not move
``env.now``, for ever (a reserved slice over a Lumos5G-like channel, whose capacity falls by
four orders of magnitude within a second). Expected finish times here are worked out in
closed form, not by the link code:

* all transfers start at t = 0 and the capacity ``C(t)`` is piecewise constant, so the
  cumulative capacity ``A(t) = integral of C`` is piecewise linear and is inverted exactly;
* ``work_conserving`` (weighted processor sharing): sorted by ``s/w``, transfer ``k`` ends when
  ``A(t) = sum_{j<k} s_j + (s_k / w_k) sum_{j>=k} w_j`` (GPS: every unfinished transfer has
  received ``w_j * s_k / w_k`` bytes by then);
* ``reserved`` with one transfer per slot: slot ``i`` owns ``C w_i / W`` throughout, so it ends
  when ``A(t) = s_i W / w_i``.
"""

from __future__ import annotations


import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, given, settings, strategies as st
from simpy.core import StopSimulation

from scoutsim.network.cell import CellSpec, DeviceSpec, Network
from scoutsim.network.link import BYTES_PER_S_PER_MBPS, follow
from scoutsim.network.uplink import SharedUplink
from scoutsim.network.vtime import VirtualTimeUplink

REL = 1e-9


def capacity_inverse(changes, amount):
    """The time at which ``A(t)``, of the steps ``changes`` [(t, mbps)] from t = 0, reaches ``amount`` bytes."""
    done = 0.0
    for (t0, mbps), nxt in zip(changes, [c[0] for c in changes[1:]] + [None]):
        rate = mbps * BYTES_PER_S_PER_MBPS
        span = None if nxt is None else nxt - t0
        if span is None or done + rate * span >= amount:
            return t0 + (amount - done) / rate
        done += rate * span
    raise AssertionError("unreachable: the last step lasts for ever")


def expected_finishes(sharing, weights, sizes, changes):
    if sharing == "reserved":
        total = sum(weights)
        return [capacity_inverse(changes, s * total / w) for s, w in zip(sizes, weights)]
    order = sorted(range(len(sizes)), key=lambda i: sizes[i] / weights[i])
    out, before = [0.0] * len(sizes), 0.0
    for rank, i in enumerate(order):
        later_weight = sum(weights[j] for j in order[rank:])
        out[i] = capacity_inverse(changes, before + sizes[i] / weights[i] * later_weight)
        before += sizes[i]
    return out


def make_link(model, env, sharing, weights):
    if model == "cell":
        cells = [CellSpec("cell0", sharing=sharing, scheduler="rr")]
        net = Network(env, cells, [DeviceSpec(0, weight=w, quality=1.0 if sharing == "time_share" else None)
                                   for w in weights])
        return net, net.set_capacity
    link = model(env, weights, sharing)
    return link, link.set_capacity


def run_counted(model, sharing, weights, sizes, changes, max_events):
    """Finish times of one transfer per slot sent at t = 0, and the events it took; fails
    (instead of hanging) past ``max_events``."""
    env = simpy.Environment()
    link, set_capacity = make_link(model, env, sharing, weights)
    if model == "cell":
        env.process(follow(env, set_capacity, iter(changes)))
    else:
        env.process(follow(env, link.set_capacity, iter(changes)))
    finish = [None] * len(sizes)

    def one(i, size):
        yield link.send(i, size)
        finish[i] = env.now

    procs = [env.process(one(i, s)) for i, s in enumerate(sizes)]
    all_done = env.all_of(procs)
    all_done.callbacks.append(StopSimulation.callback)
    events = 0
    try:
        while events <= max_events:
            env.step()
            events += 1
        raise AssertionError(f"still running after {max_events} events at t = {env.now!r} (finishes: {finish})")
    except StopSimulation:
        return finish, events


MODELS = [(SharedUplink, "work_conserving"), (SharedUplink, "reserved"), (VirtualTimeUplink, "work_conserving"),
          (VirtualTimeUplink, "reserved"), ("cell", "work_conserving"), ("cell", "reserved")]


def _name(model):
    return model if isinstance(model, str) else model.__name__


log_uniform = lambda lo, hi: st.floats(lo, hi).map(lambda x: 10.0 ** x)  # noqa: E731


@st.composite
def cases(draw):
    n = draw(st.integers(1, 6))
    # 12 orders of magnitude each: capacities 1e-3 .. 1e9 Mbps, payloads 1 B .. 1 TB.
    sizes = [draw(log_uniform(0, 12)) for _ in range(n)]
    weights = [draw(log_uniform(-2, 2)) for _ in range(n)]
    steps = draw(st.integers(0, 8))
    times = sorted(draw(st.lists(log_uniform(-6, 3), min_size=steps, max_size=steps, unique=True)))
    levels = [draw(log_uniform(-3, 9)) for _ in range(steps + 1)]
    return sizes, weights, list(zip([0.0] + times, levels))


@pytest.mark.parametrize("model,sharing", MODELS, ids=[f"{_name(m)}-{s}" for m, s in MODELS])
@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=cases())
def test_every_transfer_ends_when_the_fluid_model_says(model, sharing, case):
    sizes, weights, changes = case
    # Each transfer's finish, each capacity step and each start is an event, with their
    # processes' own: a handful per thing that happens, never a loop.
    bound = 10 * (len(sizes) + len(changes)) + 20
    got, events = run_counted(model, sharing, weights, sizes, changes, bound)
    want = expected_finishes(sharing, weights, sizes, changes)
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=REL)


def test_time_share_with_equal_own_rates_is_processor_sharing():
    # time_share, round robin, every device at the cell's full rate: equal time shares are
    # equal rates, so it must end as equal-weight processor sharing does.
    sizes = [145.0, 3e6, 1e9]
    changes = [(0.0, 2000.0), (0.4, 0.1), (0.9, 2000.0), (1.5, 1e-3), (2.0, 50.0)]
    got, _ = run_counted("cell", "time_share", [1.0] * 3, sizes, changes, 100)
    want = expected_finishes("work_conserving", [1.0] * 3, sizes, changes)
    assert got == pytest.approx(want, rel=REL)


def lumos_like(seed):
    """A capacity that jumps between 2 Gbps and 0.1 Mbps about twice a second (as a mmWave
    trace does), slot 0 busy throughout so that the reserved clock U never restarts (by
    t = 100 s U is ~1e10, its resolution ~1e-6 bytes, while at 0.1 Mbps the slack is ~1e-9
    bytes), and small transfers one after another on slot 1 from t = 100 s."""
    rng = np.random.default_rng(seed)
    caps = rng.choice([2000.0, 0.1, 0.37, 1.3], size=400)
    times = np.concatenate([[0.0], np.cumsum(rng.uniform(0.01, 1.0, size=399))])
    sizes = rng.choice([145.0, 1000.0, 77.7], size=30)
    return list(zip(times.tolist(), caps.tolist())), sizes.tolist()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reserved_slice_remainder_below_the_clocks_resolution_ends(seed):
    # On the code before the fix each of these seeds spun at one instant for ever (slot 1's
    # transfer had ~1e-7 B left on its slice clock, which U could not resolve); checked with
    # an event cap there. The finishes must equal the O(n) model's.
    changes, sizes = lumos_like(seed)

    def run(cls):
        env = simpy.Environment()
        link = cls(env, [1.0, 1.0], sharing="reserved")
        env.process(follow(env, link.set_capacity, iter(changes)))
        ends = []

        def background():
            yield env.timeout(0.0)
            link.send(0, 1e15)  # keeps slot 0 busy, so U never restarts

        def small():
            yield env.timeout(100.0)
            for size in sizes:
                yield link.send(1, float(size))
                ends.append(env.now)

        env.process(background())
        p = env.process(small())
        p.callbacks.append(StopSimulation.callback)
        for _ in range(5000):
            try:
                env.step()
            except StopSimulation:
                return ends
        raise AssertionError(f"{cls.__name__} still running after 5000 events at t = {env.now!r}")

    vt, exact = run(VirtualTimeUplink), run(SharedUplink)
    assert len(vt) == len(sizes)
    assert vt == pytest.approx(exact, rel=REL)


def test_the_closed_form_is_the_textbook_one():
    # Two equal transfers of 1 MB on 8 Mbps (1 MB/s) share it: both end at 2 s. Then a step:
    # 1 MB/s for 1 s, 2 MB/s after: 3 MB of work (1 + 2 x 1 MB for the pair) ends at 2 s.
    assert expected_finishes("work_conserving", [1, 1], [1e6, 1e6], [(0.0, 8.0)]) == [2.0, 2.0]
    assert expected_finishes("work_conserving", [1, 1], [1e6, 2e6], [(0.0, 8.0), (1.0, 16.0)]) == [1.5, 2.0]
    assert expected_finishes("reserved", [1, 3], [1e6, 1e6], [(0.0, 8.0)]) == [4.0, pytest.approx(4 / 3)]
