"""Decisions: the choices a policy designer makes, each a registry of plug-ins.

* :mod:`.policy`      which mode a request is sent in (``POLICIES``);
* :mod:`.expected_f1` the policy that learns from its own transfers (registered on import);
* :mod:`.estimators`  how a device estimates the rate it will get (``ESTIMATORS``);
* :mod:`.allocators`  how an uplink's capacity is divided among devices (``ALLOCATORS``);
* :mod:`.online`      the per-event rules of the online allocators (``deadline``, ``joint``);
* :mod:`.bound`       the clairvoyant optimum, a mixed-integer program (``scoutsim bound``).

Kept apart from the world that runs them so that a researcher comparing two policies edits
only this room.
"""

# Registers expected_f1 in POLICIES, so that naming the package is enough.
from scoutsim.decisions import expected_f1 as expected_f1  # noqa: E402,F401
