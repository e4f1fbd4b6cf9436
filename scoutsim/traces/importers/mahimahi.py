"""Mahimahi / Sprout packet-delivery traces (``.up`` / ``.down``): one line per packet.

Each line is an integer time in **milliseconds** from the trace's start at which one
**1500-byte** packet may leave the bottleneck; a millisecond with several delivery
opportunities appears several times. Throughput over a window is
``count x 1500 x 8 / window``: one line per millisecond is 12 Mbps.

Conversion: opportunities are counted in bins ``[k b, (k + 1) b)`` of ``--bin-s b``
seconds (default 1 s, the resolution of the published statistics), for
``k = 0 .. floor(last / b)``. Every opportunity lands in exactly one bin, so the
imported trace carries exactly the trace's bits; the last bin is usually partial and is
replayed, like every row, for one full bin (the contract's rule for the last row).
Shorter bins keep more of the burst structure (the published lag-1 autocorrelation is
0.64-0.92 at 0.1 s) at the price of a noisier series.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scoutsim.errors import UserError
from scoutsim.traces.importers.base import ImportOptions, Importer, register
from scoutsim.traces.series import Trace

PACKET_BYTES = 1500
DEFAULT_BIN_S = 1.0


def read_opportunities(path: Path) -> np.ndarray:
    out: list[int] = []
    last = -1
    try:
        fh = open(path, encoding="ascii")
        with fh:
            for line_no, line in enumerate(fh, start=1):
                s = line.strip()
                if not s:
                    continue
                try:
                    ms = int(s)
                except ValueError:
                    raise UserError(f"{s[:30]!r} is not an integer millisecond time stamp",
                                    source=str(path), where=f"line {line_no}") from None
                if ms < 0:
                    raise UserError(f"negative time stamp {ms}", source=str(path),
                                    where=f"line {line_no}")
                if ms < last:
                    raise UserError(f"time stamp {ms} ms goes back (previous {last} ms); "
                                    "expected non-decreasing times", source=str(path),
                                    where=f"line {line_no}")
                last = ms
                out.append(ms)
    except UnicodeDecodeError:
        raise UserError("not a text file of millisecond time stamps", source=str(path)) from None
    if not out:
        raise UserError("empty; expected one integer millisecond time stamp per line",
                        source=str(path))
    return np.asarray(out, dtype=np.int64)


def load(path: Path, options: ImportOptions) -> Trace:
    bin_s = DEFAULT_BIN_S if options.bin_s is None else float(options.bin_s)
    if not (bin_s >= 0.001):
        raise UserError(f"--bin-s {bin_s:g}; expected >= 0.001 (one millisecond)")
    ms = read_opportunities(path)
    bin_ms = bin_s * 1000.0
    counts = np.bincount(np.floor(ms / bin_ms + 1e-9).astype(np.int64))
    mbps = counts * PACKET_BYTES * 8 / bin_s / 1e6
    trace = Trace(bin_s * np.arange(len(counts)), mbps, bin_s)
    trace.note(f"{len(ms)} delivery opportunities of {PACKET_BYTES} B counted in {bin_s:g}-s bins "
               f"from 0 to {ms[-1]} ms ({len(counts)} bins); Mbps = count x {PACKET_BYTES * 8} bit "
               f"/ {bin_s:g} s / 10^6")
    trace.info.update(opportunities=int(len(ms)), last_ms=int(ms[-1]), bin_s=bin_s)
    trace.caveats.append("link capacity recorded by Saturator (Sprout, ~2012-2016 LTE); "
                         "old LTE rates, not a modern 5G uplink")
    return trace


register(Importer("mahimahi", "Mahimahi/Sprout packet-delivery traces (ms time stamps, 1500-B "
                  "packets; --bin-s)", "uplink", frozenset({"bin_s"}), load))
