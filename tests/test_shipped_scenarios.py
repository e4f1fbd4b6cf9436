"""Every shipped scenario validates; one needing imported real traces says how to import them."""

from __future__ import annotations

import pytest

from scoutsim.config import load_scenario
from scoutsim.errors import UserError
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))
# Scenarios that replay measured traces the repository may not redistribute (traces/README.md):
# on a fresh clone they must fail with the import command, the others must validate.
NEEDS_IMPORTED_TRACES = {"umn_uplink.yaml"}
VALIDATING = [p for p in SCENARIOS if p.name not in NEEDS_IMPORTED_TRACES]


@pytest.mark.parametrize("path", VALIDATING, ids=[str(p.relative_to(ROOT)) for p in VALIDATING])
def test_shipped_scenario_validates(path):
    resolved = load_scenario(path)
    assert resolved.scenario.replications >= 10  # summaries need enough replications for a CI


@pytest.mark.parametrize("name", sorted(NEEDS_IMPORTED_TRACES))
def test_a_scenario_on_unshipped_traces_says_how_to_import_them(name):
    if any((ROOT / "traces" / "real").glob("umn_run*.csv")):
        pytest.skip("this checkout has imported the UMN runs into traces/real")
    with pytest.raises(UserError, match=r"python -m scoutsim traces import \w+ \S+ --out traces/real/"):
        load_scenario(ROOT / "scenarios" / name)


def test_comparison_folders_differ_only_in_what_they_compare():
    for folder in ("compare_policies", "compare_allocators"):
        dumps = [load_scenario(p).resolved_dict() for p in sorted((ROOT / "scenarios" / folder).glob("*.yaml"))]
        assert len(dumps) >= 3

        def strip(d):
            d = dict(d, name=None)
            d["uplinks"] = [dict(u, allocator=None, sharing=None) for u in d["uplinks"]]
            d["agents"] = [dict(a, policy=None, estimator=None) for a in d["agents"]]
            return d

        assert all(strip(d) == strip(dumps[0]) for d in dumps), folder
