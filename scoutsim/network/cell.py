"""Cells with per-device radio links, wired links behind them: an exact fluid network.

The general case of :class:`scoutsim.network.uplink.SharedUplink` (docs/models/cell.md), a
:class:`scoutsim.network.link.Link` whose slots are devices: ``set_capacity`` and
``set_online`` take the cell, the first by default.

* Every device has its own rate ``r_i(t)``: ``link_quality`` times its cell's reference
  rate, or its own channel (:meth:`Network.set_device_capacity`).
* A cell shares by one of three rules. ``work_conserving`` and ``reserved`` split the cell's
  rate ``C(t)`` as the shared uplink does (a device with an own rate is, besides, never
  faster than it). ``time_share`` splits *time*: a transfer of device ``i`` gets ``phi_i r_i G``
  (:mod:`scoutsim.network.schedulers`), i.e. the constraint ``sum_i x_i / (r_i G) <= u``, ``u``
  the share of the resource blocks in use (1 without ``resource_blocks``,
  :func:`~scoutsim.network.schedulers.resource_block_share`) and ``G`` the gain of ``pf`` over
  fading (:mod:`scoutsim.network.pfgain`) or of transport blocks (:mod:`scoutsim.network.tbs`).
* Each wired link on a transfer's path adds ``sum of rates <= capacity``.
* Rates are the weighted max-min fair allocation over all these constraints
  (:func:`scoutsim.network.maxmin.max_min`), recomputed at every arrival, departure and
  capacity change; between events every rate is constant, so finish times are exact.
* An online allocator (:mod:`scoutsim.decisions.online`, :meth:`Network.set_online`) ranks
  the transfers of each pool (a ``work_conserving`` or ``time_share`` cell; one device's
  slice under ``reserved``) at every event, and the ranks are strict priorities within the
  pool in the max-min filling: rank 0 gets all it can use, the next rank of the same pool
  what is left, while wired links stay max-min fair to the transfers of every pool
  (:func:`~scoutsim.network.maxmin.max_min`'s ``pools``). Where the cell's radio is not
  what holds a pool's first transfer back but a wired link shared with other cells is, the
  next transfer of the pool starts to fill that link only then, after the other cells'
  transfers have grown on it: it gets less of the link than a router's per-flow fair
  queueing would give it (exact fair queueing behind a priority scheduler needs a filling
  in which rates also fall, which this model does not do). A rule decides
  from each transfer's bytes left, due time and *alone rate* (what it would get with its
  pool to itself: the cell's or the slice's rate, or its own radio rate in a time share,
  never above its own rate; wired links left out). In a ``time_share`` cell the rule is the
  scheduler: the resource goes to the transfer due first, at its own rate, with no
  diversity gain (that needs opportunistic scheduling, which a deadline order forgoes).
* ``max_rate`` is a strict priority (:func:`~scoutsim.network.maxmin.max_min`'s levels).
  Levels are global: where a wired link couples cells, a cell's second-best device fills
  only after the best devices of every cell have; without shared links cells do not meet.
* ``grant_s``: a transfer waits for its first uplink grant before its first byte, and
  ``offset_s`` of its device more (a fixed cost a calibration measured: attach, TCP's
  handshake and slow start, the path to the remote host).
* ``bler`` (HARQ at the link adaptation's target block error rate, independent attempts):
  a transport block needs ``1 / (1 - bler)`` transmissions on average, so every radio rate
  is multiplied by ``1 - bler``; and the last block of a transfer is retransmitted a mean
  ``bler / (1 - bler)`` times, each a HARQ round trip ``harq_rtt_s`` (8 ms in LTE FDD), so
  its last byte arrives ``harq_rtt_s bler / (1 - bler)`` after the fluid finishes.

Units: rates in bytes per second, sizes in bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import simpy

from scoutsim.network import cellrank, epa, tbs
from scoutsim.network.maxmin import max_min
from scoutsim.network.schedulers import SCHEDULERS, resource_block_share
from scoutsim.network.link import BYTES_PER_S_PER_MBPS, PoolView
from scoutsim.network.uplink import FluidLoop, Transfer

SHARINGS = ("work_conserving", "reserved", "time_share")
FADINGS = ("none", "rayleigh", "epa")


def rides_fading(fading: str | None, resource_blocks: int | None) -> bool:
    """Whether a time-share cell's scheduler gain applies: fast fading, and no LTE block MAC
    (whose uplink rotates blocks alike for rr and pf, :func:`resource_block_share`). The cell
    and the clairvoyant bound both ask this."""
    return fading == "rayleigh" and resource_blocks is None


@dataclass(frozen=True)
class CellSpec:
    id: str
    sharing: str = "work_conserving"
    scheduler: str = "rr"  # time_share only
    grant_s: float = 0.0
    bler: float = 0.0
    harq_rtt_s: float = 0.008
    resource_blocks: int | None = None
    mean_rate: float = 0.0  # long-run mean of C(t), bytes/s: for fair_share
    fading: str = "none"  # none | rayleigh (a pf scheduler rides it) | epa (worst-block MCS: network.epa)
    transport_blocks: bool = False  # with resource_blocks: rates by transport block size (network.tbs)

    def __post_init__(self):
        if self.sharing not in SHARINGS:
            raise ValueError(f"unknown sharing {self.sharing!r}")
        if not 0 <= self.bler < 1:
            raise ValueError(f"bler must be in [0, 1), got {self.bler}")
        if self.grant_s < 0 or self.harq_rtt_s < 0:
            raise ValueError("grant_s and harq_rtt_s must be >= 0")
        if self.resource_blocks is not None and self.resource_blocks < 1:
            raise ValueError("resource_blocks must be >= 1")
        if self.fading not in FADINGS:
            raise ValueError(f"unknown fading {self.fading!r}; expected one of {FADINGS}")
        if self.fading == "epa" and not (self.resource_blocks and self.transport_blocks):
            raise ValueError("fading epa needs resource_blocks and transport_blocks")

    @property
    def rides_fading(self) -> bool:
        return rides_fading(self.fading, self.resource_blocks)

    @property
    def harq_tail_s(self) -> float:
        return self.harq_rtt_s * self.bler / (1 - self.bler)


@dataclass(frozen=True)
class DeviceSpec:
    cell: int
    weight: float = 1.0
    quality: float | None = None  # own rate = quality x C(t); None: own channel, or no own limit
    own_channel: bool = False
    links: tuple[str, ...] = ()  # wired links on the way to its cloud
    mean_rate: float = 0.0  # long-run mean own rate, bytes/s (own channel): for fair_share
    offset_s: float = 0.0  # fixed wait before a transfer's first byte, after the cell's grant


class Network(FluidLoop):
    CARRIES_ONLINE = True
    CARRIES_TCP = False

    def __init__(self, env: simpy.Environment, cells: Sequence[CellSpec], devices: Sequence[DeviceSpec],
                 links: dict[str, float] | None = None):
        super().__init__(env)
        self.cells = list(cells)
        self.devices = list(devices)
        self.links = dict(links or {})  # link id -> capacity, bytes/s
        for i, d in enumerate(self.devices):
            if d.weight <= 0:
                raise ValueError(f"device {i} needs a positive weight")
            if d.quality is not None and d.quality <= 0:
                raise ValueError(f"device {i}: link quality must be > 0")
            if not d.offset_s >= 0:
                raise ValueError(f"device {i}: offset_s must be >= 0, got {d.offset_s}")
            for lk in d.links:
                if lk not in self.links:
                    raise ValueError(f"device {i}: unknown link {lk!r}")
        for lk, cap in self.links.items():
            if not cap > 0:
                raise ValueError(f"link {lk!r} needs a positive capacity, got {cap}")
        self._scheds = [SCHEDULERS.get(c.scheduler)() for c in self.cells]
        self._cell_weight = [0.0] * len(self.cells)
        for d in self.devices:
            self._cell_weight[d.cell] += d.weight
        self._cell_devices = [sum(1 for d in self.devices if d.cell == c) for c in range(len(self.cells))]
        self.cell_capacity = [0.0] * len(self.cells)
        self.own_capacity = [0.0] * len(self.devices)  # devices with their own channel
        self.active = []
        self._in_flight = [0] * len(self.devices)
        # id(done) -> (state, bytes): waiting for its grant, in its HARQ tail, or cancelled there
        self._waiting: dict[int, tuple] = {}  # ("grant", bytes, slot) | ("tail", bytes) | ("cancelled", 0)
        self._online = [None] * len(self.cells)  # per cell: an online allocator's rule, or None

    # ---------------------------------------------------------------- public
    def _start(self, slot: int, nbytes: float, done: simpy.Event, due: float) -> None:
        grant = self.cells[self.devices[slot].cell].grant_s + self.devices[slot].offset_s
        if grant > 0:
            self._hold(done, grant, ("grant", nbytes, slot), lambda: self._join(slot, nbytes, done, due))
        else:
            self._join(slot, nbytes, done, due)

    def _hold(self, done: simpy.Event, delay: float, state: tuple, then) -> None:
        """Keep ``done`` in ``state`` (its grant wait, its HARQ tail) for ``delay`` seconds,
        then ``then()`` unless it was cancelled meanwhile."""
        self._waiting[id(done)] = state

        def over(_ev):
            if self._waiting.pop(id(done))[0] == state[0]:
                then()

        self.env.timeout(delay).callbacks.append(over)

    def set_online(self, rule, cell: int = 0) -> None:
        """Let an online allocator's rule order the transfers of ``cell`` at every event:
        ``rule.rank(lefts, dues, alone_rates, now)`` gives strict priorities (0 first)."""
        self._online[cell] = rule
        self._advance()
        self._reschedule()

    def remaining(self, done: simpy.Event) -> tuple[float, float] | None:
        """While a transfer waits for its grant, all its bytes at the rate it would get if it
        joined now (the grant's few ms left are not counted); (0, inf) in its HARQ tail (its
        bytes are sent; the tail's few ms are not counted)."""
        state = self._waiting.get(id(done))
        if state is not None:
            if state[0] == "tail":
                return 0.0, math.inf
            return (state[1], self.rate_if_joined(state[2])) if state[0] == "grant" else None
        return super().remaining(done)

    def pool_view(self, slot: int) -> PoolView:
        return cellrank.pool_view(self, slot)

    def _stop(self, done: simpy.Event) -> float:
        # All its bytes are sent in its HARQ tail, none while it waits for its grant.
        state = self._waiting.get(id(done))
        if state is not None:
            self._waiting[id(done)] = ("cancelled", 0.0)
            return state[1] if state[0] == "tail" else 0.0
        t = self._find(done)
        return 0.0 if t is None else self._cancel(t)

    def set_capacity(self, mbps: float, cell: int = 0) -> None:
        self._advance()
        self.cell_capacity[cell] = mbps * BYTES_PER_S_PER_MBPS
        self._reschedule()

    def set_device_capacity(self, slot: int, mbps: float) -> None:
        self._advance()
        self.own_capacity[slot] = mbps * BYTES_PER_S_PER_MBPS
        self._reschedule()

    def own_rate(self, slot: int) -> float:
        """Device ``slot``'s own rate now (bytes/s), before HARQ; inf: none of its own."""
        d = self.devices[slot]
        if d.own_channel:
            return self.own_capacity[slot]
        if d.quality is not None:
            return d.quality * self.cell_capacity[d.cell]
        if self.cells[d.cell].sharing == "time_share":
            return self.cell_capacity[d.cell]
        return math.inf

    def rate_if_joined(self, slot: int) -> float:
        """Rate a new transfer of ``slot`` would get now (bytes/s), if nothing else changed."""
        # As on the shared uplink, the share by the fixed weights: an online rule would rank a
        # probe without a due time last, and a device would read that as no rate at all.
        probe = Transfer(slot, 1.0, self.env.event())  # never scheduled: only its share is read
        self._in_flight[slot] += 1
        try:
            return self._allocate(self.active + [probe], ordered=False)[-1]
        finally:
            self._in_flight[slot] -= 1

    def fair_share(self, slot: int, mean_capacity: float | None = None) -> float:
        """Long-run rate of ``slot`` when every device of its cell has data, wired links
        aside: the planning-time prior of estimators."""
        d = self.devices[slot]
        cell = self.cells[d.cell]
        c_mean = cell.mean_rate if mean_capacity is None else mean_capacity
        eff = 1 - cell.bler
        own = d.mean_rate if d.own_channel else (d.quality if d.quality is not None else 1.0) * c_mean
        if cell.sharing == "time_share":
            n = self._cell_devices[d.cell]
            share = d.weight / self._cell_weight[d.cell] if cell.scheduler == "weighted" else 1.0 / n
            gain = 1.0
            if cell.rides_fading:
                gain = self._scheds[d.cell].gain(n, own / c_mean if c_mean > 0 else 1.0)
            return own * eff * share * gain
        fair = c_mean * eff * d.weight / self._cell_weight[d.cell]
        return min(fair, own * eff) if (d.own_channel or d.quality is not None) else fair

    # ---------------------------------------------------------------- allocation
    def _allocate(self, flows: list[Transfer], ordered: bool = True) -> list[float]:
        n = len(flows)
        slopes = [0.0] * n
        ranks, pools = cellrank.ranks(self, flows) if ordered and any(self._online) else (None, None)
        levels = list(ranks) if ranks is not None else [0] * n
        bound = [0.0] * n  # the most each flow could get from its cell: links bind only above it
        constraints: list[tuple[float, list[tuple[int, float]]]] = []
        devices = self.devices
        by_cell: dict[int, list[int]] = {}
        for i, t in enumerate(flows):
            by_cell.setdefault(devices[t.slot].cell, []).append(i)
        for c, members in by_cell.items():
            cell = self.cells[c]
            eff = 1 - cell.bler
            if cell.sharing == "time_share":
                self._time_share(c, cell, eff, flows, members, slopes, levels, bound, constraints,
                                 ranks if ranks is not None and self._online[c] is not None else None)
                continue
            cap = self.cell_capacity[c] * eff
            for i in members:
                slopes[i] = devices[flows[i].slot].weight
                bound[i] = cap
            if cell.sharing == "work_conserving":
                constraints.append((cap, [(i, 1.0) for i in members]))
            own: dict[int, list[int]] = {}
            for i in members:
                own.setdefault(flows[i].slot, []).append(i)
            for slot, mine in own.items():
                if cell.sharing == "reserved":
                    slice_ = cap * devices[slot].weight / self._cell_weight[c]
                    constraints.append((slice_, [(i, 1.0) for i in mine]))
                    for i in mine:
                        bound[i] = slice_
                r = self.own_rate(slot)
                if r < math.inf:
                    constraints.append((r * eff, [(i, 1.0) for i in mine]))
                    for i in mine:
                        bound[i] = min(bound[i], r * eff)
        if self.links:
            on: dict[str, list[int]] = {}
            for i, t in enumerate(flows):
                for lk in devices[t.slot].links:
                    on.setdefault(lk, []).append(i)
            for lk, members in on.items():
                # A link that could carry every flow on it at its most never binds: leaving
                # it out changes no rate and saves the filling a round.
                if sum(bound[i] for i in members) > self.links[lk]:
                    constraints.append((self.links[lk], [(i, 1.0) for i in members]))
        return max_min(slopes, constraints, levels, pools)

    def _time_share(self, c, cell, eff, flows, members, slopes, levels, bound, constraints, ranks=None) -> None:
        rates = {}
        for i in members:
            slot = flows[i].slot
            if slot not in rates:
                rates[slot] = self.own_rate(slot)
        with_data = [s for s, r in rates.items() if r > 0]
        k = len(with_data)
        if k == 0:
            return
        sched = self._scheds[c]
        rides = cell.rides_fading
        if ranks is not None:
            # An online rule schedules the cell: blocks go to the devices of the first rank,
            # each at its own rate (no diversity gain).
            rides = False
            first = min(ranks[i] for i in members if rates[flows[i].slot] > 0)
            k = len({flows[i].slot for i in members if ranks[i] == first and rates[flows[i].slot] > 0})
        top = self.cell_capacity[c]
        gains = {s: sched.gain(k, r / top if top > 0 else 1.0) if rides else 1.0 for s, r in rates.items()}
        usable, n_rb, rigid = 1.0, cell.resource_blocks, False
        if n_rb is not None and cell.scheduler in ("rr", "pf"):
            usable = resource_block_share(n_rb, k)
            # A device's transport blocks fit its own turns on its own blocks: it cannot take
            # the time of devices that send less (their turns and blocks are theirs), so it is
            # capped at its turns (gains above 1 would otherwise let it pass its lone rate).
            rigid = cell.transport_blocks
            if cell.fading == "epa":  # blocks are rotated, not ridden: the worst block sets the MCS
                qualities = {s: self.devices[s].quality if self.devices[s].quality is not None
                             else (r / top if top > 0 else 1.0) for s, r in rates.items()}
                gains = epa.block_gains(qualities, n_rb, k)
            elif cell.transport_blocks:
                gains = tbs.block_gains(rates, n_rb, k)
        level_of = dict(zip(with_data, sched.levels([rates[s] for s in with_data]))) \
            if cell.scheduler == "max_rate" else None
        time = []
        in_flight = self._in_flight
        turns: dict[int, tuple[float, list[tuple[int, float]]]] = {}  # rigid: slot -> (its cap, its flows)
        for i in members:
            slot = flows[i].slot
            r = rates[slot] * eff * gains[slot]
            if r <= 0:
                continue
            slopes[i] = sched.share(self.devices[slot].weight) / in_flight[slot] * r
            bound[i] = r * usable
            if rigid:  # its own turns only (above): 1 / k of the usable time
                turns.setdefault(slot, (r * usable / k, []))[1].append((i, 1.0))
                bound[i] /= k * in_flight[slot]
            if level_of is not None:
                levels[i] = level_of[slot]
            time.append((i, 1.0 / r))
        constraints.append((usable, time))
        constraints += list(turns.values())

    # ---------------------------------------------------------------- physics
    def _set_rates(self) -> None:
        for t, r in zip(self.active, self._allocate(self.active)):
            t.rate = r

    def _delivered(self, t: Transfer) -> None:
        tail = self.cells[self.devices[t.slot].cell].harq_tail_s
        if tail <= 0:
            t.done.succeed()
        else:
            self._hold(t.done, tail, ("tail", t.size), t.done.succeed)
