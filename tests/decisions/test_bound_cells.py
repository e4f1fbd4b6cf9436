"""The clairvoyant bound on the cell model and with superposed arrivals: the counterexamples
where it used to be below a simulated policy (a device faster than the cell's reference rate
in a time-share cell; the proportional-fair scheduler's diversity gain), and the superposed
arrivals it could not build. Each case is worked out by hand from the payload sizes."""

from __future__ import annotations

import copy
import numpy as np
import pytest

from scoutsim.cli import main as cli_main
from scoutsim.config.loader import scenario_from_dict
from scoutsim.network.pfgain import pf_gain
from scoutsim.sim.clairvoyant import bound, f1_misses_zero, instance
from tests.conftest import ROOT
from tests.decisions.helpers import per_replication, run

MBPS = 1e6 / 8  # bytes/s

BASE = {
    "name": "cell_bound", "seed": 3, "replications": 2, "duration_s": 30,
    "oracle": "published-squad-v2",
    "uplinks": [{"id": "cell0", "channel": {"kind": "constant", "mbps": 3}, "sharing": "time_share",
                 "latency_ms": 20}],
    "agents": [{"name": "a", "count": 1, "edge_model": "qwen2.5-7b", "cloud_model": "qwen2.5-14b",
                "uplink": "cell0", "link_quality": 5,
                "arrival": {"kind": "periodic", "period_s": 5, "offset_s": 1.0}, "deadline_s": 2.0,
                "policy": "static:int4", "modes": ["int4", "int8"]}],
}


def scenario(mbps=3, scheduler=None, sharing="time_share", **agent):
    data = copy.deepcopy(BASE)
    cell = data["uplinks"][0]
    cell["channel"]["mbps"], cell["sharing"] = mbps, sharing
    if scheduler is not None:
        cell["scheduler"] = scheduler
    data["agents"][0].update(agent)
    return data


def windows(data):
    """Per mode (int4, int8): the bytes of a request and its window (s), from the instance."""
    inst = instance(scenario_from_dict(data, source="<test>", base_dir=ROOT), 0)
    (_, choices), = {(u, tuple(ch)) for u, ch in inst.requests[:1]}
    return [(c.payload_bytes, c.due_s - c.release_s, c.quality) for c in choices]


def bound_and_policy(data):
    resolved = scenario_from_dict(data, source="<test>", base_dir=ROOT)
    best = f1_misses_zero(bound(resolved, time_limit_s=30))
    got = per_replication(run(data), "f0")
    return best, got


def test_a_device_five_times_the_reference_rate_in_a_time_share_cell():
    data = scenario()
    (b4, w4, q4), (b8, w8, _) = windows(data)
    own = 5 * 3 * MBPS
    # By hand: int4 fits in its window at the device's own 15 Mbps but not at the cell's 3 Mbps
    # reference, and int8 fits at neither; the device is alone, so every request sends int4.
    assert b4 / w4 <= own and b4 / w4 > 3 * MBPS and b8 / w8 > own
    best, got = bound_and_policy(data)
    assert got == pytest.approx([q4, q4])  # the policy makes every deadline
    assert best == pytest.approx([q4, q4], abs=1e-6)  # the bound was 0.000 before
    assert np.all(got <= best + 1e-9)


def test_proportional_fair_gain_with_four_devices():
    # Four far devices (a tenth of the cell's top rate: 24 Mbps each alone) on a pf cell that
    # rides Rayleigh fading; G = G(4, 0.1), the diversity gain of the capped MCS curve
    # (scoutsim.network.pfgain, checked against a slot-level PF in tests/network).
    data = scenario(mbps=240, scheduler="pf", link_quality=0.1, count=4)
    data["uplinks"][0]["fading"] = "rayleigh"
    (b4, w4, q4), (b8, w8, _) = windows(data)
    own, gain = 24 * MBPS, pf_gain(4, 0.1)
    # By hand: the four devices arrive together; pf gives each own * G / 4, enough for int4,
    # while equal time shares without the gain (own / 4 = 6 Mbps) are not.
    assert own * gain / 4 >= b4 / w4 > own / 4
    # One int8 among them does not fit the time limit sum_i x_i / r_i <= G over a window.
    assert b8 / own + 3 * b4 / own > gain * w4
    best, got = bound_and_policy(data)
    assert got == pytest.approx([q4, q4])
    assert best == pytest.approx([q4, q4], abs=1e-6)  # the bound was q4 / 2 before it counted the gain


def test_superposed_arrivals_are_bounded_like_the_devices_own():
    data = scenario(mbps=20, sharing="work_conserving", link_quality=1, count=2,
                    arrival={"kind": "poisson", "rate_per_s": 0.3})
    data["arrivals"] = "superposed"
    (b4, w4, q4), (b8, w8, _) = windows(data)
    assert b8 / w8 > 20 * MBPS  # int8 is out of reach even alone: no request scores above int4
    resolved = scenario_from_dict(data, source="<test>", base_dir=ROOT)
    inst = instance(resolved, 0)
    # The same arrivals the simulation sees: the group's calendar, not the devices' streams.
    df = run(data)
    first = df[df["replication"] == 0]
    assert len(inst.requests) == len(first) > 0
    best, got = bound_and_policy(data)
    assert np.all(got <= best + 1e-9)
    assert np.all(best <= q4 + 1e-6) and np.all(best > 0)


def test_a_policy_above_the_bound_is_an_error(tmp_path, monkeypatch, capsys):
    import yaml

    import scoutsim.sim.clairvoyant as clairvoyant

    path = tmp_path / "cell.yaml"
    path.write_text(yaml.safe_dump(scenario()))
    real = clairvoyant.bound

    def halved(resolved, replications=None, time_limit_s=120.0):
        # A bound that is wrong on purpose: half the true optimum.
        return [(n, type(res)(res.total_f1 / 2, res.chosen, res.optimal))
                for n, res in real(resolved, replications, time_limit_s)]

    monkeypatch.setattr(clairvoyant, "bound", halved)
    assert cli_main(["bound", str(path)]) == 1
    assert "above the clairvoyant bound" in capsys.readouterr().err


def test_printed_intervals_are_cut_at_zero_and_one(tmp_path, monkeypatch, capsys):
    """Bound per replication 0.6, 0, 0 and a policy that misses every deadline (F1 0): the t
    interval of the bound, 0.2 +- t(0.975, 2) * 0.2 = 0.2 +- 0.861, crosses 0 and 1, so it is
    printed cut to [0, 1]; so is the gap's (the same numbers, the policy scoring 0)."""
    import yaml

    import scoutsim.sim.clairvoyant as clairvoyant

    path = tmp_path / "cell.yaml"
    data = scenario(deadline_s=0.001)  # 1 ms: no int4 payload crosses a 3 Mbit/s cell in time
    data["replications"] = 3
    path.write_text(yaml.safe_dump(data))
    real = clairvoyant.bound

    def chosen(resolved, replications=None, time_limit_s=120.0):
        return [(n, type(res)(share * n, res.chosen, res.optimal))
                for share, (n, res) in zip([0.6, 0.0, 0.0], real(resolved, replications, time_limit_s))]

    monkeypatch.setattr(clairvoyant, "bound", chosen)
    assert cli_main(["bound", str(path)]) == 0
    out = capsys.readouterr().out
    assert "bound: F1 (misses scored 0) 0.200[0.000,1.000]" in out
    assert "F1 (misses scored 0) 0.000±0.000  gap to bound 0.200[0.000,1.000]" in out
    assert "-0." not in out
