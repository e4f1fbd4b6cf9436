"""Old import paths of the modules that moved into packages in 0.2, kept for one release.

Until 0.2 the simulator's modules sat side by side in ``scoutsim/``. They now live in
packages that name what they model (see :mod:`scoutsim`). ``import scoutsim.uplink`` and
``from scoutsim.allocators import ALLOCATORS`` keep working: this finder answers an old
name with the module at its new home (the very same module object, so a plug-in that
registers through an old path lands in the one registry) and warns once. It will be
removed in 0.3; new code imports from the new homes.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "scoutsim.models": "scoutsim.physics.models",
    "scoutsim.payload": "scoutsim.physics.payload",
    "scoutsim.compute": "scoutsim.physics.compute",
    "scoutsim.tcp": "scoutsim.network.tcp",
    "scoutsim.uplink": "scoutsim.network.uplink",
    "scoutsim.channels": "scoutsim.network.channels",
    "scoutsim.policy": "scoutsim.decisions.policy",
    "scoutsim.estimators": "scoutsim.decisions.estimators",
    "scoutsim.allocators": "scoutsim.decisions.allocators",
    "scoutsim.streams": "scoutsim.sim.streams",
    "scoutsim.questions": "scoutsim.sim.questions",
    "scoutsim.cloud": "scoutsim.sim.cloud",
    "scoutsim.agent": "scoutsim.sim.agent",
    "scoutsim.records": "scoutsim.sim.records",
    "scoutsim.world": "scoutsim.sim.world",
    "scoutsim.runner": "scoutsim.sim.runner",
    "scoutsim.summary": "scoutsim.results.summary",
    "scoutsim.output": "scoutsim.results.output",
    "scoutsim.plots": "scoutsim.results.plots",
}


def new_name(old: str) -> str | None:
    """The module's home since 0.2, or None when ``old`` did not move."""
    for before, after in MOVED.items():
        if old == before or old.startswith(before + "."):
            return after + old[len(before):]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        # The target module is already executed; executing it again would re-register plug-ins.
        pass


class MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        target_name = new_name(fullname)
        if target_name is None:
            return None
        warnings.warn(f"{fullname} moved to {target_name} in scoutsim 0.2; the old path goes in 0.3",
                      DeprecationWarning, stacklevel=3)
        return importlib.util.spec_from_loader(fullname, _Alias(target_name))


def install() -> None:
    if not any(isinstance(f, MovedFinder) for f in sys.meta_path):
        # First: the path finder would otherwise load a second copy of a moved
        # package's submodule (scoutsim.channels.markov) through the alias's __path__.
        sys.meta_path.insert(0, MovedFinder())
