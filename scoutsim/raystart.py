"""Starting or joining Ray, shared by sweeps (``experiments.executors``) and oracle builds
(``oracle.distributed``). A foundation module: it imports nothing from the simulator or
the oracle, only :mod:`scoutsim.errors`.

Ray is an optional extra (``pip install 'scoutsim[distributed]'``), imported only here and
only when a Ray executor is chosen. :func:`start` joins the cluster at ``address`` (else
Ray's own ``RAY_ADDRESS``), or starts a local instance with ``num_cpus`` CPUs whose
workers import this checkout even when scoutsim is not installed (a cluster's nodes bring
their own installation). It returns whether it started Ray, so the caller shuts down only
what it started.
"""

from __future__ import annotations

import os
from pathlib import Path

from scoutsim.errors import UserError

PACKAGE_PARENT = str(Path(__file__).resolve().parents[1])


def import_ray():
    try:
        import ray  # optional dependency
    except ModuleNotFoundError:
        raise UserError("the ray executor needs Ray, which is not installed; install it with: "
                        "pip install 'scoutsim[distributed]' (or use --executor local)") from None
    return ray


def start(address: str | None, num_cpus: int) -> bool:
    """Connect to ``address`` / ``$RAY_ADDRESS`` or start a local instance; True when this
    call started Ray (False when it was already initialised)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    address = address or os.environ.get("RAY_ADDRESS")  # Ray's own convention for "use my cluster"
    try:
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            path = os.pathsep.join(p for p in (PACKAGE_PARENT, os.environ.get("PYTHONPATH")) if p)
            ray.init(num_cpus=max(1, num_cpus), include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", runtime_env={"env_vars": {"PYTHONPATH": path}})
    except (ConnectionError, ValueError, RuntimeError) as exc:
        hint = (" (a cluster with token authentication also needs its token in this process's "
                "environment)") if address else ""
        raise UserError(f"cannot start or reach Ray{f' at {address}' if address else ''}: {exc}{hint}") from None
    return True
