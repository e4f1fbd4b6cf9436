"""The scenario reference, generated from the pydantic schema so that it cannot drift.

:func:`json_schema` is the JSON Schema of a scenario file (for editors: every registered
channel kind included, discriminated by ``kind``); :func:`markdown` renders the same
schema as ``docs/scenarios.md``. ``python -m scoutsim schema [--markdown]`` prints either;
``tests/test_scenario_reference.py`` fails when the committed doc differs from the output.
"""

from __future__ import annotations

import json
from typing import Any

from scoutsim.network.channels import CHANNELS
from scoutsim.config.channel_docs import CHANNEL_KEYS
from scoutsim.config.schema import Scenario

DRAFT = "https://json-schema.org/draft/2020-12/schema"


class UndocumentedKey(RuntimeError):
    """A scenario key without a meaning: a programming error, caught by the tests."""


def _builtin(item) -> bool:
    """Whether a registered class ships with scoutsim (plug-ins document themselves)."""
    return getattr(item, "__module__", "scoutsim").startswith("scoutsim.")


def _describe(model: dict, owner: str, strict: bool = True) -> None:
    for key, prop in model.get("properties", {}).items():
        prop.pop("title", None)
        if not prop.get("description"):
            try:
                prop["description"] = CHANNEL_KEYS[(owner, key)]
            except KeyError:
                if not strict:  # a plug-in's key: its author's to describe
                    continue
                raise UndocumentedKey(f"{owner}.{key} has no description; add Field(description=...) "
                                      "or an entry in scoutsim/config/channel_docs.py") from None


def _registries(builtin_only: bool = False) -> dict[str, list[str]]:
    from scoutsim.decisions.allocators import ALLOCATORS
    from scoutsim.decisions.estimators import ESTIMATORS
    from scoutsim.traces.importers import IMPORTERS

    def names(reg) -> list[str]:
        return [n for n in reg.names() if not builtin_only or _builtin(reg.get(n))]

    return {"allocator": names(ALLOCATORS), "estimator": names(ESTIMATORS),
            "channel kind": names(CHANNELS), "trace format": IMPORTERS.names()}


def json_schema(builtin_only: bool = False) -> dict[str, Any]:
    """The JSON Schema of a scenario, with every registered channel kind (``builtin_only``:
    those that ship with scoutsim, for the project's own reference)."""
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    defs.pop("ChannelConfig", None)  # the abstract base: replaced by the registered kinds
    for name, model in defs.items():
        _describe(model, name)
    _describe(schema, "Scenario")
    options, mapping = [], {}
    for kind in _registries(builtin_only)["channel kind"]:
        strict = _builtin(CHANNELS.get(kind))
        sub = CHANNELS.get(kind).Config.model_json_schema(ref_template="#/$defs/{model}")
        for name, nested in sub.pop("$defs", {}).items():
            _describe(nested, name, strict)
            defs[name] = nested
        _describe(sub, kind, strict)
        title = f"Channel_{kind}"
        sub["title"] = title
        defs[title] = sub
        mapping[kind] = f"#/$defs/{title}"
        options.append({"$ref": mapping[kind]})
    channel = defs["Uplink"]["properties"]["channel"]
    channel.pop("$ref", None)
    channel["oneOf"] = options
    channel["discriminator"] = {"propertyName": "kind", "mapping": mapping}
    # Allocators and estimators are open registries (plug-ins add names), so the schema
    # lists today's names in the description instead of an enum that would reject plug-ins.
    regs = _registries(builtin_only)
    defs["Uplink"]["properties"]["allocator"]["description"] += f"; built in: {', '.join(regs['allocator'])}"
    defs["AgentGroup"]["properties"]["estimator"]["description"] += f"; built in: {', '.join(regs['estimator'])}"
    schema["title"] = "scoutsim scenario"
    return {"$schema": DRAFT, **schema}


# --- Markdown -----------------------------------------------------------------------

def _anchor(name: str) -> str:
    return name.lower()


