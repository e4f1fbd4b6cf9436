"""The trace file format: a CSV with header ``time_s,mbps``, read and checked.

This is the one reader of the contract trace file. Channels replay what it returns
(:mod:`scoutsim.network.channels.trace`); the trace tools write it
(:mod:`scoutsim.traces.tracefile`). It sits in the trace data layer, below the network,
so that both can use it without importing each other.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from scoutsim.errors import UserError

HEADER = ["time_s", "mbps"]
MAX_TIME_S = 1e9  # 31 years
MAX_MBPS = 1e9  # 1 Pbit/s


def read_trace_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and check a contract trace; every problem names the file and line."""
    return _read_cached(str(Path(path).resolve()), Path(path).stat().st_mtime_ns if Path(path).exists() else 0)


@lru_cache(maxsize=64)
def _read_cached(path: str, _mtime: int) -> tuple[np.ndarray, np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise UserError("trace file not found", source=path)
    try:
        times, rates = _parse(p, path)
    except UnicodeDecodeError as exc:
        raise UserError(f"not a text CSV (undecodable byte at offset {exc.start}); expected "
                        "'time_s,mbps' rows", source=path) from None
    except csv.Error as exc:
        raise UserError(f"not a valid CSV ({exc})", source=path) from None
    # The arrays are shared by every caller of the cache: make accidental mutation an error.
    t, r = np.asarray(times), np.asarray(rates)
    t.flags.writeable = False
    r.flags.writeable = False
    return t, r


def _parse(p: Path, path: str) -> tuple[list[float], list[float]]:
    times: list[float] = []
    rates: list[float] = []
    # utf-8-sig: spreadsheet exports often start with a byte-order mark.
    with open(p, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise UserError("line 1: trace file is empty; expected a header 'time_s,mbps' and rows",
                            source=path)
        if [h.strip() for h in header] != HEADER:
            raise UserError(f"line 1: columns {header}; expected {HEADER}", source=path)
        for row in reader:
            line_no = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != 2:
                raise UserError(f"line {line_no}: {len(row)} fields; expected 2 (time_s,mbps)", source=path)
            try:
                t, r = float(row[0]), float(row[1])
            except ValueError:
                raise UserError(f"line {line_no}: {row} is not numeric; expected time_s,mbps numbers",
                                source=path) from None
            if not (math.isfinite(t) and math.isfinite(r)):
                raise UserError(f"line {line_no}: non-finite value {row}", source=path)
            if r < 0:
                raise UserError(f"line {line_no}: negative throughput {r}; expected mbps >= 0", source=path)
            # Past these, float time steps (~1e-7 s at 1e9 s) and byte counts lose meaning.
            if abs(t) > MAX_TIME_S or r > MAX_MBPS:
                raise UserError(f"line {line_no}: {row} out of range; expected |time_s| <= {MAX_TIME_S:g} "
                                f"and mbps <= {MAX_MBPS:g}", source=path)
            if times and t <= times[-1]:
                raise UserError(f"line {line_no}: time_s {t} does not increase (previous {times[-1]}); "
                                "expected strictly increasing times", source=path)
            times.append(t)
            rates.append(r)
    if not times:
        raise UserError("line 2: trace has a header but no rows", source=path)
    return times, rates


