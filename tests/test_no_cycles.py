"""A run makes no reference cycles but those of requests in flight at its end: World.run
turns Python's cyclic garbage collector off while it runs (it walked every device's objects
again and again: about 15 % of a 10^5-device run), which is safe only if what a run throws
away goes by reference counts.

Each case runs with the collector off (as World.run has it) and then collects. The only
cycles allowed are those of requests still in flight when the run ends (a request waiting on
its transfer's event, whose callback is the request's own method): a few objects per
unfinished request, once per run, freed when the collector is back on. A cycle made per
request, per transfer or per event anywhere in a run leaves garbage from finished requests
or more than that bound, and fails. The world itself (whose agents point back to it) is
still referenced here, so it is not garbage yet. The cases: every shipped scenario, shortened, and the
output-identity cases (reserved slices, Markov channels, periodic arrivals, the oracle
estimator, exact ties, a run cut at its drain limit, several uplinks), so fallback,
abandonment, cloud-aware waits, TCP, traces, cells and superposed arrivals are covered.
"""

from __future__ import annotations

import gc
import math
from pathlib import Path

import pytest
import yaml

from scoutsim.bench.scenarios import ROOT, identity_cases, resolve
from scoutsim.config import load_scenario
from scoutsim.errors import UserError
from scoutsim.sim.request import Request
from scoutsim.sim.world import World, build_pools

SHIPPED = sorted((ROOT / "scenarios").rglob("*.yaml"))


def _check_one_run(resolved) -> None:
    world = World(resolved, 0, build_pools(resolved))
    gc.collect()
    frame = world.run()
    assert gc.isenabled()  # World.run gives the collector back as it found it
    assert len(frame) > 0
    unfinished = int((~frame["completed"]).sum())
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds, to look at it
    try:
        gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
        gc.enable()
    requests = [o for o in garbage if isinstance(o, Request)]
    assert all(math.isnan(r.done) for r in requests), "a finished request was left in a cycle"
    # A request in flight: itself, its transfer's event, the event's callback list and the
    # bound method in it; a fallback watcher adds a few.
    assert len(garbage) <= 8 * unfinished, (len(garbage), unfinished)


def test_the_collector_would_find_a_cycle():
    # The check itself can fail: a cycle made while the collector is off is found.
    class Node:
        pass

    gc.collect()
    gc.disable()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a
        del a, b
        assert gc.collect() >= 2
    finally:
        gc.enable()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT / "scenarios")))
def test_a_shipped_scenario_leaves_no_cyclic_garbage(path: Path):
    data = yaml.safe_load(path.read_text())
    duration = min(float(data.get("duration_s", 60)), 60.0)
    try:
        resolved = load_scenario(path, {"replications": 1, "duration_s": duration})
    except UserError as exc:
        if "cannot be shipped" not in str(exc):
            raise
        pytest.skip("needs measured traces that are imported, not shipped")
    _check_one_run(resolved)


@pytest.mark.parametrize("name", sorted(identity_cases()))
def test_an_identity_case_leaves_no_cyclic_garbage(name: str):
    _check_one_run(resolve(identity_cases()[name], replications=1))
