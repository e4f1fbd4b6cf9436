"""UMN SIGCOMM'21 "Variegated 5G" merged logs: saturating iPerf TCP uploads, 1-s rows.

Source: ``Power-Model/MN-Wild/data-processed/merged-logs/<device>-run<N>.csv`` of the
``SIGCOMM21-5G/artifact`` repository, one file per run. The uplink under test is the
``Throughput`` column (Mbps, iPerf interval ``[_start, _end)`` in seconds since the run
started, parallel streams summed).

Cleaning, as that data set's SOURCE.md prescribes:

1. **Re-index on** ``_start``: iPerf skipped 0-182 intervals per run, so rows are not
   contiguous seconds. Each value is placed at its own ``_start``; a missing interval
   then holds the previous throughput (``--gaps hold``, the default) or is replayed as an
   outage (``--gaps zero``).
2. **Drop the start-up spike**: 19 of 20 runs open with 1-2 s at 329-506 Mbps, a
   sender-side socket buffer filling, not radio capacity. Intervals starting within
   ``--drop-start-s`` (default 2) of the first one are dropped, as the published
   statistics do.
3. Rows without a throughput (empty cell) are reports iPerf did not make: dropped, i.e.
   treated like the other gaps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scoutsim.errors import UserError
from scoutsim.traces.importers.base import ImportOptions, Importer, gap_policy, register
from scoutsim.traces.series import Trace, count_gaps, fill_gaps

REQUIRED = ("_start", "_end", "Throughput")
CONTEXT = ("direction", "provider", "radio_type_used", "run_number", "nrStatus")
DEFAULT_DROP_START_S = 2.0


def _numeric(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna() & (frame[column].astype(str).str.strip() != "")
    if bad.any():
        row = int(np.nonzero(bad.to_numpy())[0][0])
        raise UserError(f"column {column!r} value {frame[column].iloc[row]!r} is not numeric",
                        source=str(path), where=f"line {row + 2}")
    return values.to_numpy(dtype=float)


def load(path: Path, options: ImportOptions) -> Trace:
    try:
        header = pd.read_csv(path, nrows=0).columns.tolist()
    except (pd.errors.EmptyDataError, UnicodeDecodeError):
        raise UserError("empty or not a CSV file; expected a UMN merged log with columns "
                        f"{', '.join(REQUIRED)}", source=str(path)) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UserError(f"line 1: missing column(s) {missing}; expected a UMN merged log "
                        f"with columns {', '.join(REQUIRED)}", source=str(path))
    usecols = list(REQUIRED) + [c for c in CONTEXT if c in header]
    frame = pd.read_csv(path, usecols=usecols, dtype=str, keep_default_na=False)
    if frame.empty:
        raise UserError("header but no rows", source=str(path))
    start = _numeric(frame, "_start", path)
    end = _numeric(frame, "_end", path)
    mbps = _numeric(frame, "Throughput", path)
    lines = np.arange(len(frame)) + 2
    for arr, name in ((start, "_start"), (end, "_end")):
        if np.isnan(arr).any():
            raise UserError(f"empty {name}", source=str(path),
                            where=f"line {int(lines[np.isnan(arr)][0])}")
    neg = np.nonzero(mbps < 0)[0]
    if len(neg):
        raise UserError(f"negative throughput {mbps[neg[0]]:g}", source=str(path),
                        where=f"line {int(lines[neg[0]])}")
    back = np.nonzero(np.diff(start) <= 0)[0]
    if len(back):
        k = back[0] + 1
        raise UserError(f"_start {start[k]:g} does not increase (previous {start[k - 1]:g})",
                        source=str(path), where=f"line {int(lines[k])}")

    step = float(np.median(end - start))
    trace = Trace(start, mbps, step)
    info = {c: frame[c].iloc[0] for c in CONTEXT if c in frame and c != "nrStatus"}
    if "nrStatus" in frame:
        info["nr_connected_share"] = float((frame["nrStatus"] == "CONNECTED").mean())
    trace.info.update(info)
    if info.get("direction", "uplink").strip().lower() != "uplink":
        trace.caveats.append(f"this run's direction column says {info['direction']!r}, "
                             "not 'uplink'")

    empty = np.isnan(mbps)
    if empty.any():
        trace.times, trace.mbps = start[~empty], mbps[~empty]
        trace.note(f"dropped {int(empty.sum())} rows without a Throughput value (treated as gaps)")

    drop = DEFAULT_DROP_START_S if options.drop_start_s is None else float(options.drop_start_s)
    if drop < 0:
        raise UserError(f"--drop-start-s {drop:g}; expected >= 0")
    first = trace.times[0]
    keep = trace.times >= first + drop - 1e-9
    if drop > 0:
        dropped = trace.mbps[~keep]
        trace.note(f"dropped the start-up spike: {int((~keep).sum())} interval(s) starting within "
                   f"{drop:g} s of the first (values {', '.join(f'{v:g}' for v in dropped)} Mbps)")
    trace.times, trace.mbps = trace.times[keep], trace.mbps[keep]
    if len(trace.times) == 0:
        raise UserError(f"no intervals left after dropping the first {drop:g} s", source=str(path))

    origin = trace.times[0]
    trace.times = trace.times - origin
    trace.note(f"re-indexed on _start (iPerf interval start), time 0 = _start {origin:g} s")
    n_gaps, missing_s = count_gaps(trace.times, step)
    if gap_policy(options) == "zero":
        trace.times, trace.mbps, n = fill_gaps(trace.times, trace.mbps, step, 0.0)
        trace.note(f"{n} gap(s) ({missing_s:g} s without an iPerf report) replayed as 0 Mbps outages")
    else:
        trace.note(f"{n_gaps} gap(s) ({missing_s:g} s without an iPerf report) hold the previous "
                   "interval's throughput")
    trace.info.update(gaps=n_gaps, missing_s=missing_s)
    trace.caveats.append("saturating iPerf TCP upload from one phone: the throughput one device "
                         "achieved, not the cell's total capacity")
    return trace


register(Importer("umn", "UMN SIGCOMM'21 5G uplink merged logs (CSV, 1-s iPerf rows)", "uplink",
                  frozenset({"gaps", "drop_start_s"}), load))
