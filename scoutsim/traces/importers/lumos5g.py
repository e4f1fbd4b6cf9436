"""Lumos5G per-run traces (SIGCOMM'21 artifact): ``<time_s> <Mbps>`` lines, 1 s apart.

**Downlink only.** Lumos5G measured per-second TCP *downlink* throughput (iPerf); it has
no uplink. Import it as a downlink proxy or a variability/outage shape, never as uplink
capacity; the sidecar says so.

Files: ``5G/5g_trace_<run>_<walking|driving>`` (tab separated, time from 1 s) and
``4G/4g_trace_<walking|driving>_<id>_<a|c|dr>`` (space separated, time from 0 s).

Cleaning:

1. Time 0 moved to the first line.
2. **Repeated time stamps** (31 in the 4G files) are samples stamped to the same whole
   second; they are spread evenly over that second instead of dropped, so no measured
   second is lost (:func:`~scoutsim.traces.series.spread_repeated_times`).
3. **Gaps** (91 two-second steps in the 4G files) hold the previous second's
   throughput (``--gaps hold``, default) or become 0-Mbps outages (``--gaps zero``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoutsim.traces.importers.base import ImportOptions, Importer, gap_policy, register
from scoutsim.traces.importers._text import check_increasing, check_nonnegative, read_numeric_rows
from scoutsim.traces.series import Trace, regularise_seconds

STEP_S = 1.0


def load(path: Path, options: ImportOptions) -> Trace:
    policy = gap_policy(options)
    rows, lines = read_numeric_rows(path, 2, "'time_s mbps' (whitespace separated)")
    arr = np.asarray(rows)
    check_increasing(arr[:, 0], lines, path, strict=False)
    check_nonnegative(arr[:, 1], lines, path)
    t0 = arr[0, 0]
    trace = Trace(arr[:, 0] - t0, arr[:, 1], STEP_S)
    trace.note(f"time 0 moved to the first line (was {t0:g} s)")
    regularise_seconds(trace, STEP_S, policy)
    name = path.name.lower()
    trace.info.update(network="5G" if name.startswith("5g") else "4G" if name.startswith("4g") else "?",
                      mobility="driving" if "driving" in name else "walking" if "walking" in name else "?")
    trace.caveats.append("5G runs include seconds on LTE and handoff dips; the files do not say which")
    return trace


register(Importer("lumos5g", "Lumos5G per-run 1-s traces (DOWNLINK only)", "downlink",
                  frozenset({"gaps"}), load))
