"""Output folders: scoutsim replaces only what it wrote itself, and says so before it runs.

Every command that writes a folder (``run``, ``plot``, ``sweep``, ``reproduce``) asks
:func:`claim` first, before any simulation starts. A folder is scoutsim's own when it holds
one of the layouts :mod:`scoutsim.results.layouts` recognises by content (a signed
``meta.json``, a sweep's manifest, or the figure set and reproduction files 0.1 wrote). The rule:

* a folder that does not exist, or is empty: written;
* scoutsim's own earlier result: replaced only with ``--overwrite`` (a sweep or a
  reproduction of the same settings resumes instead; the caller says which), and refused
  even then when it also holds files scoutsim never writes there (a user's notes): those
  would be deleted;
* anything else is refused, with one message and exit 2, nothing touched: a file, a folder
  holding other files, the current folder or one above it (``.``, ``..``), the root of a
  checkout (a folder with ``.git``, or the one scoutsim is installed from) or one above it,
  and a folder holding the command's own input (the scenario, the results being plotted).

Folders are made with the permissions the umask gives (``tempfile.mkdtemp`` makes 0700,
which would hide results from colleagues on a shared file system): :func:`make_temp_dir`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from scoutsim.errors import UserError
from scoutsim.folders import never_output, umask, within
from scoutsim.results.layouts import META as META  # the name draw and reproduce import from here
from scoutsim.results.layouts import SIGNED, kind, strangers

SIGNATURE = {"written_by": SIGNED}
SHOWN = 5  # unknown names a refusal lists before "and N more"


def is_own(folder: Path) -> bool:
    """Whether ``folder`` holds a result scoutsim wrote (:func:`scoutsim.results.layouts.kind`)."""
    return kind(folder) is not None


def old_copy(out: Path) -> Path:
    """Where :func:`scoutsim.results.output.swap_in` moves the earlier result while it swaps."""
    return out.with_name(f".{out.name}.old")


def _listed(names: list[str]) -> str:
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def check_old_copy(out: Path, flag: str) -> None:
    """A ``.NAME.old`` beside ``out`` is removed by the swap: only when scoutsim's own."""
    old = old_copy(out)
    if not (old.exists() or old.is_symlink()):
        return
    held = None if old.is_symlink() else kind(old)
    if held is None or strangers(old, held):
        raise UserError(f"{flag} {out}: {old} is in the way (scoutsim moves the earlier result there while it "
                        "replaces it) and holds something scoutsim did not write; move it away")


def _refusal(out: Path, inputs: Iterable[Path]) -> str | None:
    """Why ``out`` may never be an output folder (:func:`scoutsim.folders.never_output`, or it
    holds this command's input), or None."""
    why = never_output(out)
    if why:
        return why
    target = out.resolve()
    for given in inputs:
        if within(Path(given).resolve(), target):
            return f"holds this command's input {given}; name another folder"
    return None


def claim(out: Path | str, flag: str = "--out", *, overwrite: bool = False, inputs: Iterable[Path] = (),
          resumes: bool = False) -> str | None:
    """Check that ``out`` may be written, before anything runs; raise a :class:`UserError`
    otherwise. Returns the kind of scoutsim's earlier result ``out`` holds
    (:func:`scoutsim.results.layouts.kind`: to be replaced, or, with ``resumes``, resumed by
    the caller), None when it is new or empty."""
    out = Path(out)
    why = _refusal(out, list(inputs))
    if why:
        raise UserError(f"{flag} {out} {why}")
    check_old_copy(out, flag)
    if not out.exists() or not any(out.iterdir()):
        return None
    held = kind(out)
    if held is None:
        raise UserError(f"{flag} {out} holds files scoutsim did not write; it replaces only its own results. "
                        "Name a new or empty folder")
    if not (overwrite or resumes):
        raise UserError(f"{flag} {out} holds an earlier scoutsim result; add --overwrite to replace it, "
                        "or name another folder")
    unknown = strangers(out, held) if overwrite else []
    if unknown:
        raise UserError(f"{flag} {out} is an earlier scoutsim result but also holds what scoutsim never writes "
                        f"there: {_listed(unknown)}; --overwrite would delete it. Move it out, or name another "
                        "folder")
    return held


def clear(out: Path) -> None:
    """Empty ``out``, which :func:`claim` found to be scoutsim's own, for a fresh start."""
    for p in out.iterdir():
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def make_temp_dir(parent: Path, prefix: str) -> Path:
    """``tempfile.mkdtemp`` in ``parent``, with the permissions a plain ``mkdir`` would get."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    path.chmod(0o777 & ~umask())
    return path
