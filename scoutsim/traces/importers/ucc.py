"""UCC "Beyond Throughput" 5G logs (MMSys'20, G-NetTrack Pro CSV), about one row a second.

**Downlink.** Every session is a download or video stream. ``DL_bitrate`` (kbps) is the
downlink rate; ``UL_bitrate`` is the reverse traffic of those downloads (TCP ACKs, HTTP
requests, ~0.1 Mbps), **not uplink capacity**. The importer reads ``DL_bitrate`` and
refuses ``--column UL_bitrate`` unless ``--allow-ack-traffic`` says the user knows.

Cleaning:

1. Rates in kbps -> Mbps (/ 1000), the G-NetTrack unit.
2. ``Timestamp`` (``YYYY.MM.DD_hh.mm.ss``) re-indexed to seconds from the first row.
   Repeated seconds are spread evenly over that second (no row dropped); missing seconds
   hold the previous value (``--gaps hold``) or become outages (``--gaps zero``).
3. Rows whose rate is ``-`` (not available) are dropped and counted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scoutsim.errors import UserError
from scoutsim.traces.importers.base import ImportOptions, Importer, gap_policy, register
from scoutsim.traces.series import Trace, regularise_seconds

STEP_S = 1.0
TIME_FORMAT = "%Y.%m.%d_%H.%M.%S"
COLUMNS = ("DL_bitrate", "UL_bitrate")


def load(path: Path, options: ImportOptions) -> Trace:
    policy = gap_policy(options)
    column = options.column or "DL_bitrate"
    if column not in COLUMNS:
        raise UserError(f"--column {column!r}; expected one of {list(COLUMNS)}")
    if column == "UL_bitrate" and not options.allow_ack_traffic:
        raise UserError("UL_bitrate in this data set is the reverse (ACK/request) traffic of "
                        "downloads, ~0.1 Mbps, not uplink capacity; pass --allow-ack-traffic to "
                        "import it anyway", source=str(path))
    try:
        header = pd.read_csv(path, nrows=0).columns.tolist()
    except (pd.errors.EmptyDataError, UnicodeDecodeError):
        raise UserError("empty or not a CSV file; expected a G-NetTrack log with Timestamp and "
                        f"{column}", source=str(path)) from None
    missing = [c for c in ("Timestamp", column) if c not in header]
    if missing:
        raise UserError(f"line 1: missing column(s) {missing}; expected a G-NetTrack log",
                        source=str(path))
    frame = pd.read_csv(path, usecols=["Timestamp", column] +
                        [c for c in ("NetworkMode",) if c in header],
                        dtype=str, keep_default_na=False)
    if frame.empty:
        raise UserError("header but no rows", source=str(path))
    lines = np.arange(len(frame)) + 2
    stamps = pd.to_datetime(frame["Timestamp"].str.strip(), format=TIME_FORMAT, errors="coerce")
    if stamps.isna().any():
        k = int(np.nonzero(stamps.isna().to_numpy())[0][0])
        raise UserError(f"Timestamp {frame['Timestamp'].iloc[k]!r}; expected YYYY.MM.DD_hh.mm.ss",
                        source=str(path), where=f"line {lines[k]}")
    raw = frame[column].str.strip()
    na = raw.isin(["-", ""])
    kbps = pd.to_numeric(raw.where(~na), errors="coerce")
    bad = kbps.isna() & ~na
    if bad.any():
        k = int(np.nonzero(bad.to_numpy())[0][0])
        raise UserError(f"{column} {raw.iloc[k]!r} is not numeric (kbps)", source=str(path),
                        where=f"line {lines[k]}")
    kbps = kbps.to_numpy(dtype=float)
    neg = np.nonzero(kbps < 0)[0]
    if len(neg):
        raise UserError(f"negative {column} {kbps[neg[0]]:g}", source=str(path),
                        where=f"line {lines[neg[0]]}")
    secs = (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()
    back = np.nonzero(np.diff(secs) < 0)[0]
    if len(back):
        k = back[0] + 1
        raise UserError(f"Timestamp {frame['Timestamp'].iloc[k]} goes back in time",
                        source=str(path), where=f"line {lines[k]}")

    keep = ~na.to_numpy()
    trace = Trace(secs[keep], kbps[keep] / 1000.0, STEP_S)
    trace.note(f"{column} kbps -> Mbps (/1000); time = seconds since {frame['Timestamp'].iloc[0]}")
    if (~keep).any():
        trace.note(f"dropped {int((~keep).sum())} row(s) whose {column} is '-' (not available)")
    if len(trace.times) == 0:
        raise UserError(f"no {column} values", source=str(path))
    origin = trace.times[0]
    trace.times = trace.times - origin
    regularise_seconds(trace, STEP_S, policy)
    if "NetworkMode" in frame:
        modes = frame["NetworkMode"].value_counts(normalize=True)
        trace.info["network_mode_share"] = {k: round(float(v), 4) for k, v in modes.items()}
    trace.info["column"] = column
    if column == "UL_bitrate":
        trace.caveats.append("UL_bitrate is ACK/request traffic of downloads, NOT uplink capacity")
    return trace


register(Importer("ucc", "UCC 5G G-NetTrack CSV logs (DL_bitrate kbps; DOWNLINK)", "downlink",
                  frozenset({"column", "gaps", "allow_ack_traffic"}), load))
