"""What an online allocator sees of a cell (:mod:`scoutsim.network.cell`): each transfer's
alone rate, the ranks its rule gives a pool's transfers, and the pool a new transfer would
join (for the ``joint`` grant).

A transfer's *alone rate* is what it would get with its pool to itself: its cell's rate, or
its slice under ``reserved``, never above its own radio rate; under ``time_share`` its own
radio rate (an online rule gives the air time to one transfer at a time). All after HARQ's
``1 - bler``; wired links are left out.
"""

from __future__ import annotations


def pool_capacity(net, slot: int) -> float:
    """The capacity of ``slot``'s pool outside ``time_share``: its cell's rate, or its slice
    under ``reserved``, after HARQ."""
    d = net.devices[slot]
    cell = net.cells[d.cell]
    cap = net.cell_capacity[d.cell] * (1 - cell.bler)
    if cell.sharing == "reserved":
        cap *= d.weight / net._cell_weight[d.cell]
    return cap


def alone_rate(net, slot: int) -> float:
    cell = net.cells[net.devices[slot].cell]
    own = net.own_rate(slot) * (1 - cell.bler)
    return own if cell.sharing == "time_share" else min(pool_capacity(net, slot), own)


def ranks(net, flows) -> tuple[list[int], list]:
    """Each flow's strict priority (0 first) from its cell's online rule, and its pool (a
    cell, or one device's slice under ``reserved``), within which the priorities apply;
    flows of cells without a rule have rank 0 and pool None."""
    out = [0] * len(flows)
    of: list[tuple[int, int] | None] = [None] * len(flows)
    pools: dict[tuple[int, int], list[int]] = {}
    for i, t in enumerate(flows):
        c = net.devices[t.slot].cell
        if net._online[c] is not None:
            pool = (c, t.slot if net.cells[c].sharing == "reserved" else -1)
            of[i] = pool
            pools.setdefault(pool, []).append(i)
    now = net.env.now
    for (c, _), members in pools.items():
        got = net._online[c].rank([net.progress(flows[i])[0] for i in members],
                                  [flows[i].due for i in members],
                                  [alone_rate(net, flows[i].slot) for i in members], now)
        for i, r in zip(members, got):
            out[i] = r
    return out, of


def pool_view(net, slot: int) -> tuple[float, list[tuple[float, float, float]], float]:
    """What a new transfer of ``slot`` would compete with now, as one preemptive resource
    for :func:`scoutsim.decisions.online.grant`: the pool's capacity, each transfer of the
    pool as (bytes still to send, due, its alone rate: whether it can still be on time is
    judged at that rate), and the new transfer's alone rate (its limit). Under
    ``time_share`` the resource is air time, counted in bytes at ``slot``'s own rate:
    another transfer's bytes weigh as the bytes ``slot`` could send in the time that transfer
    needs at its own rate. Wired links are left out (the grant is optimistic by them)."""
    d = net.devices[slot]
    cell = net.cells[d.cell]
    mine = alone_rate(net, slot)
    time_share = cell.sharing == "time_share"
    capacity = mine if time_share else pool_capacity(net, slot)
    pool = []
    for t in net.active:
        if net.devices[t.slot].cell != d.cell or (cell.sharing == "reserved" and t.slot != slot):
            continue
        left = net.progress(t)[0]
        theirs = alone_rate(net, t.slot)
        if theirs <= 0:
            continue  # no radio now: it holds nothing
        if time_share:
            pool.append((left * mine / theirs, t.due, mine))
        else:
            pool.append((left, t.due, theirs))
    return capacity, pool, mine
