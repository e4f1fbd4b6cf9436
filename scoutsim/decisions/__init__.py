"""Decisions: the choices a policy designer makes, each a registry of plug-ins.

* :mod:`.policy`      which mode a request is sent in (``POLICIES``);
* :mod:`.estimators`  how a device estimates the rate it will get (``ESTIMATORS``);
* :mod:`.allocators`  how an uplink's capacity is divided among devices (``ALLOCATORS``);
* :mod:`.online`      the per-event rules of the online allocators (``deadline``, ``joint``);
* :mod:`.bound`       the clairvoyant optimum, a mixed-integer program (``scoutsim bound``).

Kept apart from the world that runs them so that a researcher comparing two policies edits
only this room.
"""
