"""Where a command may write, and with what permissions: the rules both halves share.

:func:`never_output` says why a path may never be an output folder, whatever it holds: a
file, a link to nothing, the current folder or one above it, the scoutsim checkout (or the
folder it is installed from) or one above it, and the root of a git checkout. Each command
adds what its own outputs allow (scoutsim.results.outdir for runs, sweeps and figures;
scoutsim.oracle.build for caches). :func:`umask` is what a plain ``open()`` or ``mkdir``
would honour; ``tempfile``'s 0600 and 0700 would hide results from colleagues.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def umask() -> int:
    """The process's umask (read by setting it and setting it back: POSIX has no getter)."""
    current = os.umask(0o022)
    os.umask(current)
    return current


def within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def never_output(out: Path) -> str | None:
    """Why ``out`` may never be an output folder, or None."""
    if out.is_symlink() and not out.exists():
        return "is a link to nothing; name a folder"
    if out.exists() and not out.is_dir():
        return "is a file, not a folder"
    target = out.resolve()
    if within(Path.cwd().resolve(), target):
        return "is the current folder or one above it; name a new folder"
    if within(PACKAGE_ROOT.resolve(), target):
        return "is the scoutsim checkout (or a folder above it); name a new folder"
    if (target / ".git").exists():
        return "is the root of a git checkout; name a new folder"
    return None
