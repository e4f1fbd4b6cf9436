"""The contract trace file on disk: ``time_s,mbps`` CSV plus a provenance sidecar.

``traces/NAME.csv`` holds the series; ``traces/NAME.json`` beside it says where it came
from: the source file and its sha256, the importer or generator and its options, every
cleaning step applied, caveats, and a summary of the written series. Both files are
written to temporary names in the target folder and renamed into place only when both
are complete, so an interrupted or failed command never leaves a half-written trace.

Reading goes through :func:`scoutsim.traces.csvformat.read_trace_csv`, the one validator
of the contract (it names the file and line of every problem).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from scoutsim import __version__
from scoutsim.traces.csvformat import read_trace_csv
from scoutsim.errors import UserError
from scoutsim.folders import umask
from scoutsim.traces.series import Trace

SIDECAR_SCHEMA = 1


def sidecar_path(csv_path: Path) -> Path:
    return Path(csv_path).with_suffix(".json")


def is_own_trace(csv_path: Path) -> bool:
    """Whether ``csv_path``'s sidecar says scoutsim wrote that file (it names it, with its version)."""
    try:
        meta = json.loads(sidecar_path(csv_path).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "scoutsim_version" in meta and meta.get("file") == Path(csv_path).name


def claim_trace(out: Path, overwrite: bool) -> None:
    """Check, before anything is computed, that the trace ``out`` and its sidecar may be
    written: neither exists, or, with ``overwrite``, they are a trace scoutsim wrote (its
    sidecar says so). Anything else is refused, nothing touched."""
    out = Path(out)
    side = sidecar_path(out)
    present = [p for p in (out, side) if p.exists() or p.is_symlink()]
    if not present:
        return
    if any(p.is_dir() for p in present):
        raise UserError("is a folder; name a .csv file", source=str(next(p for p in present if p.is_dir())))
    if not overwrite:
        raise UserError(f"exists ({' and '.join(p.name for p in present)}); add --overwrite to replace a trace "
                        "scoutsim wrote, or name another file", source=str(out))
    if not is_own_trace(out):
        raise UserError(f"was not written by scoutsim ({side.name} beside it does not name it as scoutsim's "
                        "trace); --overwrite replaces only scoutsim's own traces. Name another file",
                        source=str(out))


def csv_text(times: np.ndarray, mbps: np.ndarray) -> str:
    # 10 significant digits keep millisecond times exact over days and Mbps to < 1e-9.
    lines = ["time_s,mbps"]
    lines += [f"{t:.10g},{x:.10g}" for t, x in zip(times.tolist(), mbps.tolist())]
    return "\n".join(lines) + "\n"


def default_mode() -> int:
    """Permissions a plain ``open()`` would give (mkstemp's 0600 would hide shared traces)."""
    return 0o666 & ~umask()


def _write_temp(folder: Path, suffix: str, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    os.fchmod(fd, default_mode())
    with os.fdopen(fd, "w", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(tmp)


def write_trace(out: Path, trace: Trace, sidecar: dict) -> tuple[Path, Path]:
    """Write ``out`` (CSV) and its sidecar JSON atomically; return both paths."""
    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise UserError(f"output must end in .csv (got {out.name!r})", source=str(out))
    folder = out.parent if str(out.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create folder: {exc.strerror}", source=str(folder)) from None
    meta = {"schema_version": SIDECAR_SCHEMA, "scoutsim_version": __version__,
            "file": out.name, "units": {"time_s": "s", "mbps": "10^6 bit/s"},
            "nominal_step_s": trace.step_s, "cleaning": list(trace.cleaning),
            "caveats": list(trace.caveats), **sidecar}
    tmp_csv = tmp_json = None
    try:
        tmp_csv = _write_temp(folder, ".csv", csv_text(trace.times, trace.mbps))
        tmp_json = _write_temp(folder, ".json", json.dumps(meta, indent=2, sort_keys=False,
                                                           default=_json_default) + "\n")
        os.replace(tmp_json, sidecar_path(out))
        tmp_json = None
        os.replace(tmp_csv, out)
        tmp_csv = None
    except OSError as exc:
        raise UserError(f"cannot write trace: {exc.strerror}", source=str(out)) from None
    finally:
        for tmp in (tmp_csv, tmp_json):
            if tmp is not None and tmp.exists():
                tmp.unlink()
    return out, sidecar_path(out)


def _json_default(obj):
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def load_trace(path: Path) -> Trace:
    """Read a contract CSV (validated) into a :class:`Trace`; the sidecar is optional."""
    times, mbps = read_trace_csv(Path(path))
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    trace = Trace(times - times[0], mbps.copy(), step)
    side = sidecar_path(Path(path))
    if side.is_file():
        try:
            trace.info["sidecar"] = json.loads(side.read_text())
        except json.JSONDecodeError as exc:
            raise UserError(f"line {exc.lineno}: sidecar is not valid JSON ({exc.msg})",
                            source=str(side)) from None
    return trace
