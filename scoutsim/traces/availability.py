"""Telling a user how to get a real trace a scenario needs but the repository cannot ship.

Measured traces come under licences that forbid redistribution (or none at all), so
scenarios refer to files the user imports into ``traces/real/`` (git-ignored). When such
a file is missing, the error must say exactly what to run. A scenario states where a
trace comes from with an *import hint* (``format`` and ``source``, the arguments of
``traces import``); :func:`require_trace_file` turns a missing file plus its hint into a
:class:`~scoutsim.errors.UserError` carrying the command.
"""

from __future__ import annotations

import glob
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from scoutsim.errors import UserError


@dataclass(frozen=True)
class ImportHint:
    format: str
    source: str
    options: tuple = ()  # extra flags, e.g. ("--run", "3")


def import_command(hint: ImportHint, out: str) -> str:
    parts = ["python", "-m", "scoutsim", "traces", "import", hint.format, hint.source,
             *hint.options, "--out", out]
    return " ".join(shlex.quote(str(p)) for p in parts)


def resolve(path: str | Path, base_dir: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else Path(base_dir) / p


def shown(path: Path) -> str:
    """``path`` as the user should type it from the current directory."""
    normal = os.path.normpath(path)
    try:
        rel = os.path.relpath(normal, Path.cwd())
    except ValueError:  # another drive
        return normal
    return rel if not rel.startswith(".." + os.sep + "..") else normal


def is_pattern(path: str) -> bool:
    return glob.has_magic(str(path))


def require_trace_file(path: str, base_dir: Path, hint: ImportHint | None = None,
                       *, where: str | None = None, source: str | None = None) -> list[Path]:
    """The file(s) ``path`` names (a glob may name several), or a UserError saying how to get them.

    ``path`` and the hint's ``source`` are as written in the scenario (relative to
    ``base_dir``, the scenario's folder); the command in the message names them relative
    to the current directory, so it can be pasted as is. ``where`` is the key path for the
    message (e.g.
    ``uplinks[0].channel.runs[2]``), ``source`` the scenario file.
    """
    full = resolve(path, base_dir)
    if is_pattern(str(path)):
        found = sorted(Path(p) for p in glob.glob(str(full)) if Path(p).is_file())
    else:
        found = [full] if full.is_file() else []
    if found:
        return found
    if hint is not None:
        hint = ImportHint(hint.format, shown(resolve(hint.source, base_dir)), hint.options)
    out = shown(full)
    if hint is not None and not is_pattern(str(path)):
        how = (f"it is a measured trace that cannot be shipped; import it first with:  "
               f"{import_command(hint, out)}")
    elif hint is not None:
        how = (f"import the runs with `python -m scoutsim traces import {hint.format} SOURCE "
               f"--out FILE` for each file of {hint.source}, naming the outputs to match {out}")
    else:
        how = ("import a measured trace with `python -m scoutsim traces import FORMAT SOURCE "
               f"--out {out}` (formats: umn, nuwins, mahimahi, lumos5g, ucc, pensieve, sabre) or "
               "make one with `python -m scoutsim traces synth`")
    what = "no trace matches" if is_pattern(str(path)) else "trace file not found"
    raise UserError(f"{what}: {out}; {how}", source=source, where=where)
