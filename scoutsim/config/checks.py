"""Checks that need more than one key: references between blocks, the oracle cache, the
model shapes and the compute timings. Each failure names the key path."""

from __future__ import annotations

from pathlib import Path

from scoutsim.network.channels import CHANNELS
from scoutsim.physics.compute import ComputeModel, Site
from scoutsim.config.netchecks import check_network
from scoutsim.config.schema import Scenario
from scoutsim.errors import UserError
from scoutsim.physics.models import ModelBook
from scoutsim.modes import parse_mode
from scoutsim.oraclecache import OracleCache


def check_scenario(s: Scenario, oracle: OracleCache, models: ModelBook, source: str, base: Path) -> None:
    def fail(where: str, message: str) -> None:
        raise UserError(message, source=source, where=where)

    ids = [u.id for u in s.uplinks]
    for i, uid in enumerate(ids):
        if ids.index(uid) != i:
            fail(f"uplinks[{i}].id", f"uplink id {uid!r} is used twice; ids must be unique")
    for i, u in enumerate(s.uplinks):
        check = getattr(CHANNELS.get(u.channel.kind), "check", None)
        if check is not None:
            try:
                check(u.channel, base)
            except UserError as exc:
                fail(f"uplinks[{i}].channel", str(exc))

    # Summaries are keyed by group name, with "all" for the whole run: two groups of one name
    # would share one row, and one group's numbers would be lost.
    names = [g.name or f"g{i}:{g.edge_model}:{g.policy}" for i, g in enumerate(s.agents)]  # config.scope_names
    for i, name in enumerate(names):
        if name == "all" or names.index(name) != i:
            fail(f"agents[{i}].name", f"group name {name!r} is " + ("the summary's name for the whole run" if name == "all"
                 else f"also agents[{names.index(name)}]'s") + "; group names must be unique and not 'all'")
    for i, g in enumerate(s.agents):
        at = f"agents[{i}]"
        if g.uplink not in ids:
            fail(f"{at}.uplink", f"no uplink with id {g.uplink!r}; expected one of {ids}")
    check_network(s, source, base)
    for i, g in enumerate(s.agents):
        at = f"agents[{i}]"
        for key in ("edge_model", "cloud_model"):
            name = getattr(g, key)
            if name not in models:
                fail(f"{at}.{key}", f"unknown model {name!r}; expected one of {models.names()}")
        static = g.policy.startswith("static:")
        for j, mode_text in enumerate(g.candidate_modes):
            problem = mode_problem(g, mode_text, oracle, models, s)
            if problem is not None:
                fail(f"{at}.policy" if static else f"{at}.modes[{j}]", problem)
        if g.context_tokens is None and oracle.sample_info(g.edge_model) is None \
                and "mean_context_tokens" not in oracle.meta["dataset"]:
            fail(f"{at}.context_tokens", f"oracle {oracle.name} has neither samples nor a mean context "
                 "length for this model; give context_tokens")


def mode_problem(g, mode_text: str, oracle: OracleCache, models: ModelBook, s: Scenario) -> str | None:
    """Why agent group ``g`` cannot send ``mode_text`` (its models, the oracle's qualities
    and timings), or None when it can."""
    mode = parse_mode(mode_text)
    edge = models[g.edge_model]
    if mode.mixed and not edge.protected_layers:
        return f"mixed_int4 needs the protected layers of {g.edge_model}, which are not known"
    if mode.kind == "scout" and models[g.cloud_model].family != edge.family:
        return (f"scout needs edge and cloud models with one tokenizer; {g.edge_model} is "
                f"{edge.family}, {g.cloud_model} is {models[g.cloud_model].family}")
    if not oracle.has_entry(g.edge_model, g.cloud_model, mode_text):
        have = sorted({m for e, c, m in oracle.entries() if (e, c) == (g.edge_model, g.cloud_model)})
        return (f"oracle {oracle.name} has no quality for ({g.edge_model}, {g.cloud_model}, "
                f"{mode_text}); it has {have or 'no modes for this model pair'}")
    site_cfg = s.cloud_of(g)
    site = Site(g.edge_slowdown, g.edge_prefill_tokens_per_s)
    cloud = Site(site_cfg.slowdown, site_cfg.prefill_tokens_per_s)
    for model, op in sorted(ComputeModel.required(mode, g.edge_model, g.cloud_model, site, cloud,
                                                  s.deadline_on == "answer")):
        if not oracle.has_timing(model, op):
            return (f"oracle {oracle.name} has no '{op}' timing for {model}; "
                    "give the site a prefill_tokens_per_s or use a cache that measured it")
    return None
