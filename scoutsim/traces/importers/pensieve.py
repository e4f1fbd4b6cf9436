"""Pensieve-style traces: text lines ``time_s mbps`` (whitespace separated).

Pensieve's cooked traces give the time (seconds, any origin) at which each throughput
(Mbps) starts; the simulator holds it until the next line. That is exactly the contract
semantics, so the only cleaning is moving time 0 to the first line. Times must increase
strictly; throughputs must be finite and non-negative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoutsim.traces.importers.base import ImportOptions, Importer, register
from scoutsim.traces.importers._text import check_increasing, check_nonnegative, read_numeric_rows
from scoutsim.traces.series import Trace


def load(path: Path, options: ImportOptions) -> Trace:
    rows, lines = read_numeric_rows(path, 2, "'time_s mbps'")
    arr = np.asarray(rows)
    check_increasing(arr[:, 0], lines, path)
    check_nonnegative(arr[:, 1], lines, path)
    t = arr[:, 0] - arr[0, 0]
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1.0
    trace = Trace(t, arr[:, 1], step)
    trace.note(f"time 0 moved to the first line (was {arr[0, 0]:g} s)")
    return trace


register(Importer("pensieve", "Pensieve-style 'time_s mbps' text lines", "uplink",
                  frozenset(), load))
