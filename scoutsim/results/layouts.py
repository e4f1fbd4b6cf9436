"""Which kind of scoutsim result a folder holds, and what in it scoutsim never writes there.

A folder is scoutsim's own when it is one of four layouts, recognised by content, never by a
file's name alone:

* ``run``: a ``meta.json`` with scoutsim's signature (``"written_by": "scoutsim"``, or, from
  before the signature, a ``scoutsim`` entry in its ``versions``); a sweep's point is one too;
* ``figures``: a ``meta.json`` with the signature and ``figures_of``, or (0.1, which wrote no
  ``meta.json`` there) nothing but files named as ``plot`` names its figures;
* ``sweep``: a ``sweep.json`` that parses as a sweep's manifest (scenario, grid, points);
* ``reproduce``: a ``meta.json`` with the signature and ``reproduce``, or (0.1) nothing but
  the reproduction's tables and report and its experiments' sweep folders.

:func:`strangers` lists what a result of its kind holds that scoutsim never writes there
(a user's notebook, notes), so that ``--overwrite`` refuses rather than delete it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

META = "meta.json"
SWEEP_MANIFEST = "sweep.json"
SIGNED = "scoutsim"

RUN_FILES = frozenset({"requests.parquet", "summary.csv", "scenario.yaml", META,
                       "deadline_compliance.png", "latency_cdf.png", "modes_over_time.png",
                       # a sweep's point holds these besides
                       "point.json", "replications.parquet", "summary.parquet"})
SWEEP_FILES = frozenset({SWEEP_MANIFEST, "summary.parquet", "paired.parquet"})
REPRODUCE_FILES = frozenset({"tables.csv", "replications.csv", "claims.csv", "ablation.csv", "report.md"})
# The stems ``plot`` gives its figures (scoutsim/figures/*.py), each saved as .png and .pdf;
# a swept key's last part follows ``_vs_``/``_by_``.
FIGURE = re.compile(r"(latency_cdf(_by_[\w\-\[\]]+)?|(compliance|f1_misses_zero)_(vs|by)_[\w\-\[\]]+|"
                    r"compliance_by_group|f1_by_group|decision_map|modes_over_time)\.(png|pdf)")
# What scoutsim writes first under another name and renames (an interrupted write leaves it):
# ``.NAME.tmp`` for tables and manifests, ``.NAME.xxxxxxxx`` for a folder, ``.NAME.old``.
LEFTOVER = re.compile(r"\.[\w\-.]+\.(tmp|old|[\w]{8})")


def _json(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def signed_meta(folder: Path) -> dict | None:
    """The folder's meta.json when scoutsim wrote it, else None."""
    meta = _json(folder / META)
    if not isinstance(meta, dict):
        return None
    versions = meta.get("versions")
    if meta.get("written_by") == SIGNED or (isinstance(versions, dict) and SIGNED in versions):
        return meta
    return None


def is_sweep_manifest(path: Path) -> bool:
    """Whether ``path`` parses as the manifest a sweep writes (same keys in 0.1 and now)."""
    m = _json(path)
    return (isinstance(m, dict) and isinstance(m.get("scenario"), dict) and isinstance(m.get("grid"), list)
            and isinstance(m.get("points"), list) and all(isinstance(p, dict) and "id" in p for p in m["points"]))


def _is_figure_set(folder: Path) -> bool:
    names = [p.name for p in folder.iterdir()]
    return bool(names) and all(FIGURE.fullmatch(n) and (folder / n).is_file() for n in names)


def _is_experiment(folder: Path) -> bool:
    """A reproduction's experiment folder: only sweeps (one per variant) inside."""
    subs = list(folder.iterdir())
    return bool(subs) and all(s.is_dir() and kind(s) == "sweep" for s in subs)


def _is_old_reproduction(folder: Path) -> bool:
    entries = list(folder.iterdir())
    if not entries or (folder / META).exists():
        return False
    return all(e.name in REPRODUCE_FILES and e.is_file() or LEFTOVER.fullmatch(e.name) and e.is_file()
               or e.is_dir() and _is_experiment(e) for e in entries)


def kind(folder: Path) -> str | None:
    """``run``, ``figures``, ``sweep`` or ``reproduce`` for scoutsim's own result, else None."""
    if not folder.is_dir():
        return None
    if is_sweep_manifest(folder / SWEEP_MANIFEST):
        return "sweep"
    meta = signed_meta(folder)
    if meta is not None:
        return "figures" if "figures_of" in meta else "reproduce" if "reproduce" in meta else "run"
    if (folder / META).exists():
        return None
    if _is_figure_set(folder):
        return "figures"
    return "reproduce" if _is_old_reproduction(folder) else None


def strangers(folder: Path, of: str | None = None) -> list[str]:
    """What ``folder``, a result of kind ``of`` (found when not given), holds that scoutsim
    never writes in such a result, as paths relative to it; the whole folder when it is not
    scoutsim's own."""
    of = of or kind(folder)
    if of is None:
        return ["."]
    out: list[str] = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        inner: list[str] | None = None
        if LEFTOVER.fullmatch(name):
            continue
        if entry.is_dir() and not entry.is_symlink():
            if name == "figures" and of in ("run", "sweep"):
                inner = strangers(entry, "figures") if kind(entry) == "figures" else ["."]
            elif name == "points" and of == "sweep":
                inner = [f"{p.name}/{s}" for p in sorted(entry.iterdir()) if not LEFTOVER.fullmatch(p.name)
                         for s in (strangers(p, "run") if p.is_dir() and kind(p) == "run" else ["."])]
            elif of == "reproduce" and _is_experiment(entry):
                inner = [f"{s.name}/{x}" for s in sorted(entry.iterdir()) for x in strangers(s, "sweep")]
            else:
                inner = ["."]
            out += [name if s == "." else f"{name}/{s}" for s in inner]
        elif not _known_file(name, of):
            out.append(name)
    return out


def _known_file(name: str, of: str) -> bool:
    if of == "figures":
        return name == META or bool(FIGURE.fullmatch(name))
    if of == "sweep":
        return name in SWEEP_FILES
    if of == "reproduce":
        return name == META or name in REPRODUCE_FILES
    return name in RUN_FILES
