"""The clairvoyant optimum: the best total F1 any policy and allocator could reach, knowing
every arrival, every question and the whole channel path in advance.

Each request ``i`` may take one of its modes ``m`` (or none: a miss, scored 0). A mode that
sends nothing (``local``) is feasible when its own compute meets the deadline. A mode that
sends ``b_im`` bytes may send them only inside its window ``[r_im, d_im]``: released when its
edge compute is over (``r = arrival + edge compute``) and due when the rest would still meet
the deadline (``d = arrival + deadline - one-way latency - cloud compute``). The time axis
of each uplink is cut at every release, due time and rate change (the event grid); within an
interval every rate is constant and any split of a volume is achievable by constant rates, so
the program is exact for the fluid constraints it is given:

    maximise   sum q_im x_im
    subject to sum_m x_im <= 1                              (one mode per request)
               sum_k y_imk = b_im x_im                       (all its bytes, inside its window)
               sum_(im in L) y_imk / a_L,dev(im)(t_k) <= B_L(t_k) len_k   (each limit L, interval k)
               x binary, y >= 0

A *limit* (:class:`Limit`) is a linear constraint the simulated network never breaks:

* a shared pipe (``work_conserving`` or ``reserved`` sharing, on the shared uplink or a cell):
  the bytes of all its transfers, ``a = 1``, at most its capacity ``B = C(t)``;
* a device's own radio rate ``r_i(t)``: its bytes, ``a = 1``, at most ``B = r_i(t)``;
* a ``time_share`` cell: each device ``i`` sends at ``phi_i r_i G(k)`` with shares summing to at
  most 1, so ``sum_i x_i / r_i <= G(k) <= G_max``: ``a_i = r_i(t)``, ``B = G_max``, the largest
  gain the cell's scheduler has for any number of its devices with data (1 for ``rr``,
  ``weighted``, ``max_rate``; ``H_n`` for ``pf`` with ``n`` devices). A device whose rate is
  0 in an interval sends nothing in it.

It is an upper bound on every simulated policy: the simulator's edge queue, cloud queue,
sharing rules and schedulers (which give each transfer at most what the limits allow), HARQ
(rates x (1 - bler) and a tail: both only slow), grant delays, wired links, TCP corrections and
fallbacks only delay requests or waste capacity, and all of those are relaxed here. When
HiGHS stops at its time limit the reported value is its proven dual bound, still an upper bound
(the value reported is always HiGHS's dual bound). Choices dominated by another of the same
request (no better quality, no fewer bytes, no wider window) are left out first: an optimum
never needs them.

Units: bytes are scaled to MB inside the program so that its coefficients stay near 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


@dataclass(frozen=True)
class Choice:
    quality: float
    payload_bytes: float  # 0: sends nothing
    release_s: float  # earliest first byte (absolute time)
    due_s: float  # latest last byte (absolute time); for a mode sending nothing, its done time must be <= due


Steps = list[tuple[float, float]]  # (time, value): the value from each time until the next


@dataclass(frozen=True)
class Limit:
    """On ``uplink``, in every instant: the sum over its member requests of bytes/s divided by
    their device's ``rates`` path is at most the ``budget`` path. ``rates`` None: every request
    on the uplink, each byte counting 1 (a shared pipe)."""

    uplink: str
    budget: Steps
    rates: dict[Any, Steps] | None = None


@dataclass
class Instance:
    """Requests (each a list of choices, all on one uplink per request) and, per uplink, its
    capacity path as (time, bytes/s) steps: the capacity from each time until the next.
    ``devices`` (parallel to ``requests``, or empty) names each request's device, for the
    ``limits`` that concern devices; an uplink's ``capacity`` is the limit of a shared pipe."""

    requests: list[tuple[str, list[Choice]]] = field(default_factory=list)
    capacity: dict[str, Steps] = field(default_factory=dict)
    devices: list[object] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)

    def all_limits(self) -> list[Limit]:
        return [Limit(u, steps) for u, steps in self.capacity.items()] + list(self.limits)


@dataclass(frozen=True)
class BoundResult:
    total_f1: float
    chosen: list[int | None]  # per request: the index of its choice, None for a miss
    optimal: bool


def _capacity_at(steps: list[tuple[float, float]], t: float) -> float:
    c = 0.0
    for at, value in steps:
        if at <= t:
            c = value
        else:
            break
    return c


def _dominated(c: Choice, others: list[Choice], j: int) -> bool:
    """Another choice is at least as good on every count (quality, bytes, window), so an
    optimum never needs ``c`` (ties: the earlier choice is kept)."""
    for k, o in enumerate(others):
        if k == j:
            continue
        if (o.quality >= c.quality and o.payload_bytes <= c.payload_bytes and o.release_s <= c.release_s
                and o.due_s >= c.due_s):
            same = (o.quality, o.payload_bytes, o.release_s, o.due_s) == (c.quality, c.payload_bytes, c.release_s, c.due_s)
            if not same or k < j:
                return True
    return False


