"""Which uplink model a link gets: virtual time where the physics allows it, else the general one.

:class:`scoutsim.network.vtime.VirtualTimeUplink` costs O(log n) per event but expresses
only weighted processor sharing with fixed weights (``work_conserving``, and ``reserved``
slices); :class:`scoutsim.network.uplink.SharedUplink` costs O(transfers in flight) per
event and also carries the TCP corrections (rate caps make the sharing max-min) and
anything that changes the weights during a run. Both give the same finish times up to
floating-point rounding (``tests/test_vtime.py``).

The rule, here and nowhere else: virtual time for ``work_conserving`` or ``reserved``
sharing without TCP corrections, when the weights stay fixed (no online allocator
re-weights the link at its events) and nobody reads a transfer's progress (a ``+fallback``
device does, through ``SharedUplink.remaining``, which only the O(n) model keeps); the O(n)
model otherwise.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import simpy

from scoutsim.network.uplink import SharedUplink
from scoutsim.network.vtime import VirtualTimeUplink

MODELS = ("auto", "exact", "virtual_time")
_default = "auto"


@contextmanager
def uplink_model(model: str) -> Iterator[None]:
    """Within the block, links built without an explicit ``model`` use this one (the
    benchmarks time both models in one run)."""
    global _default
    if model not in MODELS:
        raise ValueError(f"unknown uplink model {model!r}; expected one of {MODELS}")
    before, _default = _default, model
    try:
        yield
    finally:
        _default = before


def virtual_time_allowed(sharing: str, tcp, static_weights: bool = True) -> bool:
    return tcp is None and sharing in ("work_conserving", "reserved") and static_weights


def make_uplink(env: simpy.Environment, weights: Sequence[float], sharing: str = "work_conserving", tcp=None,
                static_weights: bool = True, model: str | None = None, *, online=None, reads_progress: bool = False):
    """``model``: ``auto`` (virtual time where allowed), ``exact`` (always the O(n) model), or
    ``virtual_time`` (refused where not allowed); None: ``auto`` unless :func:`uplink_model` says.
    ``online``: an online allocator's rule, set on the link built; ``reads_progress``: some
    device reads its transfers' progress."""
    model = model or _default
    if model not in MODELS:
        raise ValueError(f"unknown uplink model {model!r}; expected one of {MODELS}")
    allowed = virtual_time_allowed(sharing, tcp, static_weights and online is None and not reads_progress)
    if model == "virtual_time" and not allowed:
        raise ValueError("virtual time needs work_conserving or reserved sharing, no tcp, and fixed weights")
    if model != "exact" and allowed:
        return VirtualTimeUplink(env, weights, sharing)
    link = SharedUplink(env, weights, sharing, tcp=tcp)
    if online is not None:
        link.set_online(online)
    return link
