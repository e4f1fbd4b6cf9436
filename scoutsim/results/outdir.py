"""Output folders: scoutsim replaces only what it wrote itself, and says so before it runs.

Every command that writes a folder (``run``, ``plot``, ``sweep``, ``reproduce``) asks
:func:`claim` first, before any simulation starts. A folder is scoutsim's own when it holds
a ``meta.json`` with scoutsim's signature (``"written_by": "scoutsim"``; results written
before the signature existed are known by the ``scoutsim`` entry of their ``versions``), or
a sweep's ``sweep.json``. The rule:

* a folder that does not exist, or is empty: written;
* scoutsim's own earlier result: replaced only with ``--overwrite`` (a sweep or a
  reproduction of the same settings resumes instead; the caller says which);
* anything else is refused, with one message and exit 2, nothing touched: a file, a folder
  holding other files, the current folder or one above it (``.``, ``..``), the root of a
  checkout (a folder with ``.git``, or the one scoutsim is installed from) or one above it,
  and a folder holding the command's own input (the scenario, the results being plotted).

Folders are made with the permissions the umask gives (``tempfile.mkdtemp`` makes 0700,
which would hide results from colleagues on a shared file system): :func:`make_temp_dir`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from scoutsim.errors import UserError
from scoutsim.oraclecache import PACKAGE_ROOT

SIGNATURE = {"written_by": "scoutsim"}
META = "meta.json"
SWEEP_MANIFEST = "sweep.json"


def is_own(folder: Path) -> bool:
    """Whether ``folder`` holds a result scoutsim wrote (its signature in meta.json, or a sweep)."""
    if (folder / SWEEP_MANIFEST).is_file():
        return True
    try:
        meta = json.loads((folder / META).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(meta, dict):
        return False
    versions = meta.get("versions")
    return meta.get("written_by") == "scoutsim" or (isinstance(versions, dict) and "scoutsim" in versions)


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def _refusal(out: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``out`` may never be an output folder, or None."""
    if out.exists() and not out.is_dir():
        return "is a file, not a folder"
    target = out.resolve()
    if _within(Path.cwd().resolve(), target):
        return "is the current folder or one above it; name a new folder"
    if _within(PACKAGE_ROOT.resolve(), target):
        return "is the scoutsim checkout (or a folder above it); name a new folder"
    if (target / ".git").exists():
        return "is the root of a git checkout; name a new folder"
    for given in inputs:
        if _within(Path(given).resolve(), target):
            return f"holds this command's input {given}; name another folder"
    return None


def claim(out: Path | str, flag: str = "--out", *, overwrite: bool = False, inputs: Iterable[Path] = (),
          resumes: bool = False) -> bool:
    """Check that ``out`` may be written, before anything runs; raise a :class:`UserError`
    otherwise. Returns True when ``out`` holds scoutsim's earlier result (to be replaced, or,
    with ``resumes``, resumed by the caller)."""
    out = Path(out)
    why = _refusal(out, list(inputs))
    if why:
        raise UserError(f"{flag} {out} {why}")
    if not out.exists() or not any(out.iterdir()):
        return False
    if not is_own(out):
        raise UserError(f"{flag} {out} holds files scoutsim did not write; it replaces only its own results. "
                        "Name a new or empty folder")
    if not (overwrite or resumes):
        raise UserError(f"{flag} {out} holds an earlier scoutsim result; add --overwrite to replace it, "
                        "or name another folder")
    return True


def clear(out: Path) -> None:
    """Empty ``out``, which :func:`claim` found to be scoutsim's own, for a fresh start."""
    for p in out.iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def make_temp_dir(parent: Path, prefix: str) -> Path:
    """``tempfile.mkdtemp`` in ``parent``, with the permissions a plain ``mkdir`` would get."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    path.chmod(0o777 & ~umask())
    return path
