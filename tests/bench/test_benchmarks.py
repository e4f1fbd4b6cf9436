"""The benchmark code runs and measures what it says; its speed is not checked here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scoutsim.bench import floor, scaling, suite, throughput
from scoutsim.bench.identity import compare
from scoutsim.bench.scenarios import resolve, scaled
from scoutsim.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]


def test_needed_events_counts_what_each_request_needs():
    df = pd.DataFrame({
        "uplink": ["a", "a", "b"],
        "tx_start_s": [np.nan, 1.0, 2.0],  # a local request, then two that use the uplink
    })
    # 2 each (arrival, edge) + 2 each for the senders (transfer, cloud) + latency on a only.
    assert floor.needed_events(df, {"a": 0.02, "b": 0.0}) == 6 + 4 + 1


def test_timeout_cost_is_the_timed_cost_of_each_timeout_and_nothing_else(monkeypatch):
    # A fake clock instead of a stopwatch (timings on a shared machine swing by 10x): each
    # timeout SimPy processes costs exactly 1 s of it, each process start 1,000 s. The
    # floor's figure must then be exactly 1 s per event: 4 processes x 1,000 timeouts timed,
    # the starts (run before the clock starts, as a request starts no process) not at all.
    import types

    import simpy

    clock = [0.0]
    real_step = simpy.Environment.step

    def step(env):
        head = env._queue[0][3] if env._queue else None
        clock[0] += 1.0 if isinstance(head, simpy.Timeout) else 1000.0 if isinstance(head, simpy.events.Initialize) \
            else 0.0
        return real_step(env)

    monkeypatch.setattr(simpy.Environment, "step", step)
    monkeypatch.setattr(floor, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    assert floor.timeout_cost(4000, processes=4, repeats=2) == 1.0
    # and it divides by the events actually run: 8 processes x 500
    assert floor.timeout_cost(4000, processes=8, repeats=1) == 1.0


@pytest.mark.parametrize("agents,uplinks", [(8, 1), (10, 3), (64, 100)])
def test_scaled_scenarios_keep_the_load_per_uplink(agents, uplinks):
    r = resolve(scaled(agents, uplinks, requests=1000))
    s = r.scenario
    assert sum(g.count for g in s.agents) == agents
    used = min(agents, uplinks)
    assert len(s.uplinks) == used
    for u in s.uplinks:
        rate = sum(g.count * g.arrival.rate_per_s for g in s.agents if g.uplink == u.id)
        assert rate == pytest.approx(8 * 0.2)  # the main scenario's 8 agents x 0.2/s
    assert s.duration_s * 1.6 * used == pytest.approx(1000)


def test_identity_compare_names_the_differing_column():
    a = pd.DataFrame({"x": [1.0, np.nan], "y": [1, 2]})
    assert compare(a, a.copy()) == []
    b = a.copy()
    b.loc[1, "y"] = 3
    problems = compare(a, b)
    assert len(problems) == 1 and problems[0].startswith("y: 1 rows differ")


def test_identity_compare_with_a_tolerance_passes_float_noise_only():
    a = pd.DataFrame({"x": [1.0, np.nan, 0.0], "y": [1, 2, 3]})
    b = a.copy()
    b.loc[0, "x"] = 1.0 + 4e-12  # relative difference 4e-12
    (note,) = compare(a, b, rtol=1e-9)
    assert "largest relative difference 4.0e-12 (within 1e-09)" in note
    assert compare(a, b)[0].startswith("x: 1 rows differ")  # without a tolerance it differs
    b.loc[0, "x"] = 1.0 + 2e-9
    assert "(within" not in compare(a, b, rtol=1e-9)[0]
    b.loc[0, "x"] = 1.0
    b.loc[1, "x"] = 5.0  # a NaN became a number: never noise
    assert "(within" not in compare(a, b, rtol=1e-9)[0]


def test_quick_main_scaling_and_memory_run_and_print_their_ratios(capsys):
    out = suite.run(["main", "scaling", "memory"], quick=True)
    text = capsys.readouterr().out
    main = out["main"]
    # Quick: 2 replications x 300 s of the main scenario. Its arrivals are Poisson, so the
    # request count is within 5 standard deviations of sum(count x rate) x 600 s.
    import yaml

    raw = yaml.safe_load((ROOT / "scenarios" / "8agents_100mbps.yaml").read_text())
    expected = sum(g["count"] * g["arrival"]["rate_per_s"] for g in raw["agents"]) * 300 * 2
    assert abs(main["requests"] - expected) < 5 * np.sqrt(expected), (main["requests"], expected)
    # Events a request needs (DESIGN time model): arrival + edge compute for every request,
    # transfer + cloud for those that use the uplink, + the latency hop (20 ms on cell0).
    share = main["uplink_share"]
    assert main["events_per_request"] == pytest.approx(2 + 2 * share + share)
    assert "cost / floor" in text and "simulated requests/s" in text
    assert [v["case"] for v in main["variants"]][1] == "exact O(n) uplink, per-device arrivals"
    assert all(v["requests"] > 0 for v in main["variants"]) and main["variants"][0]["vs_default"] == 1.0
    assert {r["agents"] for r in out["scaling"]} == set(scaling.AGENTS[:3])
    assert "vs 8 agents" in text
    assert "state per device" in text
    mem = out["memory"]["memory"][0]
    # The result table alone holds the 17 contract columns of every request (8 bytes or
    # more each), so the peak per request cannot be below that.
    assert mem["bytes_per_request"] >= 17 * 8
    assert "write" in text and "B/request" in text


def test_quick_saturated_cell_and_city_run_and_report(capsys):
    from scoutsim.bench import city, saturated

    out = suite.run(["saturated", "city"], quick=True)
    text = capsys.readouterr().out
    rows = out["saturated"]
    assert {(r["model"], r["in_flight"]) for r in rows} == {(m, n) for m in saturated.MODELS for n in (4, 1000)}
    for r in rows:
        # every kind of event happened: finishes and capacity changes in about the planned mix
        assert r["finishes"] > 0 and r["capacity_changes"] > 0 and r["us_per_event"] > 0
    assert "saturated (1,000 in flight) against light (4)" in text
    c = out["city"]
    devices, cells, duration = city.QUICK
    # The city keeps the main scenario's load per cell: 8 x 0.2 requests/s per cell; Poisson
    # count over cells x duration = 640 expected, sd 25: within 5 sd.
    assert abs(c["requests"] - 1.6 * cells * duration) < 5 * (1.6 * cells * duration) ** 0.5
    assert c["peak_mb"] >= c["imports_mb"] > 0
    assert "peak resident memory" in text


def test_city_scenario_spreads_devices_over_independent_cells():
    from scoutsim.bench.scenarios import city, main_dict

    s = resolve(city(1000, 10, 30.0)).scenario
    main_gpus = main_dict().get("cloud", {}).get("gpus", 1)  # the main scenario's GPUs for every cell
    assert len(s.uplinks) == 10 and s.arrivals == "superposed" and s.duration_s == 30.0
    assert sum(g.count for g in s.agents) == 1000 and s.cloud.gpus == 10 * main_gpus
    for u in s.uplinks:
        assert sum(g.count for g in s.agents if g.uplink == u.id) == 100


def test_device_state_is_measured_per_device():
    from scoutsim.bench import memory

    small, large = memory.device_state(500, cells=5), memory.device_state(1000, cells=10)
    assert small["devices"] == 500 and large["devices"] == 1000 and small["requests"] > 0
    for d in (small, large):
        # After the run the devices hold what they built and their estimator windows: never less.
        assert 0 < d["built_bytes_per_device"] <= d["after_run_bytes_per_device"]
    # State per device, not per world: twice the devices (the same 100 per cell) holds twice
    # the bytes, so the figure per device is the same within 15 % (a fixed cost of the world
    # divided by the devices would halve).
    assert large["built_bytes_per_device"] == pytest.approx(small["built_bytes_per_device"], rel=0.15)


def test_profile_is_printed_on_request_and_profiles_the_simulation(capsys):
    import re

    r = throughput.run(quick=True, profile=True)
    out = capsys.readouterr().out
    assert "ncalls  tottime  percall  cumtime  percall filename:lineno(function)" in out
    # The profiled call is the simulation itself: SimPy's event loop stepped at least twice
    # per request (its arrival and its edge compute), and the agents' code ran.
    steps = re.search(r"^\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+ \S*simpy/core\.py:\d+\(step\)$", out, re.M)
    assert steps and int(steps.group(1)) >= 2 * r["requests"], out[-3000:]
    assert re.search(r"scoutsim/sim/agent\.py:\d+\(", out)


def test_bench_command_rejects_an_unknown_name(capsys):
    assert cli_main(["bench", "nonsense", "--quick"]) == 2
    assert "unknown benchmark 'nonsense'" in capsys.readouterr().err


def test_benchmark_scripts_run_as_plain_scripts():
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "scaling.py"), "--help"],
                         capture_output=True, text=True, cwd="/", timeout=120)
    assert res.returncode == 0 and "--quick" in res.stdout


def test_quick_sweep_benchmark_times_each_executor_and_checks_identical_files():
    from scoutsim.bench import sweeps

    r = sweeps.measure(quick=True, ray=False)  # Ray's start-up would take longer than the sweeps
    # The quick grid: 2 rates x 2 allocators, every point run by each executor.
    assert r["points"] == 4
    assert [(c["executor"], c["workers"]) for c in r["cases"]] == [("local", 1), ("local", 2), ("command", 1),
                                                                     ("command", 2)]
    for c in r["cases"]:
        assert 0 < c["seconds"] <= c["first_seconds"]  # best of the repeats
    assert r["cases"][3]["against"] == "command, --workers 1"
    lines = sweeps.report(r, load=0.5)
    assert "(Ray not measured: not asked for)" in lines
    assert any(line.startswith("local, 2 workers: ") and "files identical" in line for line in lines)
    assert any(line.startswith("command, --workers 2: ") for line in lines)


def test_sweep_benchmark_fails_when_two_executors_write_different_files(monkeypatch):
    # The identity check can fail: a sweep whose second run writes other bytes is refused.
    from scoutsim.bench import sweeps
    from scoutsim.experiments import sweep as sweep_module

    real = sweep_module.run_sweep
    calls = []

    def tampered(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:
            (result.out / "summary.parquet").write_bytes(b"other bytes")
        return result

    monkeypatch.setattr(sweep_module, "run_sweep", tampered)
    with pytest.raises(AssertionError, match="summary.parquet"):
        sweeps.measure(quick=True, ray=False, command=False)


def test_sweep_benchmark_is_registered():
    assert suite.BENCHMARKS["sweep"][0] == "scoutsim.bench.sweeps"
