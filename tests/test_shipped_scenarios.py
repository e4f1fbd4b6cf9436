"""Every shipped scenario validates; one needing imported real traces says how to import them."""

from __future__ import annotations

import pytest

from scoutsim.config import load_scenario
from scoutsim.errors import UserError
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[str(p.relative_to(ROOT)) for p in SCENARIOS])
def test_shipped_scenario_validates(path):
    try:
        resolved = load_scenario(path)
    except UserError as exc:
        # Real traces may not be redistributed: the message must carry the import command.
        assert "traces import" in str(exc), str(exc)
        return
    assert resolved.scenario.replications >= 10  # summaries need enough replications for a CI


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
