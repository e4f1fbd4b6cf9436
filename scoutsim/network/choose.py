"""Which model an uplink gets: the one rule, here and nowhere else.

Both models implement all of :class:`~scoutsim.network.link.Link` with the same physics
(finish times equal up to rounding, ``tests/test_vtime.py``, online rules included).
``VirtualTimeUplink`` costs O(log n) per event, O(n) with an online rule; it carries no TCP
corrections (its ``CARRIES_TCP`` flag). ``SharedUplink`` costs O(transfers in flight) and
carries both. The world says what a link must carry, never which model.

The rule (``auto``): virtual time when its flags say it carries the link, no online rule is
set and no device on it reads progress; the exact model otherwise. The last two clauses are
choices, not limits: with an online rule both models touch every transfer at every event, so
virtual time saves nothing; a ``+fallback`` device acts on progress against deadlines, where
the models' rounding can become other decisions. The results of both were made on the exact
model, and keep it byte for byte.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import simpy

from scoutsim.network.link import Link
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


def make_uplink(env: simpy.Environment, weights: Sequence[float], sharing: str = "work_conserving", tcp=None,
                model: str | None = None, *, online=None, reads_progress: bool = False) -> Link:
    """``model``: ``auto`` (the rule above), ``exact`` (always :class:`SharedUplink`), or
    ``virtual_time`` (refused where it cannot carry the link); None: ``auto`` unless
    :func:`uplink_model` says. ``online``: an online allocator's rule, set on the link built;
    ``reads_progress``: some device reads its transfers' progress."""
    model = model or _default
    if model not in MODELS:
        raise ValueError(f"unknown uplink model {model!r}; expected one of {MODELS}")
    fits = (tcp is None or VirtualTimeUplink.CARRIES_TCP) and (online is None or VirtualTimeUplink.CARRIES_ONLINE)
    if model == "virtual_time" and not fits:
        raise ValueError("virtual time carries no TCP corrections")
    if model == "virtual_time" or (model == "auto" and fits and online is None and not reads_progress):
        link: Link = VirtualTimeUplink(env, weights, sharing)
    else:
        link = SharedUplink(env, weights, sharing, tcp=tcp)
    if online is not None:
        link.set_online(online)
    return link
