from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scoutsim import plugins
from scoutsim.config.checks import check_scenario
from scoutsim.config.messages import describe_errors
from scoutsim.config.schema import Scenario
from scoutsim.errors import UserError
from scoutsim.physics.models import ModelBook
from scoutsim.oraclecache import OracleCache, load_cache, resolve_cache_dir


@dataclass
class ResolvedScenario:
    """A scenario that passed every check, with what it refers to loaded."""

    scenario: Scenario
    source: str  # file name (or '<dict>') for messages
    base_dir: Path  # relative paths in the scenario are resolved from here
    oracle: OracleCache
    models: ModelBook

    def resolved_dict(self) -> dict:
        out = self.scenario.model_dump(mode="json", by_alias=True)  # topology links: `from`
        if not out.get("plugins"):
            out.pop("plugins", None)  # scenarios without plug-ins resolve as they always did
        return out


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys silently; a scenario that says a thing twice
    is ambiguous, so it is an error naming both lines."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key (a list or mapping as a key)
                raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a scalar",
                                                        key_node.start_mark) from None
            if first != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice (first on line {first})", key_node.start_mark)
        return super().construct_mapping(node, deep)


def parse_yaml(text: str, source: str) -> Any:
    """YAML text -> data, refusing duplicate keys; every problem names the line."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise UserError(f"not valid YAML: {problem}", source=source, where=where) from None


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read scenario: {exc.strerror}", source=str(path)) from None
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
                        "expected a YAML scenario", source=str(path)) from None
    return parse_yaml(text, str(path))


def scenario_from_dict(data: Any, source: str = "<dict>", base_dir: Path | None = None,
                       overrides: dict[str, Any] | None = None, oracles: dict | None = None) -> ResolvedScenario:
    """``oracles``: caches already loaded, by directory, shared by many scenarios (a sweep's
    points): each gets its own copy of one that is there, with its own counter."""
    if not isinstance(data, dict):
        raise UserError("expected a mapping of scenario keys at the top level", source=source)
    data = {**data, **(overrides or {})}
    base = base_dir or Path.cwd()
    # Plug-ins first: the scenario may name the channels, allocators, estimators and
    # policies they register.
    names = data.get("plugins") or []
    if not isinstance(names, list):
        raise UserError("expected a list of module names or .py paths", source=source, where="plugins")
    plugins.load(names, base, source=source, key="plugins")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise UserError(describe_errors(exc.errors(), prefix=""), source=source) from None
    try:
        oracle = _load_oracle(scenario.oracle, base, oracles)
    except UserError as exc:
        raise UserError(f"oracle: {exc}", source=source) from None
    models = ModelBook().with_cache_models(oracle.meta.get("models", {}))
    check_scenario(scenario, oracle, models, source, base)
    return ResolvedScenario(scenario, source, base, oracle, models)


def _load_oracle(name: str, base: Path, loaded: dict | None) -> OracleCache:
    if loaded is None:
        return load_cache(name, base)
    path = resolve_cache_dir(name, base)
    if path not in loaded:
        loaded[path] = load_cache(name, base)
    oracle = copy.copy(loaded[path])  # the tables are read, never written; the counter is its own
    oracle.extrapolated = 0
    return oracle


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> ResolvedScenario:
    p = Path(path)
    return scenario_from_dict(_read_yaml(p), str(p), p.resolve().parent, overrides)


def scope_names(scenario) -> list[str]:
    """One name per agent group: its `name`, else `g<index>:<edge model>:<policy>` (unique, and
    never `all`: config/checks.py refuses a scenario where they are not)."""
    names = []
    for g, spec in enumerate(scenario.agents):
        names.append(spec.name or f"g{g}:{spec.edge_model}:{spec.policy}")
    return names
