"""One cell's uploads for the cell-model tests: every device sends its bytes at time 0."""

from __future__ import annotations

import simpy

from scoutsim.network.cell import CellSpec, DeviceSpec, Network


def finish_times(cell: CellSpec, devices: list[DeviceSpec], sizes: list[float], mbps: float,
                 links: dict | None = None, until: float = 1e4) -> list[float | None]:
    """Device ``i`` sends ``sizes[i]`` bytes at 0 in ``cell`` (reference rate ``mbps``, wired
    ``links`` by name); when each finishes (None: not by ``until``)."""
    env = simpy.Environment()
    net = Network(env, [cell], devices, links=links or {})
    net.set_capacity(mbps, cell=0)
    done: list[float | None] = [None] * len(devices)

    def one(i):
        yield net.send(i, sizes[i])
        done[i] = env.now

    for i in range(len(devices)):
        env.process(one(i))
    env.run(until=until)
    return done
