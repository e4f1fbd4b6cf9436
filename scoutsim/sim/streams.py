"""Random streams: one NumPy generator per (replication, component, instance).

Every stream is derived from the scenario's root seed through ``SeedSequence`` with a spawn
key that names the component, never by the order in which things happen to be built. So
the arrivals, the channel path and the questions drawn depend only on the seed, the
replication and the agent or uplink index: changing a policy, an allocator or the mode list
cannot shift them, and paired comparisons across policies see the same world.
"""

from __future__ import annotations

import numpy as np

CHANNEL = 0
ARRIVALS = 1
QUESTIONS = 2
PHASE = 3
ANSWERS = 4  # per agent group, replication 0: assumed answer lengths of the pool's samples
# Superposed arrivals (scoutsim/sim/arrivals.py): one stream of each kind per agent group,
# indexed by the group's position in the scenario.
GROUP_ARRIVALS = 5
GROUP_QUESTIONS = 6
GROUP_PHASE = 7
DEVICE_CHANNEL = 8  # a device's own radio channel (the cell model); apart from the others


def stream(seed: int, replication: int, component: int, index: int) -> np.random.Generator:
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, component, index))
    return np.random.Generator(np.random.PCG64(ss))
