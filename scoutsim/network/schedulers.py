"""Uplink schedulers of a ``time_share`` cell: how the base station shares its resources.

A device ``i`` with data has its own rate ``r_i(t)`` (what it would get with the cell to
itself). The scheduler gives it a time share ``phi_i`` (the shares of the devices with data
sum to 1) and the device sends at ``phi_i r_i G``, with ``G`` the scheduler's gain over
plain time sharing. Each scheduler says:

* ``share(weight)``: the device's relative time share (its allocator weight, or 1);
* ``gain(k)``: ``G`` with ``k`` devices holding data;
* ``levels(rates)``: strict priorities among the devices (0 first), from their own rates.

``rr``: equal shares. ``weighted``: shares in proportion to allocator weights. ``max_rate``:
everything to the device with the best own rate; the next one gets only what the best one
cannot use (for example when a wired link behind the cell holds it back). ``pf``:
proportional fair, see :class:`ProportionalFair` for the multi-user diversity gain.

Schedulers register by the name a scenario's ``scheduler:`` key uses (``SCHEDULERS``).
"""

from __future__ import annotations

from typing import Sequence

from scoutsim.registry import Registry

SCHEDULERS: Registry[type] = Registry("scheduler")


class Scheduler:
    def share(self, weight: float) -> float:
        return 1.0

    def gain(self, k: int) -> float:
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
    """All resources to the best own rate (ties share equally); the others starve until it
    is done or held back elsewhere."""

    def levels(self, rates: Sequence[float]) -> list[int]:
        rank = {r: i for i, r in enumerate(sorted(set(rates), reverse=True))}
        return [rank[r] for r in rates]


def harmonic(k: int) -> float:
    return sum(1.0 / j for j in range(1, k + 1))


@SCHEDULERS.register("pf")
class ProportionalFair(Scheduler):
    """Proportional fair over Rayleigh block fading: equal time shares times the
    multi-user diversity gain ``G(k) = H_k = 1 + 1/2 + ... + 1/k``.

    Derivation. In each scheduling slot device ``i`` can send at ``r_i X_i``, with ``X_i``
    its channel's power gain: Rayleigh fading makes ``X_i`` exponential with mean 1,
    independent across devices and slots, and the rate is taken proportional to it (the
    linear, low-to-mid SNR regime of link adaptation; at high SNR the rate grows with
    ``log X`` and the gain is smaller). PF serves the device with the largest
    ``r_i X_i / T_i``, ``T_i`` its average throughput. In steady state ``T_i = r_i g`` for a
    common ``g`` (by symmetry of the ``X``), so the metric is ``X_i / g``: the device with
    the largest ``X`` wins. Each device therefore wins ``1/k`` of the slots, and a winner's
    gain is the largest of ``k`` independent Exp(1) draws, whose mean is ``H_k`` (the
    maximum of ``k`` exponentials is a sum of independent exponentials with means
    ``1/k, 1/(k-1), ..., 1``). So ``T_i = r_i H_k / k``: equal shares ``1/k`` times
    ``G(k) = H_k`` (Tse & Viswanath, *Fundamentals of Wireless Communication*, 2005,
    section 6.6; Viswanath, Tse & Laroia, IEEE Trans. Inf. Theory 48(6), 2002).
    ``tests/network/test_pf_reference.py`` checks this against a slot-level PF scheduler
    with 1 ms slots, per-slot fading draws and an averaging window.
    """

    def gain(self, k: int) -> float:
        return harmonic(k)
