"""Superposed arrivals (scoutsim/sim/arrivals.py): the per-device processes they produce
are the independent ones they replace, and every policy sees the same arrivals.

Statistical tests run on fixed seeds (so they are deterministic) at level alpha = 1e-3; each
states its power against a named alternative, worked out in the test from theory.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from scipy import stats

from scoutsim.bench.scenarios import main_dict, resolve
from scoutsim.sim.arrivals import PeriodicCalendar, SuperposedPoisson
from scoutsim.sim.world import World

ALPHA = 1e-3


class Device:
    def __init__(self):
        self.times = []
        self.questions = []

    def arrive(self, env, q):
        self.times.append(env.now)
        self.questions.append(q)


class Pool:
    def __init__(self, n):
        self.n = n

    def draw_indices(self, rng, k):
        return rng.integers(self.n, size=k).tolist()

    def question(self, k):
        return k


def run(calendar, until):
    env = simpy.Environment()
    env.process(calendar.arrivals(env, until))
    env.run()


def poisson_devices(n, rate, until, seed):
    devices = [Device() for _ in range(n)]
    rngs = np.random.default_rng(seed).spawn(2)
    run(SuperposedPoisson(devices, rate, Pool(50), rngs[0], rngs[1]), until)
    return devices


def test_counts_per_device_are_independent_poisson_counts():
    # 200 devices at 1/s for 500 s. Independent Poisson devices have counts N_i ~ Poisson(500),
    # so X = sum (N_i - 500)^2 / 500 ~ chi2(200) (normal approximation to each term, good at
    # a mean of 500), and the total ~ Poisson(10^5).
    n, rate, T = 200, 1.0, 500.0
    counts = np.array([len(d.times) for d in poisson_devices(n, rate, T, seed=11)])
    mu = rate * T
    x = float(((counts - mu) ** 2 / mu).sum())
    assert stats.chi2.sf(x, n) > ALPHA
    # Dispersion from below too: a scheme that deals arrivals round-robin would give X ~ 0.
    assert stats.chi2.cdf(x, n) > ALPHA
    total = counts.sum()
    assert abs(total - n * mu) / np.sqrt(n * mu) < stats.norm.isf(ALPHA / 2)
    # Power: if half the devices got 5 % more arrivals and half 5 % less (a biased device
    # draw), X would be noncentral chi2(200) with noncentrality 200 x (25^2 / 500) = 250.
    power = stats.ncx2.sf(stats.chi2.isf(ALPHA, n), n, 200 * (0.05 * mu) ** 2 / mu)
    assert power > 0.999


def test_inter_arrival_times_per_device_are_exponential():
    # Gaps of each device, times its rate, pooled: Exp(1) for independent Poisson devices.
    # KS at alpha = 1e-3 on about 10^5 gaps. Power: against gaps whose rate is off by 4 %
    # (sup |F0 - F1| = max_x |e^-x - e^-1.04x| ~ 0.04 / e = 0.0147), the DKW inequality gives
    # P(miss) <= 2 exp(-2 n (0.0147 - c)^2), c the KS critical value.
    devices = poisson_devices(200, 1.0, 500.0, seed=12)
    gaps = np.concatenate([np.diff(d.times) for d in devices])
    n = len(gaps)
    result = stats.kstest(gaps, "expon")
    assert result.pvalue > ALPHA
    c = stats.kstwo.isf(ALPHA, n)
    delta = max(np.exp(-x) - np.exp(-1.04 * x) for x in np.linspace(0, 5, 5001))
    assert 1 - 2 * np.exp(-2 * n * (delta - c) ** 2) > 0.99
    # First arrivals: Exp(1) too (memorylessness of the superposed stream).
    assert stats.kstest([d.times[0] for d in devices], "expon").pvalue > ALPHA


def test_devices_are_uncorrelated():
    # Independent devices: counts of two devices in the same 10 s windows are uncorrelated.
    # 50 windows x 100 disjoint device pairs: the mean sample correlation is ~ N(0, 1/(100 x 49)).
    # Power against a correlation of 0.1 between paired devices: z = 0.1 x sqrt(4900) = 7.0
    # against the two-sided critical value 3.29: power > 0.999.
    devices = poisson_devices(200, 1.0, 500.0, seed=13)
    edges = np.arange(0, 501, 10.0)
    hist = np.array([np.histogram(d.times, edges)[0] for d in devices])
    r = [np.corrcoef(hist[2 * i], hist[2 * i + 1])[0, 1] for i in range(100)]
    z = np.mean(r) * np.sqrt(100 * 49)
    assert abs(z) < stats.norm.isf(ALPHA / 2)
    assert stats.norm.sf(stats.norm.isf(ALPHA / 2) - 0.1 * np.sqrt(4900)) > 0.999


def test_periodic_calendar_gives_each_device_its_own_schedule():
    # Every device's arrivals are exactly phase_i + k period (the same float sum as a
    # device's own loop), and the phases are Uniform(0, period) (KS at 1e-3).
    n, period, T = 300, 3.0, 60.0
    devices = [Device() for _ in range(n)]
    rngs = np.random.default_rng(5).spawn(2)
    cal = PeriodicCalendar(devices, period, None, Pool(10), rngs[0], rngs[1])
    run(cal, T)
    phases = np.empty(n)
    phases[cal.order] = cal.phases
    for d, phase in zip(devices, phases):
        expected = [phase + k * period for k in range(int(np.ceil((T - phase) / period)))]
        expected = [t for t in expected if t < T]
        assert d.times == expected
    assert stats.kstest(phases / period, "uniform").pvalue > ALPHA


def test_periodic_with_an_offset_arrive_together_in_index_order():
    devices = [Device() for _ in range(4)]
    order = []
    for i, d in enumerate(devices):
        d.arrive = (lambda env, q, i=i, d=d: (order.append(i), Device.arrive(d, env, q)))
    rngs = np.random.default_rng(0).spawn(2)
    run(PeriodicCalendar(devices, 2.0, 0.5, Pool(3), rngs[0], rngs[1]), 5.0)
    assert order == [0, 1, 2, 3] * 3  # at 0.5, 2.5 and 4.5
    assert devices[2].times == [0.5, 2.5, 4.5]


def superposed_run(allocator=None, **group_changes):
    data = main_dict()
    data["arrivals"] = "superposed"
    for g in data["agents"]:
        g.update(group_changes)
    if allocator:
        data["uplinks"][0]["allocator"] = allocator
    df = World(resolve(data, replications=1, duration_s=200), 0).run()
    return df.sort_values(["agent", "request"]).reset_index(drop=True)


@pytest.mark.parametrize("changes", [{"policy": "static:bf16"}, {"policy": "static:text"},
                                     {"arrival": {"kind": "periodic", "period_s": 4.0}}])
def test_every_policy_sees_the_same_arrivals_devices_and_questions(changes):
    base = superposed_run(**({"arrival": changes["arrival"]} if "arrival" in changes else {}))
    other = superposed_run(**changes)
    cols = ["agent", "request", "arrival_s", "sample_id", "context_tokens"]
    assert len(base) > 100
    assert base[cols].equals(other[cols])
    if "policy" in changes:  # the policy did change what happened
        assert not base["mode"].equals(other["mode"])


def test_every_allocator_sees_the_same_arrivals_devices_and_questions():
    base, other = superposed_run(allocator="equal"), superposed_run(allocator="model_aware")
    cols = ["agent", "request", "arrival_s", "sample_id", "context_tokens"]
    assert base[cols].equals(other[cols])
    assert not base["tx_end_s"].equals(other["tx_end_s"])  # the weights did change the sharing


def test_superposed_worlds_make_no_per_device_streams_and_one_pending_arrival_per_group():
    data = main_dict()
    data["arrivals"] = "superposed"
    w = World(resolve(data, replications=1, duration_s=50), 0)
    assert all(a.arrivals_rng is None and a.questions_rng is None for a in w.agents)
    for source in w.calendars:
        w.env.process(source.arrivals(w.env, 50))
    w.env.run(until=1e-9)
    # SimPy's queue: the channel's process and one arrival per group (3 groups), not 8.
    assert len(w.env._queue) <= len(w.calendars) + len(w.links)


def test_an_unknown_arrivals_value_is_one_clear_error():
    from scoutsim.errors import UserError

    data = main_dict()
    data["arrivals"] = "bulk"
    with pytest.raises(UserError, match=r"arrivals: Input should be 'per_device' or 'superposed' \(got 'bulk'\)"):
        resolve(data)
