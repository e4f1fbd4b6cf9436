"""Where the shipped scenarios, oracle caches and traces are, in a checkout or a wheel.

In a checkout they are the top-level folders ``scenarios/``, ``oracle_cache/`` and
``traces/`` (their place is part of the project's layout), and the stored ns-3 reference of
``bench lte --family`` is ``benchmarks/data/``. A wheel carries the same
folders, with the same relative layout, as package data under ``scoutsim/_shipped/``
(``setup.py`` maps them there), so that a scenario's relative paths (``../traces/...``)
hold in both and a shipped scenario runs by name from any directory.
"""

from __future__ import annotations

from pathlib import Path

FOLDERS = ("scenarios", "oracle_cache", "traces", "benchmarks/data")
_CHECKOUT = Path(__file__).resolve().parent.parent
_PACKAGED = Path(__file__).resolve().parent / "_shipped"


def folder(name: str) -> Path:
    """The shipped folder ``name``: the checkout's when scoutsim runs from one, else the
    wheel's copy."""
    if name not in FOLDERS:
        raise ValueError(f"no shipped folder {name!r}; expected one of {', '.join(FOLDERS)}")
    packaged = _PACKAGED / name
    return packaged if packaged.is_dir() else _CHECKOUT / name


def is_installed(path: Path) -> bool:
    """Whether ``path`` lies in the wheel's copy of the shipped folders: files there belong to
    the installation, and scoutsim never writes into it."""
    return Path(path).resolve().is_relative_to(_PACKAGED.resolve())


def scenario_names() -> list[str]:
    """Shipped scenarios by the name ``scoutsim run NAME`` takes: the path under
    ``scenarios/`` without ``.yaml`` (``8agents_100mbps``, ``paper_b/markov_modes``)."""
    root = folder("scenarios")
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob("*.yaml"))


def scenario(name: str) -> Path | None:
    """The shipped scenario called ``name`` (with or without ``.yaml``), or None."""
    stem = name[:-5] if name.endswith(".yaml") else name
    if stem not in scenario_names():
        return None
    return folder("scenarios") / f"{stem}.yaml"


def scenario_argument(text: str) -> str:
    """A command's SCENARIO argument: an existing file as given, else a shipped scenario's
    name (``scoutsim run 8agents_100mbps`` from any directory), else as given (so that the
    loader says the file is missing)."""
    if Path(text).exists():
        return text
    found = scenario(text)
    return text if found is None else str(found)
