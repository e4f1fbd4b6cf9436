"""One way to build a device (scoutsim/sim/equip.py): the world's two paths use the builder,
and no module sets an agent's attributes from outside it."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "scoutsim" / "sim"


def assignments_to_agents(path: Path) -> list[str]:
    """``agent.x = ...`` or ``self.agents[-1].x = ...`` style targets in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        for t in targets:
            if isinstance(t, ast.Attribute) and "agent" in ast.unparse(t.value).lower():
                out.append(f"{path.name}:{node.lineno}: {ast.unparse(t)}")
    return out


def test_the_world_builders_set_no_agent_attributes_from_outside():
    # (The clairvoyant bound, which instruments a built world's arrivals, is not a builder.)
    found = [hit for name in ("world.py", "cells.py", "equip.py") for hit in assignments_to_agents(SIM / name)]
    assert found == []


def test_the_check_sees_an_assignment(tmp_path):
    p = tmp_path / "cells.py"
    p.write_text("agent.cloud_id = 'x'\nworld.agents[-1].grant_s += 1\nself.agent = a\n")
    assert assignments_to_agents(p) == ["cells.py:1: agent.cloud_id", "cells.py:2: world.agents[-1].grant_s"]


def test_both_paths_build_agents_with_the_builder():
    for name in ("world.py", "cells.py"):
        text = (SIM / name).read_text()
        assert "build_agent(" in text and "Agent(" not in text.replace("build_agent(", "")
