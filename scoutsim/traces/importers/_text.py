"""Reading whitespace- or comma-separated numeric text with file:line error messages."""

from __future__ import annotations

import math
from pathlib import Path

from scoutsim.errors import UserError


def read_numeric_rows(path: Path, ncols: int, what: str, sep: str | None = None
                      ) -> tuple[list[list[float]], list[int]]:
    """Rows of exactly ``ncols`` finite numbers; blank lines and ``#`` comments skipped."""
    rows: list[list[float]] = []
    lines: list[int] = []
    try:
        fh = open(path, encoding="utf-8", errors="strict")
    except OSError as exc:
        raise UserError(f"cannot read: {exc.strerror}", source=str(path)) from None
    with fh:
        try:
            for line_no, line in enumerate(fh, start=1):
                text = line.strip()
                if not text or text.startswith("#"):
                    continue
                parts = text.split(sep) if sep else text.split()
                parts = [p.strip() for p in parts]
                if len(parts) != ncols:
                    raise UserError(f"{len(parts)} fields; expected {ncols} ({what})",
                                    source=str(path), where=f"line {line_no}")
                try:
                    vals = [float(p) for p in parts]
                except ValueError:
                    raise UserError(f"{text[:60]!r} is not numeric; expected {what}",
                                    source=str(path), where=f"line {line_no}") from None
                if not all(math.isfinite(v) for v in vals):
                    raise UserError(f"non-finite value in {text[:60]!r}",
                                    source=str(path), where=f"line {line_no}")
                rows.append(vals)
                lines.append(line_no)
        except UnicodeDecodeError:
            raise UserError("not a text file", source=str(path)) from None
    if not rows:
        raise UserError(f"no data rows; expected lines of {what}", source=str(path))
    return rows, lines


def check_increasing(times, lines, path: Path, strict: bool = True) -> None:
    for k in range(1, len(times)):
        if times[k] < times[k - 1] or (strict and times[k] == times[k - 1]):
            raise UserError(f"time {times[k]:g} does not increase (previous {times[k - 1]:g}); "
                            "expected increasing times", source=str(path), where=f"line {lines[k]}")


def check_nonnegative(values, lines, path: Path, what: str = "throughput") -> None:
    for k, v in enumerate(values):
        if v < 0:
            raise UserError(f"negative {what} {v:g}", source=str(path), where=f"line {lines[k]}")
