"""A request's predicted arrival-to-done time, the one equation every predictor uses.

A mode that sends something is done after its edge compute, its payload at the rate the
predictor expects, the one-way latency and its cloud compute; a mode that sends nothing
(``local``) is done when its edge compute is (docs/models/compute.md):

    T = edge + payload / rate + latency + cloud        (sends)
    T = edge                                            (sends nothing)

``edge`` includes any wait for the edge processor and ``latency`` any predicted wait for a
cloud GPU, whichever the caller knows. The terms are added left to right, in this order,
wherever the time is predicted, so that the agents, planning and the decision maps agree to
the last bit. The mid-flight fallback (``scoutsim/sim/fallback.py``) predicts from a check's
instant (its ``edge``) and passes what follows the last byte already summed, as ``latency``
with ``cloud`` 0: the grouping it always had (its outputs byte for byte).
"""

from __future__ import annotations

import math

import numpy as np


def request_seconds(edge_s: float, size_bytes: float, rate, latency_s: float, cloud_s: float,
                    *, sends: bool = True):
    """Predicted seconds from arrival to done; ``rate`` in bytes/s, a float or a NumPy array
    of rates (one time per rate). A float rate of zero or less never delivers: ``inf``."""
    if not sends:
        return edge_s
    if np.ndim(rate) == 0 and not rate > 0:
        return math.inf
    return edge_s + size_bytes / rate + latency_s + cloud_s
