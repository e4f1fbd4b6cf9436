"""Which code made a result: scoutsim's version and, from a git checkout, its commit.

``meta.json`` records ``code``: ``{"version", "commit", "dirty"}``. ``commit`` is the checkout's
``HEAD`` and ``dirty`` whether its tracked or new (not ignored) files differ from it, when
scoutsim runs from the root of a git checkout; both are None when that is unknown (an
installed package, git absent or failing). Finding out never fails a run.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from scoutsim import __version__
from scoutsim.oraclecache import PACKAGE_ROOT

GIT_TIMEOUT_S = 10


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(PACKAGE_ROOT), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT_S)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return done.stdout if done.returncode == 0 else None


@functools.lru_cache(maxsize=1)
def _checkout_state() -> tuple[str | None, bool | None]:
    # Once per process: the code a process runs is the code it imported (a sweep's points
    # would otherwise ask git three times each).
    commit = dirty = None
    top = _git("rev-parse", "--show-toplevel")
    # Only scoutsim's own checkout counts: an installed package may sit in some other repository.
    if top is not None and Path(top.strip()).resolve() == PACKAGE_ROOT.resolve():
        head = _git("rev-parse", "HEAD")
        status = _git("status", "--porcelain", "--untracked-files=normal")
        commit = head.strip() if head else None
        dirty = None if status is None else bool(status.strip())
    return commit, dirty


def code_version() -> dict:
    commit, dirty = _checkout_state()
    return {"version": __version__, "commit": commit, "dirty": dirty}


def describe() -> str:
    """The code in one phrase, for a report's header: a number printed without it cannot be
    traced to the code that made it."""
    commit, dirty = _checkout_state()
    where = "commit unknown" if commit is None else f"commit {commit[:12]}"
    if dirty:
        where += " with uncommitted changes"
    return f"scoutsim {__version__}, {where}"
