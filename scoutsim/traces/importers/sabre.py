"""Sabre network traces: a JSON list of periods ``{duration_ms, bandwidth_kbps, latency_ms}``.

Sabre (the ABR simulator) plays each period for ``duration_ms`` at ``bandwidth_kbps``
(10^3 bit/s), adding ``latency_ms`` to every request made in it. The throughput becomes
the contract series (Mbps = kbps / 1000, each period starting where the previous one
ended). scoutsim takes latency from the uplink's ``latency_ms``, so per-period latency is
not replayed: its range and time-weighted mean go into the sidecar so a scenario can use
them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from scoutsim.errors import UserError
from scoutsim.traces.importers.base import ImportOptions, Importer, register
from scoutsim.traces.series import Trace

KEYS = ("duration_ms", "bandwidth_kbps")


def _period_line(text: str, index: int) -> int | None:
    """Line of the ``index``-th period's opening brace, for error messages."""
    depth, count = 0, -1
    line = 1
    for ch in text:
        if ch == "\n":
            line += 1
        elif ch in "[{":
            depth += 1
            if ch == "{" and depth == 2:
                count += 1
                if count == index:
                    return line
        elif ch in "]}":
            depth -= 1
    return None


def load(path: Path, options: ImportOptions) -> Trace:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UserError("not a text (JSON) file", source=str(path)) from None
    if not text.strip():
        raise UserError("empty; expected a JSON list of {duration_ms, bandwidth_kbps, latency_ms}",
                        source=str(path))
    try:
        periods = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON ({exc.msg})", source=str(path),
                        where=f"line {exc.lineno}") from None
    if not isinstance(periods, list) or not periods:
        raise UserError("expected a non-empty JSON list of {duration_ms, bandwidth_kbps, "
                        "latency_ms} objects", source=str(path), where="line 1")
    dur, bw, lat = [], [], []
    for i, p in enumerate(periods):
        where = f"line {_period_line(text, i)}, period {i}"
        if not isinstance(p, dict) or any(k not in p for k in KEYS):
            raise UserError(f"expected an object with keys {list(KEYS)} (and latency_ms)",
                            source=str(path), where=where)
        try:
            d, b = float(p["duration_ms"]), float(p["bandwidth_kbps"])
            la = float(p.get("latency_ms", 0.0))
        except (TypeError, ValueError):
            raise UserError("duration_ms, bandwidth_kbps and latency_ms must be numbers",
                            source=str(path), where=where) from None
        if not all(math.isfinite(v) for v in (d, b, la)):
            raise UserError("non-finite value", source=str(path), where=where)
        if d <= 0:
            raise UserError(f"duration_ms {d:g}; expected > 0", source=str(path), where=where)
        if b < 0:
            raise UserError(f"negative bandwidth_kbps {b:g}", source=str(path), where=where)
        dur.append(d)
        bw.append(b)
        lat.append(la)
    dur_s = np.asarray(dur) / 1000.0
    times = np.concatenate([[0.0], np.cumsum(dur_s)[:-1]])
    # The contract holds the last row for the median interval; Sabre gives it its own
    # duration, which is kept exactly only when it equals that median.
    trace = Trace(times, np.asarray(bw) / 1000.0, float(np.median(dur_s)))
    trace.note(f"{len(periods)} periods laid end to end; Mbps = bandwidth_kbps / 1000")
    if abs(dur_s[-1] - trace.step_s) > 1e-9:
        trace.note(f"the last period ({dur_s[-1]:g} s) is replayed for the median period length "
                   f"{trace.step_s:g} s (the contract's rule for the last row)")
    lat_arr = np.asarray(lat)
    trace.info["latency_ms"] = {"min": float(lat_arr.min()), "max": float(lat_arr.max()),
                                "time_weighted_mean": float(np.dot(lat_arr, dur_s) / dur_s.sum())}
    trace.caveats.append("per-period latency_ms is not replayed; set the uplink's latency_ms "
                         "(its time-weighted mean is in info.latency_ms)")
    return trace


register(Importer("sabre", "Sabre network JSON (duration_ms, bandwidth_kbps, latency_ms)",
                  "uplink", frozenset(), load))
