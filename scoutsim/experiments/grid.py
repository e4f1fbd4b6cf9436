"""Grids: ``--grid KEY=V1,V2,...`` over any key path of a scenario's raw YAML.

A key path names a place in the YAML as the user wrote it: mapping keys and list indices
separated by dots (``uplinks.0.channel.mbps``); ``agents[0].count``, the spelling of the
validator's messages, is accepted too. Values are read as YAML scalars or flow sequences,
so ``100`` is a number, ``model_aware`` a string and ``[5,10]`` a list; commas inside
brackets do not split values.

Grid points are applied to the raw dict *before* validation, then each point is validated
with :func:`scoutsim.config.scenario_from_dict` exactly as a file would be; every problem
is one :class:`~scoutsim.errors.UserError` naming the ``--grid`` argument.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from scoutsim.errors import UserError

_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Axis:
    key: str  # the key path as given (normalised to dots)
    values: tuple[Any, ...]

    @property
    def leaf(self) -> str:
        return self.key.rsplit(".", 1)[-1]


def split_values(text: str) -> list[str]:
    """Split on commas that are not inside brackets or braces."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


def parse_axis(spec: str) -> Axis:
    key, sep, rest = spec.partition("=")
    key = _INDEX.sub(r".\1", key.strip()).strip(".")
    if not sep or not key:
        raise UserError(f"--grid {spec!r}: expected KEY=V1,V2,... (e.g. uplinks.0.channel.mbps=25,50,100)")
    texts = split_values(rest)
    if any(t == "" for t in texts):
        raise UserError(f"--grid {spec!r}: empty value; expected KEY=V1,V2,...")
    values = []
    for t in texts:
        try:
            values.append(yaml.safe_load(t))
        except yaml.YAMLError:
            raise UserError(f"--grid {spec!r}: value {t!r} is not a YAML scalar or list") from None
    if len(set(map(repr, values))) != len(values):
        raise UserError(f"--grid {spec!r}: a value is listed twice")
    return Axis(key, tuple(values))


def parse_grid(specs: list[str]) -> list[Axis]:
    if not specs:
        raise UserError("sweep needs at least one --grid KEY=V1,V2,...")
    axes = [parse_axis(s) for s in specs]
    keys = [a.key for a in axes]
    for k in keys:
        if keys.count(k) > 1:
            raise UserError(f"--grid key {k!r} is given twice; list all its values in one --grid")
    return axes


def set_path(data: dict, key: str, value: Any) -> None:
    """Set ``key`` (dotted path) in ``data`` in place; intermediate keys must exist."""
    parts = key.split(".")
    node: Any = data
    walked: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        here = ".".join(walked) or "the top level"
        if isinstance(node, list):
            if not part.isdigit():
                raise UserError(f"{here} is a list; expected an index, got {part!r}")
            k = int(part)
            if k >= len(node):
                raise UserError(f"{here} has {len(node)} entries; index {k} is out of range")
            if last:
                node[k] = value
            else:
                node = node[k]
        elif isinstance(node, dict):
            if last:
                node[part] = value  # a new leaf key is allowed; the schema rejects unknown ones
            elif part not in node:
                raise UserError(f"{here} has no key {part!r} (it has {sorted(map(str, node))})")
            else:
                node = node[part]
        else:
            raise UserError(f"{here} is a value ({node!r}), not a mapping or list; cannot go into {part!r}")
        walked.append(part)


@dataclass(frozen=True)
class Point:
    index: int
    values: tuple[tuple[str, Any], ...]  # (key, value) in axis order

    @property
    def id(self) -> str:
        return f"p{self.index:04d}"

    def label(self) -> str:
        return ", ".join(_shown(f"{k}={v}") for k, v in self.values)


def _shown(text: str) -> str:
    """``text`` as typed, or escaped where it holds a character a one-line message cannot show."""
    return text if text.isprintable() else repr(text)


def points(axes: list[Axis]) -> list[Point]:
    combos = itertools.product(*[a.values for a in axes])
    return [Point(i, tuple(zip([a.key for a in axes], c))) for i, c in enumerate(combos)]


def apply(raw: dict, point: Point) -> dict:
    data = copy.deepcopy(raw)
    for key, value in point.values:
        try:
            set_path(data, key, value)
        except UserError as exc:
            raise UserError(f"--grid {_shown(key)}: {exc}") from None
    return data


def resolve_points(raw: dict, source: str, base_dir: Path, axes: list[Axis], overrides: dict):
    """Validate every point before anything runs; return [(point, ResolvedScenario)]."""
    import scoutsim.network.channels.trace_pool  # noqa: F401  (registers trace_pool, which core does not import)
    from scoutsim.config import scenario_from_dict

    out = []
    oracles: dict = {}  # one load (sha256 checks, indexing) per oracle cache, not per point
    for p in points(axes):
        data = apply(raw, p)
        try:
            resolved = scenario_from_dict(data, source, base_dir, overrides, oracles)
        except UserError as exc:
            raise UserError(f"--grid point {p.label()}: {exc}") from None
        out.append((p, resolved))
    return out