def solve(instance: Instance, time_limit_s: float = 120.0) -> BoundResult:
    """The optimum of the program above: HiGHS's proven upper (dual) bound, which equals the
    optimum when it proves optimality (up to its 1e-4 relative gap)."""
    quality: list[float] = []
    owner: list[tuple[int, int]] = []  # x variable -> (request, choice)
    for i, (_, choices) in enumerate(instance.requests):
        for j, c in enumerate(choices):
            if _dominated(c, choices, j):
                continue
            if c.payload_bytes <= 0:
                if c.release_s <= c.due_s and c.quality > 0:
                    owner.append((i, j))
                    quality.append(c.quality)
            elif c.due_s > c.release_s and c.quality > 0:
                owner.append((i, j))
                quality.append(c.quality)
    nx = len(owner)
    limits = instance.all_limits()
    # The event grid of each uplink: every rate change of its limits, release and due time.
    grids: dict[str, np.ndarray] = {}
    for uplink in {u for u, _ in instance.requests}:
        points: set[float] = set()
        for lim in limits:
            if lim.uplink == uplink:
                points.update(at for at, _ in lim.budget)
                for steps in (lim.rates or {}).values():
                    points.update(at for at, _ in steps)
        for v, (i, j) in enumerate(owner):
            u, choices = instance.requests[i]
            if u == uplink and choices[j].payload_bytes > 0:
                points.update((choices[j].release_s, choices[j].due_s))
        grids[uplink] = np.array(sorted(points))
    y_of: list[tuple[int, str, int]] = []
    for v, (i, j) in enumerate(owner):
        u, choices = instance.requests[i]
        c = choices[j]
        if c.payload_bytes <= 0:
            continue
        g = grids[u]
        lo, hi = np.searchsorted(g, c.release_s), np.searchsorted(g, c.due_s)
        for k in range(lo, hi):
            y_of.append((v, u, k))
    n = nx + len(y_of)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    lower: list[float] = []
    upper: list[float] = []

    def entry(r: int, col: int, coef: float) -> None:
        rows.append(r)
        cols.append(col)
        vals.append(coef)

    def bounds(lo: float, hi: float) -> None:
        lower.append(lo)
        upper.append(hi)

    row = 0
    # One mode per request.
    by_request: dict[int, list[int]] = {}
    for v, (i, _) in enumerate(owner):
        by_request.setdefault(i, []).append(v)
    for vs in by_request.values():
        for v in vs:
            entry(row, v, 1.0)
        bounds(-np.inf, 1.0)
        row += 1
    # All bytes of a chosen mode inside its window.
    ys_of_x: dict[int, list[int]] = {}
    for idx, (v, _, _) in enumerate(y_of):
        ys_of_x.setdefault(v, []).append(nx + idx)
    for v, (i, j) in enumerate(owner):
        size = instance.requests[i][1][j].payload_bytes / 1e6
        if size <= 0:
            continue
        entry(row, v, -size)
        for col in ys_of_x.get(v, []):
            entry(row, col, 1.0)
        bounds(0.0, 0.0)
        row += 1
    # Each limit in each interval of its uplink.
    device = instance.devices
    closed: set[int] = set()  # y variables of a device whose rate is 0 in their interval
    for lim in limits:
        per_interval: dict[int, list[tuple[int, float]]] = {}
        for idx, (v, u, k) in enumerate(y_of):
            if u != lim.uplink:
                continue
            if lim.rates is None:
                per_interval.setdefault(k, []).append((nx + idx, 1.0))
                continue
            path = lim.rates.get(device[owner[v][0]]) if device else None
            if path is None:
                continue
            rate = _capacity_at(path, grids[u][k])
            if rate <= 0:
                closed.add(nx + idx)
            else:
                per_interval.setdefault(k, []).append((nx + idx, 1e6 / rate))
        for k, terms in per_interval.items():
            g = grids[lim.uplink]
            allowed = _capacity_at(lim.budget, g[k]) * (g[k + 1] - g[k])
            for col, coef in terms:
                entry(row, col, coef)
            bounds(-np.inf, allowed / 1e6 if lim.rates is None else allowed)
            row += 1
    if nx == 0:
        return BoundResult(0.0, [None] * len(instance.requests), True)
    objective = np.zeros(n)
    objective[:nx] = -np.asarray(quality)
    integrality = np.zeros(n)
    integrality[:nx] = 1
    ub = np.full(n, np.inf)
    ub[:nx] = 1.0
    ub[sorted(closed)] = 0.0
    a = coo_matrix((vals, (rows, cols)), shape=(row, n)).tocsr()
    res = milp(objective, constraints=LinearConstraint(a, lower, upper), integrality=integrality,
               bounds=Bounds(np.zeros(n), ub),
               options={"time_limit": time_limit_s, "mip_rel_gap": 1e-4})
    if res.x is None:
        raise RuntimeError(f"HiGHS found no solution: {res.message}")
    optimal = res.status == 0
    # The dual bound, not the incumbent: an upper bound whether or not HiGHS closed the gap.
    total = -res.mip_dual_bound
    chosen: list[int | None] = [None] * len(instance.requests)
    for v, (i, j) in enumerate(owner):
        if res.x[v] > 0.5:
            chosen[i] = j
    return BoundResult(float(total), chosen, optimal)
