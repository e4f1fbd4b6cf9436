"""The importer registry and what every importer shares: options, the entry point, gap policy."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Callable

from scoutsim.errors import UserError
from scoutsim.registry import Registry
from scoutsim.traces.series import Trace, require_rows


@dataclass
class ImportOptions:
    run: int | None = None          # which run of a multi-run file (nuwins)
    series: str | None = None       # nuwins: total | nr | lte
    column: str | None = None       # ucc: DL_bitrate | UL_bitrate
    bin_s: float | None = None      # mahimahi: throughput averaging interval
    gaps: str | None = None         # hold | zero: how a missing report is replayed
    drop_start_s: float | None = None  # umn: start-up spike to discard
    allow_ack_traffic: bool = False  # ucc: accept the UL column (ACK traffic, not capacity)

    def given(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) not in (None, False)}


@dataclass(frozen=True)
class Importer:
    name: str
    summary: str          # one line for --help
    direction: str        # "uplink" or "downlink"
    accepts: frozenset
    load: Callable[[Path, ImportOptions], Trace]


IMPORTERS: Registry[Importer] = Registry("trace format")


def register(importer: Importer) -> Importer:
    IMPORTERS.register(importer.name)(importer)
    return importer


def import_trace(fmt: str, source: Path, options: ImportOptions | None = None) -> Trace:
    """Run the ``fmt`` importer on ``source`` and return the cleaned trace."""
    options = options or ImportOptions()
    if fmt not in IMPORTERS:
        raise UserError(f"unknown trace format {fmt!r}; expected one of {IMPORTERS.names()}")
    importer = IMPORTERS.get(fmt)
    unused = sorted(set(options.given()) - importer.accepts)
    if unused:
        flags = ", ".join("--" + u.replace("_", "-") for u in unused)
        raise UserError(f"{flags} does not apply to format {fmt!r} "
                        f"(it accepts: {', '.join(sorted(importer.accepts)) or 'no options'})")
    source = Path(source)
    if not source.is_file():
        raise UserError("source file not found", source=str(source))
    trace = importer.load(source, options)
    if importer.direction != "uplink":
        trace.caveats.insert(0, f"DIRECTION: {importer.direction.upper()} measurements, not uplink "
                                "capacity; use only as a proxy or a shape model")
    trace.info.setdefault("direction", importer.direction)
    return require_rows(trace, str(source))


def gap_policy(options: ImportOptions) -> str:
    policy = options.gaps or "hold"
    if policy not in ("hold", "zero"):
        raise UserError(f"--gaps {policy!r}; expected 'hold' or 'zero'")
    return policy
