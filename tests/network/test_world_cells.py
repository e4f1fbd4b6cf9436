"""The cell and network keys end to end: the world builds the cell model from a scenario,
old scenarios keep the old path, requests carry the new columns, bad input gets one message."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from scoutsim.config import scenario_from_dict
from scoutsim.errors import UserError
from scoutsim.sim.runner import simulate
from scoutsim.sim.world import World
from tests.conftest import MAIN_SCENARIO, ROOT, small_scenario
from scoutsim.config import load_scenario


def city(**top):
    """Two cells, two aggregation links, two cloud sites."""
    data = small_scenario(duration_s=60, replications=1)
    data["uplinks"] = [
        {"id": "c0", "channel": {"kind": "constant", "mbps": 100}, "sharing": "time_share",
         "scheduler": "rr", "latency_ms": 5, "grant_delay_ms": 4},
        {"id": "c1", "channel": {"kind": "constant", "mbps": 100}, "latency_ms": 5},
    ]
    a = data["agents"][0]
    data["agents"] = [dict(a, count=1, uplink="c0", cloud="near", link_quality=0.5),
                      dict(a, count=1, uplink="c1", cloud="far")]
    data["topology"] = {"links": [
        {"from": "c0", "to": "agg", "mbps": 1000, "latency_ms": 1},
        {"from": "c1", "to": "agg", "mbps": 1000, "latency_ms": 2},
        {"id": "metro", "from": "agg", "to": "near", "mbps": 400, "latency_ms": 3},
        {"id": "core", "from": "agg", "to": "far", "mbps": 400, "latency_ms": 20},
    ]}
    data["clouds"] = [{"id": "near", "gpus": 1}, {"id": "far", "gpus": 2, "slowdown": 0.5}]
    data.update(top)
    return data


def test_old_scenarios_keep_the_shared_uplink():
    w = World(load_scenario(MAIN_SCENARIO, overrides={"duration_s": 10}), 0)
    assert not hasattr(w, "network")
    assert "grant_s" not in w.run().columns


def test_cell_engine_reproduces_the_shared_uplink():
    # grant_delay_ms: 0 switches to the cell model without changing the physics: every
    # transfer's times must equal the old path's (up to float rounding of the max-min).
    base = load_scenario(MAIN_SCENARIO, overrides={"duration_s": 120, "replications": 2})
    data = base.resolved_dict()
    data["uplinks"][0]["grant_delay_ms"] = 0
    cell = scenario_from_dict(data, base_dir=ROOT)
    a, b = simulate(base), simulate(cell)
    assert list(b.columns) == list(a.columns) + ["grant_s"]
    assert (a["mode"] == b["mode"]).all()
    for col in ("tx_start_s", "tx_end_s", "done_s"):
        assert np.allclose(a[col], b[col], atol=1e-9, equal_nan=True)
    assert (b["grant_s"] == 0).all()


def test_time_share_rate_and_grant_in_the_records():
    # One device alone, link quality 0.5 of 100 Mbps: 50 Mbps = 6.25e6 bytes/s, after a
    # 4 ms grant: tx time = 0.004 + payload / 6.25e6, exactly.
    data = small_scenario(duration_s=60, replications=1)
    data["uplinks"][0].update(sharing="time_share", scheduler="rr", grant_delay_ms=4)
    data["agents"][0].update(count=1, link_quality=0.5, policy="static:int8",
                             arrival={"kind": "periodic", "period_s": 10})
    df = simulate(scenario_from_dict(data, base_dir=ROOT))
    assert len(df) >= 5
    expect = 0.004 + df["payload_bytes"] / 6.25e6
    assert np.allclose(df["tx_end_s"] - df["tx_start_s"], expect, atol=1e-9)
    assert (df["grant_s"] == 0.004).all()
    assert "path" not in df.columns and "cloud" not in df.columns


def test_topology_paths_latency_and_cloud_sites():
    resolved = scenario_from_dict(city(), base_dir=ROOT)
    w = World(resolved, 0)
    a0, a1 = w.agents
    assert a0.path == "c0>c0-agg>metro" and a1.path == "c1>c1-agg>core"
    assert a0.latency_s == pytest.approx(0.005 + 0.001 + 0.003)
    assert a1.latency_s == pytest.approx(0.005 + 0.002 + 0.020)
    assert a0.cloud is w.clouds["near"] and a1.cloud is w.clouds["far"]
    df = w.run()
    assert set(df["cloud"]) == {"near", "far"}
    assert set(df["path"]) == {"c0>c0-agg>metro", "c1>c1-agg>core"}
    # grant_s only where the cell has a grant delay and the request used the uplink
    sent = df["tx_start_s"].notna()
    assert (df.loc[sent & (df["uplink"] == "c0"), "grant_s"] == 0.004).all()
    assert (df.loc[df["uplink"] == "c1", "grant_s"] == 0).all()


def test_far_cloud_is_faster_to_compute():
    # The far site's slowdown 0.5 halves cloud compute: groups get their own site's model.
    from scoutsim.sim.world import group_models
    resolved = scenario_from_dict(city(), base_dir=ROOT)
    (near, _), (far, _) = group_models(resolved)
    mode = resolved.scenario.agents[0].candidate_modes[0]
    from scoutsim.modes import parse_mode
    assert far.cloud_seconds(parse_mode(mode), 1000, 10) == pytest.approx(
        0.5 * near.cloud_seconds(parse_mode(mode), 1000, 10))


@pytest.mark.parametrize("edit, where", [
    (lambda d: d["topology"]["links"].pop(3), "topology"),  # no path c1 -> far
    (lambda d: d["agents"][0].update(cloud="mars"), "agents[0].cloud"),
    (lambda d: d["topology"]["links"][2].update(mbps=0), "topology.links[2].mbps"),
    (lambda d: d["uplinks"][1].update(scheduler="pf"), "uplinks[1]"),
    (lambda d: d["agents"][0].update(link_quality=0), "agents[0].link_quality"),
    (lambda d: d["agents"][0].update(link_quality=-1), "agents[0].link_quality"),
    (lambda d: d["uplinks"][0].update(scheduler="fifo"), "uplinks[0].scheduler"),
    (lambda d: d["agents"][1].pop("cloud"), "agents[1].cloud"),
    (lambda d: d.pop("clouds"), "agents[0].cloud"),
])
def test_bad_input_names_the_key(edit, where):
    data = city()
    edit(data)
    with pytest.raises(UserError) as exc:
        scenario_from_dict(data, source="city.yaml", base_dir=ROOT)
    msg = str(exc.value)
    assert msg.startswith("city.yaml: ") and where in msg, msg
    assert "\n" not in msg


def test_no_path_message():
    data = city()
    data["topology"]["links"].pop(3)
    with pytest.raises(UserError, match="no path from cell 'c1' to cloud site 'far'"):
        scenario_from_dict(data, source="city.yaml", base_dir=ROOT)


def test_offset_ms_is_waited_and_recorded():
    # The same requests with a 30 ms offset on the cell-c0 device (alone in its cell, every
    # request sent as int4): each of its transfers ends 30 ms later, after the 4 ms grant,
    # and offset_s says so next to grant_s; the other cell's device is untouched.
    data = city()
    for a in data["agents"]:
        a["policy"] = "static:int4"
    base = simulate(scenario_from_dict(copy.deepcopy(data), base_dir=ROOT))
    data["agents"][0]["offset_ms"] = 30
    got = simulate(scenario_from_dict(data, base_dir=ROOT))
    assert "offset_s" in got.columns and "offset_s" not in base.columns
    mine = (got["agent"] == 0).to_numpy()
    assert mine.any() and (~mine).any() and got["tx_start_s"].notna().all()
    shift = got["tx_end_s"].to_numpy() - base["tx_end_s"].to_numpy()
    assert shift[mine] == pytest.approx(np.full(mine.sum(), 0.03), abs=1e-9)
    assert shift[~mine] == pytest.approx(np.zeros((~mine).sum()), abs=1e-9)
    assert (got.loc[mine, "offset_s"] == 0.03).all() and (got.loc[~mine, "offset_s"] == 0).all()
    assert (got.loc[mine, "grant_s"] == 0.004).all()


def test_fading_needs_time_share():
    data = city()
    data["uplinks"][1]["fading"] = "rayleigh"
    with pytest.raises(UserError, match="fading needs sharing: time_share"):
        scenario_from_dict(data, source="city.yaml", base_dir=ROOT)


def test_scheduler_without_time_share_says_so():
    data = city()
    data["uplinks"][1]["scheduler"] = "pf"
    with pytest.raises(UserError, match="scheduler needs sharing: time_share"):
        scenario_from_dict(data, source="city.yaml", base_dir=ROOT)


def test_agents_own_channels():
    # Two devices with their own constant channels, 40 and 10 Mbps (5e6 and 1.25e6 bytes/s),
    # on an rr cell; periodic arrivals 10 s apart with fixed offsets, so each transfer is
    # alone: tx time = payload / own rate, exactly.
    data = small_scenario(duration_s=60, replications=1)
    data["uplinks"][0].update(sharing="time_share")
    a = data["agents"][0]
    a.update(count=1, policy="static:int8")
    data["agents"] = [
        dict(a, channel={"kind": "constant", "mbps": 40}, arrival={"kind": "periodic", "period_s": 10, "offset_s": 0}),
        dict(a, channel={"kind": "constant", "mbps": 10}, arrival={"kind": "periodic", "period_s": 10, "offset_s": 5}),
    ]
    df = simulate(scenario_from_dict(data, base_dir=ROOT))
    rate = df["agent"].map({0: 5e6, 1: 1.25e6})
    assert set(df["agent"]) == {0, 1}
    assert np.allclose(df["tx_end_s"] - df["tx_start_s"], df["payload_bytes"] / rate, atol=1e-9)


def test_tcp_with_cell_keys_is_refused():
    data = city()
    data["uplinks"][0]["tcp"] = {"rtt_ms": 40}
    with pytest.raises(UserError, match=r"uplinks\[0\]\.tcp: TCP corrections are not modelled"):
        scenario_from_dict(data, source="city.yaml", base_dir=ROOT)


def test_break_even_counts_the_wired_path():
    from scoutsim.sim.world import break_even_mbps
    data = city()
    near = break_even_mbps(scenario_from_dict(data, base_dir=ROOT))
    data["topology"]["links"][2]["latency_ms"] = 1003  # a second more to the metro site
    far = break_even_mbps(scenario_from_dict(data, base_dir=ROOT))
    g0 = next(iter(near))
    assert all(far[g0][m] is None or far[g0][m] > near[g0][m] for m in near[g0] if near[g0][m])


def test_resolved_scenario_round_trips():
    # scenario.yaml (the resolved dump) must load again: topology links dump as `from`.
    resolved = load_scenario(ROOT / "scenarios" / "city_cells.yaml")
    again = scenario_from_dict(copy.deepcopy(resolved.resolved_dict()), base_dir=ROOT / "scenarios")
    assert again.scenario == resolved.scenario


def test_shipped_city_scenario_exercises_cells_paths_and_both_sites():
    # The scenario must show what its comment claims: every group sends over its cell (no
    # group answers everything locally), edge devices lean on scout/local more than near
    # ones, and requests reach both cloud sites over their own paths.
    from scoutsim.sim.runner import simulate

    resolved = load_scenario(ROOT / "scenarios" / "city_cells.yaml", overrides={"replications": 1, "duration_s": 300})
    df = simulate(resolved)
    sent = df.assign(sent=df["tx_start_s"].notna()).groupby("group")["sent"].mean()
    assert (sent > 0.2).all(), sent.to_dict()
    kv = df.assign(kv=df["mode"].isin(["bf16", "int8", "mixed_int4", "int4"]))
    names = {g.name: i for i, g in enumerate(resolved.scenario.agents)}
    kv_share = kv.groupby("group")["kv"].mean()
    assert kv_share[names["cell0_near"]] > kv_share[names["cell0_edge"]]
    assert set(df["cloud"]) == {"metro", "regional"}
    assert df.loc[df["cloud"] == "metro", "path"].str.contains("metro_link").all()