def _type(prop: dict) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if "oneOf" in prop:
        return " or ".join(_type(p) for p in prop["oneOf"])
    if "anyOf" in prop:
        kinds = [p for p in prop["anyOf"] if p.get("type") != "null"]
        text = " or ".join(_type(p) for p in kinds)
        return text + (" or null" if len(kinds) < len(prop["anyOf"]) else "")
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "array":
        text = f"list of {_type(prop.get('items', {}))}"
    else:
        text = {"number": "number", "integer": "integer", "string": "string", "boolean": "boolean",
                "object": "mapping"}.get(kind, kind)
    bounds = []
    for key, op in (("exclusiveMinimum", ">"), ("minimum", ">="), ("exclusiveMaximum", "<"), ("maximum", "<=")):
        if key in prop:
            bounds.append(f"{op} {prop[key]:g}")
    if prop.get("minLength"):
        bounds.append("non-empty")
    if prop.get("minItems"):
        bounds.append(f"at least {prop['minItems']} item{'s' if prop['minItems'] > 1 else ''}")
    if "pattern" in prop:
        bounds.append(f"matching `{prop['pattern']}`")
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def _default(key: str, prop: dict, required: set[str]) -> str:
    if key in required:
        return "**required**"
    if "default" in prop:
        value = prop["default"]
        if value is None:
            return "none"
        return f"`{json.dumps(value)}`"
    return "`[]`" if prop.get("type") == "array" else "none"


def _table(model: dict) -> list[str]:
    required = set(model.get("required", []))
    lines = ["| key | type | default | meaning (units) |", "|---|---|---|---|"]
    for key, prop in model.get("properties", {}).items():
        lines.append(f"| `{key}` | {_type(prop)} | {_default(key, prop, required)} | "
                     f"{prop['description'].replace('|', '/').replace('<', chr(92) + '<')} |")
    return lines


SECTIONS = [
    ("Scenario", "top level of a scenario file"),
    ("Uplink", "each entry of `uplinks`"),
    ("Tcp", "`uplinks[].tcp`"),
    ("Cloud", "`cloud`"),
    ("AgentGroup", "each entry of `agents`"),
    ("PoissonArrival", "`agents[].arrival` with `kind: poisson`"),
    ("PeriodicArrival", "`agents[].arrival` with `kind: periodic`"),
]


def markdown() -> str:
    schema = json_schema(builtin_only=True)
    defs = {**schema["$defs"], "Scenario": schema}
    regs = _registries(builtin_only=True)
    out = [
        "# Scenario reference",
        "",
        "<!-- Generated by `python -m scoutsim schema --markdown > docs/scenarios.md`; do not edit by hand.",
        "     tests/test_scenario_reference.py fails when this file is stale. -->",
        "",
        "A scenario is a YAML file of the keys below (`scenarios/` has commented examples). Unknown",
        "keys are errors; every error names the file, the key path and what was expected. Units:",
        "s = seconds, ms = milliseconds, Mbps = 10^6 bit/s, MB = 10^6 bytes, (x) = a factor.",
        "Relative paths are resolved from the scenario file's folder.",
        "`python -m scoutsim schema` prints the JSON Schema of this format, for editors that",
        "validate YAML (e.g. `# yaml-language-server: $schema=scenario.schema.json`).",
        "",
        "Registered names (plug-ins may add more): " + "; ".join(
            f"{name}s: {', '.join(f'`{n}`' for n in names)}" for name, names in regs.items()) + ".",
        "",
        "Modes: `bf16 | int8 | int4 | int<k> (k = 2..8) | int<k>c (keys per channel) | mixed_int4 |",
        "<sel>@<r>+<precision> | scout@<r> | text | local`, with `<sel>` in `q2c, snapkv, h2o, random`",
        "and `0 < r <= 1` (e.g. `int8`, `int4c`, `q2c@0.75+int8`, `scout@0.5`).",
        "",
    ]
    for name, where in SECTIONS:
        out += [f"## {name}", "", f"{where[0].upper()}{where[1:]}.", "", *_table(defs[name]), ""]
    out += ["## Channels", "",
            "`uplinks[].channel` is a mapping whose `kind` selects one of the registered channel kinds:", ""]
    for kind in regs["channel kind"]:
        title = f"Channel_{kind}"
        out += [f"### {title}", "", f"`uplinks[].channel` with `kind: {kind}`.", "", *_table(defs[title]), ""]
    nested = sorted(set(defs) - {n for n, _ in SECTIONS} - {f"Channel_{k}" for k in regs["channel kind"]}
                    - {"Scenario"})
    for name in nested:
        out += [f"### {name}", "", defs[name].get("description", "").strip(), "", *_table(defs[name]), ""]
    return "\n".join(out).rstrip() + "\n"
