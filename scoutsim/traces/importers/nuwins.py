"""NUWiNS 5G-MeMU'22 mmWave uplink ``.list`` files: saturating uplink tests, 0.1-s samples.

Source: ``throughput/<static|walking|driving>/<5g|lte>/*.list`` of
``NUWiNS/sigcomm-5gmemu-5g-mmWave-uplink-data``. A file holds several runs, each a
``Run N`` line (usually after a ``###`` separator) followed by comma-separated values:

* **one value line**: a throughput series in Mbps. No time stamps are given; the sampling
  interval is taken as 0.1 s, the interval of the files that do carry time stamps.
* **four value lines** (``driving/5g/throughput.list``, ``walking/5g/lateral.list``):
  ``t1, x1, t2, x2``, time stamps in seconds and Mbps for two legs of the NSA connection.
  Leg 1 reaches mmWave rates and appears only once NR attaches (read as the NR leg); leg 2
  stays below ~65 Mbps (read as the LTE anchor). Neither reading is documented upstream.

Cleaning (what SOURCE.md's published statistics do, so the import reproduces them):

1. Legs are put on a 0.1-s grid: a sample at ``t`` lands in bin ``round(t / 0.1)``; the
   grid runs from the earliest to the latest bin of either leg. Bins a leg did not report
   count 0 for that leg (the leg carried nothing). ``--series total`` (default) sums both
   legs; ``nr`` / ``lte`` keep one. Leg time rows sometimes jump back and re-cover a few
   seconds; samples sharing a bin are added, as the published totals do, and the count
   of such bins is recorded.
2. Static runs end in zeros after the test stops: trailing values below 0.5 Mbps are
   trimmed from ``total`` series.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from scoutsim.errors import UserError
from scoutsim.traces.importers.base import ImportOptions, Importer, register
from scoutsim.traces.series import Trace, trim_trailing_below

STEP_S = 0.1
TRAIL_MBPS = 0.5
RUN_RE = re.compile(r"^Run\s+(\d+)\s*$", re.IGNORECASE)


def parse_list(path: Path) -> dict[int, list[tuple[int, np.ndarray]]]:
    """Runs of a ``.list`` file: run number -> [(line number, values), ...]."""
    runs: dict[int, list[tuple[int, np.ndarray]]] = {}
    current: int | None = None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError("not a text file", source=str(path)) from None
    for line_no, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s or set(s) == {"#"}:
            continue
        m = RUN_RE.match(s)
        if m:
            current = int(m.group(1))
            if current in runs:
                raise UserError(f"Run {current} appears twice", source=str(path),
                                where=f"line {line_no}")
            runs[current] = []
            continue
        if current is None:
            raise UserError(f"values before any 'Run N' line: {s[:40]!r}", source=str(path),
                            where=f"line {line_no}")
        parts = [p for p in s.split(",") if p.strip()]
        try:
            values = np.array([float(p) for p in parts])
        except ValueError:
            bad = next(p for p in parts if not _is_float(p))
            raise UserError(f"{bad.strip()[:30]!r} is not numeric; expected comma-separated numbers",
                            source=str(path), where=f"line {line_no}") from None
        if not np.all(np.isfinite(values)):
            raise UserError("non-finite value", source=str(path), where=f"line {line_no}")
        runs[current].append((line_no, values))
    if not runs:
        raise UserError("no 'Run N' blocks; expected a NUWiNS .list throughput file",
                        source=str(path))
    return runs


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _grid(legs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[int, list[np.ndarray], int]:
    idx = [np.rint(t / STEP_S).astype(np.int64) for t, _ in legs]
    lo = min(int(i.min()) for i in idx)
    hi = max(int(i.max()) for i in idx)
    gridded, shared = [], 0
    for i, (_, x) in zip(idx, legs):
        g = np.zeros(hi - lo + 1)
        np.add.at(g, i - lo, x)
        shared += int((np.bincount(i - lo) > 1).sum())
        gridded.append(g)
    return lo, gridded, shared


def load(path: Path, options: ImportOptions) -> Trace:
    runs = parse_list(path)
    if options.run is None:
        if len(runs) > 1:
            raise UserError(f"file holds runs {sorted(runs)}; choose one with --run N",
                            source=str(path))
        run = next(iter(runs))
    else:
        run = int(options.run)
        if run not in runs:
            raise UserError(f"no Run {run}; the file holds runs {sorted(runs)}", source=str(path))
    rows = runs[run]
    series = options.series or "total"
    if series not in ("total", "nr", "lte"):
        raise UserError(f"--series {series!r}; expected total, nr or lte")
    for line_no, values in rows:
        if np.any(values < 0) and len(rows) == 1:
            raise UserError(f"negative throughput {values[values < 0][0]:g}", source=str(path),
                            where=f"line {line_no}")

    if len(rows) == 1:
        if series != "total":
            raise UserError(f"Run {run} has a single series (no NR/LTE legs); "
                            "--series must be total", source=str(path))
        mbps = rows[0][1]
        trace = Trace(STEP_S * np.arange(len(mbps)), mbps, STEP_S)
        trace.note(f"Run {run}: one value line without time stamps; samples placed every "
                   f"{STEP_S:g} s (assumed, as for the time-stamped files)")
    elif len(rows) == 4:
        (l1, t1), (lx1, x1), (l2, t2), (lx2, x2) = rows
        for (lt, t), (lx, x) in (((l1, t1), (lx1, x1)), ((l2, t2), (lx2, x2))):
            if len(t) != len(x):
                raise UserError(f"time row (line {lt}) has {len(t)} values but throughput row "
                                f"has {len(x)}", source=str(path), where=f"line {lx}")
            if np.any(x < 0):
                raise UserError(f"negative throughput {x[x < 0][0]:g}", source=str(path),
                                where=f"line {lx}")
        lo, (g1, g2), shared = _grid([(t1, x1), (t2, x2)])
        mbps = {"total": g1 + g2, "nr": g1, "lte": g2}[series]
        trace = Trace(STEP_S * np.arange(len(mbps)), mbps, STEP_S)
        trace.note(f"Run {run}: legs (t1,x1) = NR? and (t2,x2) = LTE? put on a {STEP_S:g}-s grid "
                   f"(bin = round(t/{STEP_S:g})), time 0 = {lo * STEP_S:g} s; bins a leg did not "
                   f"report count 0; {shared} bin(s) received several samples of one leg "
                   "(time rows that jump back) and add them")
        trace.note({"total": "series = NR leg + LTE leg", "nr": "series = leg 1 (NR?) only",
                    "lte": "series = leg 2 (LTE?) only"}[series])
        trace.caveats.append("the NR/LTE reading of the two legs is an interpretation; "
                             "upstream does not document it")
    else:
        raise UserError(f"Run {run} has {len(rows)} value lines; expected 1 (throughput) or 4 "
                        "(t1, x1, t2, x2)", source=str(path), where=f"line {rows[0][0]}")

    if series == "total":
        cut = trim_trailing_below(trace.mbps, TRAIL_MBPS)
        if cut:
            if cut == len(trace.mbps):
                raise UserError(f"Run {run} never reaches {TRAIL_MBPS} Mbps", source=str(path))
            trace.times, trace.mbps = trace.times[:-cut], trace.mbps[:-cut]
            trace.note(f"trimmed {cut} trailing sample(s) below {TRAIL_MBPS} Mbps (test stopped)")
    trace.info.update(run=run, series=series)
    trace.caveats.append("saturating uplink test from one phone; operator and city not stated upstream")
    return trace


register(Importer("nuwins", "NUWiNS 5G-MeMU'22 mmWave uplink .list files (0.1-s samples; "
                  "--run N, --series total|nr|lte)", "uplink",
                  frozenset({"run", "series"}), load))
