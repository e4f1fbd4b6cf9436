"""Uplink schedulers of a ``time_share`` cell: how the base station shares its resources.

A device ``i`` with data has its own rate ``r_i(t)`` (what it would get with the cell to
itself). The scheduler gives it a time share ``phi_i`` (the shares of the devices with data
sum to 1) and the device sends at ``phi_i r_i G``, with ``G`` the scheduler's gain over
plain time sharing. Each scheduler says:

* ``share(weight)``: the device's relative time share (its allocator weight, or 1);
* ``gain(k, quality)``: ``G`` with ``k`` devices holding data, for a device whose own rate is
  ``quality`` of its cell's top rate; the cell asks only where it models fast fading
  (``fading: rayleigh``) and an opportunistic scheduler could ride it, else ``G = 1``;
* ``levels(rates)``: strict priorities among the devices (0 first), from their own rates.

The schedulers (``rr``, ``weighted``, ``max_rate``, ``pf``; each class says what it does)
register by the name a scenario's ``scheduler:`` key uses (``SCHEDULERS``). Without fast fading
in the model ``pf`` is ``rr``: there is nothing to be opportunistic about.
"""

from __future__ import annotations

from typing import Sequence

from scoutsim.network.pfgain import pf_gain
from scoutsim.registry import Registry

SCHEDULERS: Registry[type] = Registry("scheduler")
MIN_BLOCKS = 3  # LTE uplink: the fewest resource blocks a UE is granted in a TTI


def resource_block_share(n_rb: int, k: int) -> float:
    """Share of a cell's ``n_rb`` uplink resource blocks that ``k`` devices with data use
    together, as ns-3 LENA's uplink MAC (``DoSchedUlTriggerReq`` of ``RrFfMacScheduler`` and,
    alike, ``PfFfMacScheduler``) allocates them; docs/models/cell.md, "Resource blocks", has
    the rule and its check against ns-3. ``m = min(k, floor(N / per))`` UEs are served per TTI,
    taking turns (``m_nextRntiUl``), each on ``per =`` :func:`blocks_per_ue` blocks."""
    per = blocks_per_ue(n_rb, k)
    return min(k, n_rb // per) * per / n_rb


def blocks_per_ue(n_rb: int, k: int) -> int:
    """Blocks a UE is granted in a TTI it is served in (:func:`resource_block_share`)."""
    return max(min(MIN_BLOCKS, n_rb), n_rb // k)


class Scheduler:
    def share(self, weight: float) -> float:
        return 1.0

    def gain(self, k: int, quality: float = 1.0) -> float:
        return 1.0

    def levels(self, rates: Sequence[float]) -> list[int]:
        return [0] * len(rates)


@SCHEDULERS.register("rr")
class RoundRobin(Scheduler):
    """Equal time shares among the devices with data."""


@SCHEDULERS.register("weighted")
class Weighted(Scheduler):
    """Time shares in proportion to the allocator's weights."""

    def share(self, weight: float) -> float:
        return weight


@SCHEDULERS.register("max_rate")
class MaxRate(Scheduler):
    """All resources to the best own rate (ties share equally); the others get only what it
    cannot use: nothing until it is done, or held back elsewhere (a wired link behind the cell)."""

    def levels(self, rates: Sequence[float]) -> list[int]:
        rank = {r: i for i, r in enumerate(sorted(set(rates), reverse=True))}
        return [rank[r] for r in rates]


@SCHEDULERS.register("pf")
class ProportionalFair(Scheduler):
    """Proportional fair over Rayleigh fading: equal time shares times the multi-user
    diversity gain ``G(k, q)`` of LTE's capped, stepwise link adaptation
    (:mod:`scoutsim.network.pfgain`): near devices, on the top MCS in most slots, gain almost
    nothing; far ones gain the most; none sends faster than its own rate."""

    def gain(self, k: int, quality: float = 1.0) -> float:
        return pf_gain(k, quality)
