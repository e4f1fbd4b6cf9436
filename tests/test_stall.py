"""No run hangs: the reported livelock ends, and a world that stops its clock says so.

The reported case: reserved sharing over the Lumos5G trace pool, every device ``adaptive``,
140 s. Before the fix, with the ``model_aware`` allocator and one request per second per
device, replication 1 spun at t = 31.868756968161527 s for ever (a transfer's remainder on
its slice clock was above the slice's slack and below the resolution of the link's clock),
and so did replications 2, 3, 4, 5 and 7 with 32 devices at 0.2 requests/s.
"""

from __future__ import annotations

import simpy
import pytest
import yaml

from scoutsim.cli import main
from scoutsim.config import load_scenario
from scoutsim.errors import BugReport
from scoutsim.network.link import follow
from scoutsim.network.uplink import SharedUplink
from scoutsim.network.vtime import VirtualTimeUplink
from scoutsim.sim import stall
from scoutsim.sim.runner import simulate

from conftest import ROOT


def lumos_reserved(tmp_path, **agent):
    data = yaml.safe_load((ROOT / "scenarios" / "lumos5g.yaml").read_text())
    u = data["uplinks"][0]
    u["sharing"], u["allocator"] = "reserved", "model_aware"
    u["channel"]["runs"] = [str(ROOT / "traces" / "lumos5g" / "lumos5g_run*.csv")]
    data["duration_s"], data["replications"] = 140, 2
    data["agents"][0].update(agent)
    path = tmp_path / "lumos_reserved.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_reported_lumos5g_reserved_case_ends(tmp_path):
    path = lumos_reserved(tmp_path, count=8, arrival={"kind": "poisson", "rate_per_s": 1.0})
    resolved = load_scenario(path)
    df = simulate(resolved)
    rep1 = df[df["replication"] == 1]
    # It ran past the instant where it used to spin, to the end of its arrivals.
    assert rep1["arrival_s"].max() > 130.0
    assert rep1["tx_end_s"].dropna().max() > 31.868756968161527
    assert (rep1["latency_s"].dropna() >= 0).all()


def test_a_world_that_stops_its_clock_is_stopped_with_a_bug_report():
    env = simpy.Environment()

    def spin():
        while True:
            yield env.timeout(0)

    def tick():
        yield env.timeout(1.5)
        env.process(spin())
        yield env.timeout(10.0)

    env.process(tick())
    with pytest.raises(BugReport, match=r"stopped advancing: 1000 events at t = 1\.5 s .*nothing here"):
        stall.run_until(env, env.event(), 1000, lambda: "nothing here")


def test_a_run_that_reaches_its_end_is_not_stopped():
    env = simpy.Environment()
    end = env.timeout(3.0)
    # 5000 events at t = 0 (a burst, as a periodic scenario's devices make) pass: the limit
    # counts events without the clock moving, and the clock moves after them.
    for _ in range(5000):
        env.timeout(0.0)
    stall.run_until(env, end, 10_000, lambda: "")
    assert env.now == 3.0


def test_the_report_names_the_link_and_its_transfers():
    # 8 Mbps is 1e6 bytes/s. Slot 0 sends 3e6 B and slot 1 145 B at t = 0, equal weights,
    # work-conserving. Slot 1 is done at 290 us; at t = 0.5 the capacity changes (an event
    # brings the link up to date): 0.5 s x 1e6 B/s = 5e5 B sent in all, 145 of them by slot 1,
    # so slot 0 had 3e6 - (5e5 - 145) = 2500145 B left then, and alone at 2e6 B/s since, has
    # 2300145 B left at t = 0.6: the report is as of now (Link.remaining), not of the last event.
    for cls in (SharedUplink, VirtualTimeUplink):
        env = simpy.Environment()
        link = cls(env, [1.0, 1.0])
        env.process(follow(env, link.set_capacity, iter([(0.0, 8.0), (0.5, 16.0)])))
        env.process(iter_send(env, link))
        env.run(until=0.6)
        text = stall.describe_links({"cell0": link})
        assert "link 'cell0', 1 transfers in flight (agent slot 0: 3e+06 B, 2.30014e+06 B left)" in text, text
    assert stall.describe_links({"cell0": SharedUplink(simpy.Environment(), [1.0])}) == "No transfer is in flight."


def iter_send(env, link):
    yield env.timeout(0.0)
    link.send(0, 3e6)
    link.send(1, 145.0)


def test_a_stalled_run_exits_1_with_one_message_and_writes_nothing(tmp_path, monkeypatch, capsys):
    # Put the old bug back on purpose: a finish event that finishes nothing and comes again
    # at once. The guard must turn it into one message naming the link, exit 1.
    def spinning(self, version, delay, what):
        self.env.timeout(0).callbacks.append(lambda _ev: spinning(self, version, delay, what))

    monkeypatch.setattr(VirtualTimeUplink, "_finish", spinning)
    monkeypatch.setattr(stall, "STALL_EVENTS", 5000)
    out = tmp_path / "out"
    rc = main(["run", str(ROOT / "scenarios" / "8agents_100mbps.yaml"), "--out", str(out), "--duration", "5",
               "--replications", "1", "--no-plots", "--no-progress"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "stopped advancing" in err and "link 'cell0'" in err and "agent slot" in err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_an_internal_error_is_one_message_without_traceback(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(VirtualTimeUplink, "set_capacity", broken)
    argv = ["run", str(ROOT / "scenarios" / "8agents_100mbps.yaml"), "--out", str(tmp_path / "o"), "--duration",
            "2", "--replications", "1", "--no-plots", "--no-progress"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "internal error" in err and "ZeroDivisionError: float division by zero" in err and "SCOUTSIM_DEBUG" in err
    monkeypatch.setenv("SCOUTSIM_DEBUG", "1")
    with pytest.raises(ZeroDivisionError, match="float division by zero"):
        main(argv)
