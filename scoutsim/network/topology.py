"""The wired network behind the cells: a networkx graph from cells to cloud sites.

Nodes are names (cell ids, aggregation points, cloud site ids); each link joins two nodes
with a capacity and a one-way latency. A transfer from a cell to a cloud site crosses the
least-latency path (Dijkstra over ``latency_s``; links are full duplex, the uplink uses
one direction of each). Its one-way latency is the sum along the path; its rate is held
by every link on it (:class:`scoutsim.network.cell.Network`, weighted max-min).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import networkx as nx


@dataclass(frozen=True)
class WiredLink:
    id: str
    a: str
    b: str
    capacity: float  # bytes/s
    latency_s: float = 0.0


class NoPath(ValueError):
    pass


class Topology:
    def __init__(self, links: Sequence[WiredLink]):
        self.graph = nx.Graph()
        for lk in links:
            if not lk.capacity > 0:
                raise ValueError(f"link {lk.id!r} needs a positive capacity, got {lk.capacity}")
            if self.graph.has_edge(lk.a, lk.b):
                raise ValueError(f"link {lk.id!r}: {lk.a} and {lk.b} are already joined by "
                                 f"{self.graph.edges[lk.a, lk.b]['id']!r}")
            self.graph.add_edge(lk.a, lk.b, id=lk.id, latency_s=lk.latency_s, capacity=lk.capacity)

    def capacities(self) -> dict[str, float]:
        return {d["id"]: d["capacity"] for _a, _b, d in self.graph.edges(data=True)}

    def path(self, cell: str, cloud: str) -> tuple[tuple[str, ...], float]:
        """(link ids crossed in order, one-way latency in seconds) from ``cell`` to ``cloud``."""
        for node in (cell, cloud):
            if node not in self.graph:
                raise NoPath(f"{node!r} is not an end of any link")
        try:
            nodes = nx.dijkstra_path(self.graph, cell, cloud, weight="latency_s")
        except nx.NetworkXNoPath:
            raise NoPath(f"no path from {cell!r} to {cloud!r}") from None
        edges = [self.graph.edges[u, v] for u, v in zip(nodes, nodes[1:])]
        return tuple(e["id"] for e in edges), sum(e["latency_s"] for e in edges)
