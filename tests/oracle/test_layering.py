"""The layer rules for the oracle half: no import cycles, and only foundation modules imported."""

import ast
from pathlib import Path

import networkx as nx

from scoutsim.oracle import ALLOWED_IMPORTS

PKG = Path(__file__).resolve().parents[2] / "scoutsim"


def imports_of(path: Path) -> set[str]:
    """Every scoutsim module a file imports, at any depth (lazy imports count too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("scoutsim"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            out |= {n for n in names if (PKG.parent / (n.replace(".", "/") + ".py")).is_file()} or {node.module}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("scoutsim")}
    return out


def test_oracle_imports_only_foundation_modules():
    outside = {}
    for f in sorted((PKG / "oracle").glob("*.py")):
        bad = {m for m in imports_of(f) if not m.startswith("scoutsim.oracle") and m not in ALLOWED_IMPORTS}
        if bad:
            outside[f.name] = sorted(bad)
    assert outside == {}


def test_no_import_cycle_in_the_oracle_or_raystart():
    g = nx.DiGraph()
    for f in sorted((PKG / "oracle").glob("*.py")) + [PKG / "raystart.py"]:
        mod = "scoutsim." + ".".join(f.relative_to(PKG).with_suffix("").parts)
        mod = mod.removesuffix(".__init__")
        for m in imports_of(f):
            if m.startswith("scoutsim.oracle") or m == "scoutsim.raystart":
                g.add_edge(mod, m)
    assert list(nx.simple_cycles(g)) == []


def test_raystart_imports_nothing_from_the_simulator():
    assert imports_of(PKG / "raystart.py") <= {"scoutsim.errors"}
