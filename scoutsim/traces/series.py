"""The in-memory trace and the cleaning steps importers share.

A :class:`Trace` is what every importer returns and every writer takes: strictly
increasing times (seconds from the trace's start), throughputs in Mbps, the nominal
sample interval, and a list of human-readable cleaning steps. Recording each step as it
is applied is what lets the sidecar JSON say exactly what was done to the raw data.

Semantics (the same as the contract CSV and :class:`~scoutsim.network.channels.trace.TraceChannel`):
row ``i``'s throughput holds from ``times[i]`` until ``times[i + 1]``; the last row holds
for one nominal interval. A gap in the time stamps therefore *holds* the previous value
unless an importer was asked to write the gap as an outage (:func:`fill_gaps`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scoutsim.errors import UserError


@dataclass
class Trace:
    times: np.ndarray
    mbps: np.ndarray
    step_s: float
    cleaning: list[str] = field(default_factory=list)
    # Facts about the data a user must know (direction, what a column means, ...).
    caveats: list[str] = field(default_factory=list)
    # Format-specific provenance: run number, leg, column, carrier, ...
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype=float)
        self.mbps = np.asarray(self.mbps, dtype=float)

    def note(self, step: str) -> None:
        self.cleaning.append(step)

    @property
    def duration_s(self) -> float:
        return float(self.times[-1] - self.times[0] + self.step_s) if len(self.times) else 0.0


def spread_repeated_times(times: np.ndarray, step_s: float) -> tuple[np.ndarray, int]:
    """Make times strictly increasing without dropping samples.

    Loggers that stamp samples to the whole second sometimes give two consecutive samples
    the same second (and skip a neighbouring one). Dropping either sample would bias the
    series, so a run of ``m`` equal stamps at ``t`` is spread evenly over ``[t, t_next)``,
    where ``t_next`` is the next distinct stamp (or ``t + step_s`` at the end). Returns
    the new times and how many samples were moved.
    """
    times = np.asarray(times, dtype=float)
    if len(times) < 2:
        return times.copy(), 0
    if np.any(np.diff(times) < 0):
        raise ValueError("times must be sorted before spreading repeats")
    out = times.copy()
    moved = 0
    uniq, first, counts = np.unique(times, return_index=True, return_counts=True)
    for k in np.nonzero(counts > 1)[0]:
        t, m, i0 = uniq[k], counts[k], first[k]
        t_next = uniq[k + 1] if k + 1 < len(uniq) else t + step_s
        out[i0:i0 + m] = t + (t_next - t) * np.arange(m) / m
        moved += m - 1
    return out, int(moved)


def count_gaps(times: np.ndarray, step_s: float) -> tuple[int, float]:
    """Gaps longer than 1.5 nominal steps: their number and the seconds they leave uncovered."""
    d = np.diff(times)
    big = d > 1.5 * step_s
    return int(big.sum()), float((d[big] - step_s).sum())


def fill_gaps(times: np.ndarray, mbps: np.ndarray, step_s: float, value: float = 0.0
              ) -> tuple[np.ndarray, np.ndarray, int]:
    """Insert one row of ``value`` one step after each gap's last sample.

    With ``value = 0`` a missing report is replayed as an outage from the end of the last
    reported interval until the next report, instead of holding the last throughput.
    """
    d = np.diff(times)
    at = np.nonzero(d > 1.5 * step_s)[0]
    if len(at) == 0:
        return times, mbps, 0
    new_t = np.insert(times, at + 1, times[at] + step_s)
    new_x = np.insert(mbps, at + 1, value)
    return new_t, new_x, int(len(at))


def trim_trailing_below(mbps: np.ndarray, threshold: float) -> int:
    """How many trailing samples are below ``threshold`` (a test that stopped early)."""
    above = np.nonzero(mbps >= threshold)[0]
    return len(mbps) if len(above) == 0 else len(mbps) - 1 - int(above[-1])


def require_rows(trace: Trace, source: str) -> Trace:
    if len(trace.times) == 0:
        raise UserError("no throughput samples left after cleaning", source=source)
    if np.any(np.diff(trace.times) <= 0):
        raise UserError("times are not strictly increasing after cleaning", source=source)
    if np.any(~np.isfinite(trace.mbps)) or np.any(trace.mbps < 0):
        raise UserError("negative or non-finite throughput after cleaning", source=source)
    return trace


def regularise_seconds(trace: Trace, step_s: float, gaps: str) -> None:
    """For per-second loggers (Lumos5G, UCC): spread samples that share a whole-second stamp
    over that second, then replay gaps as 0 Mbps (``gaps == "zero"``) or let them hold the
    previous value; each step is noted in the trace's cleaning record."""
    trace.times, moved = spread_repeated_times(trace.times, step_s)
    if moved:
        trace.note(f"{moved} sample(s) sharing a whole-second stamp spread evenly over that second")
    n_gaps, missing = count_gaps(trace.times, step_s)
    if gaps == "zero":
        trace.times, trace.mbps, _ = fill_gaps(trace.times, trace.mbps, step_s, 0.0)
        trace.note(f"{n_gaps} gap(s) ({missing:g} s unreported) replayed as 0 Mbps")
    elif n_gaps:
        trace.note(f"{n_gaps} gap(s) ({missing:g} s unreported) hold the previous value")
