"""Scenario files: YAML -> validated, resolved configuration.

:func:`load_scenario` is the only entry point. It parses the YAML, validates it against the
pydantic models of :mod:`scoutsim.config.schema` (the contract keys, docs/scenarios.md), then checks
what needs the oracle cache and the registries (:mod:`scoutsim.config.checks`). Any problem
raises one :class:`~scoutsim.errors.UserError` naming the file, the key path and what was
expected; nothing runs on a scenario that failed.
"""

from scoutsim.config.loader import ResolvedScenario, load_scenario, scenario_from_dict, scope_names

__all__ = ["ResolvedScenario", "load_scenario", "scenario_from_dict", "scope_names"]
