"""The package's layers: no import runs upward and no modules import each other in a cycle.

The layer order is written here, lowest first; a module may import from its own layer and
the ones below. Every import counts, including those inside functions (a lazy import is a
dependency all the same). The oracle half may import only the foundation and the door
between the halves (``scoutsim.oraclecache``); nothing below the applications imports it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "scoutsim"

# Lowest first. A module belongs to the layer of its longest matching prefix.
LAYERS: list[tuple[str, list[str]]] = [
    ("foundation", ["scoutsim", "scoutsim._moved", "scoutsim.errors", "scoutsim.registry",
                    "scoutsim.digest", "scoutsim.intervals", "scoutsim.plugins", "scoutsim.raystart", "scoutsim.modes",
                    "scoutsim.shipped", "scoutsim.folders",
                    "scoutsim.__main__"]),
    ("oracle door", ["scoutsim.oraclecache", "scoutsim.oraclechecks"]),
    ("physics", ["scoutsim.physics"]),
    ("trace data", ["scoutsim.traces"]),
    ("network", ["scoutsim.network"]),
    ("decisions", ["scoutsim.decisions"]),
    ("config", ["scoutsim.config"]),
    ("simulation core", ["scoutsim.sim"]),
    ("results", ["scoutsim.results"]),
    ("applications", ["scoutsim.experiments", "scoutsim.figures", "scoutsim.bench",
                      "scoutsim.commands", "scoutsim.cli", "scoutsim.traces.plot"]),
]
ORACLE = "scoutsim.oracle"
ORACLE_MAY_IMPORT = {"foundation", "oracle door"}
# __main__ runs the CLI; _moved resolves old paths at run time (importlib), not by import.
LAYER_EXEMPT = {"scoutsim.__main__"}


def is_oracle(name: str) -> bool:
    return name == ORACLE or name.startswith(ORACLE + ".")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The scoutsim modules ``name`` imports, wherever in the file the import stands."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # `from pkg import sub` imports the module pkg.sub when there is one.
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        out.update(t for t in targets if t == "scoutsim" or t.startswith("scoutsim."))
    out.discard(name)
    return out


def layer_of(name: str) -> tuple[int, str] | None:
    best = None
    for i, (label, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                if best is None or len(prefix) > best[2]:
                    best = (i, label, len(prefix))
    return None if best is None else best[:2]


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        for target in imports_of(name, path, set(mods)):
            if target in mods:
                g.add_edge(name, target)
    return g


def test_every_module_has_a_layer(graph):
    homeless = [m for m in graph if not is_oracle(m) and layer_of(m) is None]
    assert not homeless, f"modules with no layer in tests/test_layers.py: {homeless}"


def test_no_import_runs_up_a_layer(graph):
    upward = []
    for src, dst in graph.edges:
        if src in LAYER_EXEMPT or is_oracle(src) or is_oracle(dst):
            continue
        (ls, lname), (ld, dname) = layer_of(src), layer_of(dst)
        if ld > ls:
            upward.append(f"{src} ({lname}) imports {dst} ({dname})")
    assert not upward, "imports from a lower layer to a higher one:\n" + "\n".join(upward)


def test_the_halves_meet_only_at_the_door(graph):
    wrong = []
    for src, dst in graph.edges:
        if is_oracle(src) and not is_oracle(dst):
            if layer_of(dst)[1] not in ORACLE_MAY_IMPORT:
                wrong.append(f"{src} imports {dst}")
        if is_oracle(dst) and not is_oracle(src) and layer_of(src)[1] != "applications":
            wrong.append(f"{src} imports {dst}")
    assert not wrong, "imports across the two halves outside the oracle-cache door:\n" + "\n".join(wrong)


def test_no_import_cycles(graph):
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert not cycles, f"modules that import each other: {cycles}"


def test_the_checker_sees_an_upward_import_and_a_cycle():
    g = nx.DiGraph([("scoutsim.network.uplink", "scoutsim.sim.world"), ("a", "b"), ("b", "a")])
    (ls, _), (ld, _) = layer_of("scoutsim.network.uplink"), layer_of("scoutsim.sim.world")
    assert ld > ls
    assert [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1] == [["a", "b"]]
    assert layer_of("scoutsim.traces.plot")[1] == "applications"
    assert layer_of("scoutsim.traces.fit")[1] == "trace data"


README = PACKAGE.parent / "README.md"


def expand(path: str) -> list[str]:
    """``scoutsim/{a,b}.py`` -> the modules scoutsim.a and scoutsim.b; ``scoutsim/x/`` -> scoutsim.x."""
    braces = re.fullmatch(r"(.*)\{(.*)\}(.*)", path)
    paths = [braces[1] + n + braces[3] for n in braces[2].split(",")] if braces else [path]
    return [p.removesuffix("/").removesuffix(".py").replace("/", ".") for p in paths]


def readme_table(text: str) -> dict[str, str]:
    """Module -> layer, from the README's layer table (its rows name the layer, then paths)."""
    table = text[text.index("| layer | modules and packages |"):]
    table = table[: table.index("\n\n")]
    out = {}
    for row in table.splitlines()[2:]:
        layer, paths = [c.strip() for c in row.strip("|").split("|")[:2]]
        for p in re.findall(r"`(scoutsim/[^`]*)`", paths):
            out.update((m, layer) for m in expand(p))
    return out


def top_level() -> set[str]:
    return {f"scoutsim.{p.stem}" for p in PACKAGE.glob("*.py") if p.name != "__init__.py"} | \
        {f"scoutsim.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}


def test_readme_table_lists_every_top_level_module_in_its_layer():
    listed = readme_table(README.read_text())
    assert sorted(top_level() - set(listed)) == [], "top-level modules missing from README's layer table"
    assert sorted(set(listed) - top_level()) == [], "README's layer table lists modules that do not exist"
    wrong = {m: layer for m, layer in listed.items()
             if layer != ("oracle" if is_oracle(m) else layer_of(m)[1])}
    assert wrong == {}, "README's layer table puts these in another layer than this file"


def test_the_table_reader_expands_braces_and_folders():
    text = ("| layer | modules and packages | what |\n|---|---|---|\n"
            "| foundation | `scoutsim/{errors,modes}.py` | x |\n"
            "| applications | `scoutsim/{figures,bench}/`, `scoutsim/cli.py` | y |\n\n")
    assert readme_table(text) == {"scoutsim.errors": "foundation", "scoutsim.modes": "foundation",
                                  "scoutsim.figures": "applications", "scoutsim.bench": "applications",
                                  "scoutsim.cli": "applications"}


def test_only_the_bench_command_loads_the_benchmarks(graph):
    # scoutsim/bench ships in the package so that `bench` works from a wheel (README); what
    # justifies that is that nothing else, a run least of all, imports it.
    importers = {src for src, dst in graph.edges if dst.startswith("scoutsim.bench") and not src.startswith("scoutsim.bench")}
    assert importers == {"scoutsim.commands.bench"}
    top = ast.parse((PACKAGE / "commands" / "bench.py").read_text()).body
    at_start = [ast.unparse(n) for n in top if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("scoutsim.bench")]
    assert at_start == [], "scoutsim.commands.bench imports the benchmarks when the CLI starts"
