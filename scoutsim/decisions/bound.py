"""The clairvoyant optimum: the best total F1 any policy and allocator could reach, knowing
every arrival, every question and the whole channel path in advance.

Each request ``i`` may take one of its modes ``m`` (or none: a miss, scored 0). A mode that
sends nothing (``local``) is feasible when its own compute meets the deadline. A mode that
sends ``b_im`` bytes may send them only inside its window ``[r_im, d_im]``: released when its
edge compute is over (``r = arrival + edge compute``) and due when the rest would still meet
the deadline (``d = arrival + deadline - one-way latency - cloud compute``). The uplink is a
fluid pipe of capacity ``C(t)``: the time axis is cut at every release, due time and capacity
change (the event grid), and in each interval ``k`` the bytes sent by all transfers are at
most ``C_k x length_k``. Within an interval any split of that volume is achievable by constant
rates, so the program is exact for the fluid pipe:

    maximise   sum q_im x_im
    subject to sum_m x_im <= 1                         (one mode per request)
               sum_k y_imk = b_im x_im                  (all its bytes, inside its window)
               sum_im y_imk <= C_k len_k                (capacity of each interval, per uplink)
               x binary, y >= 0

solved with SciPy's ``milp`` (HiGHS). It is an upper bound on every simulated policy: the
simulator's edge queue, cloud queue, sharing rules, TCP corrections and fallbacks only delay
requests or waste capacity, and all of those are relaxed here. When HiGHS stops at its time
limit the reported value is its proven dual bound, still an upper bound (the value reported
is always HiGHS's dual bound). Choices dominated by another of the same request (no better
quality, no fewer bytes, no wider window) are left out first: an optimum never needs them.

Units: bytes are scaled to MB inside the program so that its coefficients stay near 1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


@dataclass(frozen=True)
class Choice:
    quality: float
    payload_bytes: float  # 0: sends nothing
    release_s: float  # earliest first byte (absolute time)
    due_s: float  # latest last byte (absolute time); for a mode sending nothing, its done time must be <= due


@dataclass
class Instance:
    """Requests (each a list of choices, all on one uplink per request) and, per uplink, its
    capacity path as (time, bytes/s) steps: the capacity from each time until the next."""

    requests: list[tuple[str, list[Choice]]] = field(default_factory=list)
    capacity: dict[str, list[tuple[float, float]]] = field(default_factory=dict)


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
    # The event grid of each uplink, and the y variables (x index, interval, uplink).
    grids: dict[str, np.ndarray] = {}
    for uplink in {u for u, _ in instance.requests}:
        points = {at for at, _ in instance.capacity.get(uplink, [])}
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
    rows, cols, vals, lower, upper = [], [], [], [], []
    row = 0
    # One mode per request.
    by_request: dict[int, list[int]] = {}
    for v, (i, _) in enumerate(owner):
        by_request.setdefault(i, []).append(v)
    for vs in by_request.values():
        for v in vs:
            rows.append(row), cols.append(v), vals.append(1.0)
        lower.append(-np.inf), upper.append(1.0)
        row += 1
    # All bytes of a chosen mode inside its window.
    ys_of_x: dict[int, list[int]] = {}
    for idx, (v, _, _) in enumerate(y_of):
        ys_of_x.setdefault(v, []).append(nx + idx)
    for v, (i, j) in enumerate(owner):
        size = instance.requests[i][1][j].payload_bytes / 1e6
        if size <= 0:
            continue
        rows.append(row), cols.append(v), vals.append(-size)
        for col in ys_of_x.get(v, []):
            rows.append(row), cols.append(col), vals.append(1.0)
        lower.append(0.0), upper.append(0.0)
        row += 1
    # Capacity of each interval of each uplink.
    per_interval: dict[tuple[str, int], list[int]] = {}
    for idx, (_, u, k) in enumerate(y_of):
        per_interval.setdefault((u, k), []).append(nx + idx)
    for (u, k), cols_k in per_interval.items():
        g = grids[u]
        volume = _capacity_at(instance.capacity.get(u, []), g[k]) * (g[k + 1] - g[k]) / 1e6
        for col in cols_k:
            rows.append(row), cols.append(col), vals.append(1.0)
        lower.append(-np.inf), upper.append(volume)
        row += 1
    if nx == 0:
        return BoundResult(0.0, [None] * len(instance.requests), True)
    c = np.zeros(n)
    c[:nx] = -np.asarray(quality)
    integrality = np.zeros(n)
    integrality[:nx] = 1
    ub = np.full(n, np.inf)
    ub[:nx] = 1.0
    a = coo_matrix((vals, (rows, cols)), shape=(row, n)).tocsr()
    res = milp(c, constraints=LinearConstraint(a, lower, upper), integrality=integrality,
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
