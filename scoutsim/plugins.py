"""Loading plug-ins: user modules that register channels, allocators, estimators or policies.

A plug-in is a Python module that, when imported, adds names to the registries
(:mod:`scoutsim.registry`). Three ways to name one, all loaded before a scenario is
validated, so that the scenario may use the names it registers:

* ``--plugin MODULE`` on any command that builds a world (repeatable): an importable module
  name (``my_pkg.rules``), a path to a ``.py`` file or to a package's folder;
* ``plugins: [MODULE, ...]`` in a scenario (paths relative to the scenario file);
* an installed package's entry point in the group ``scoutsim.plugins``
  (``[project.entry-points."scoutsim.plugins"] name = "my_pkg.rules"``), loaded always.

A ``.py`` file is imported under its file name (``rules.py`` -> module ``rules``), a package
folder under the folder's name, so the classes they define pickle by that name. Worker processes (any start method) and Ray tasks
import the same plug-ins before they unpickle or run anything: :func:`loaded` is the list
to hand them and :func:`init_worker` the initializer that loads it.

A module that cannot be found or raises on import is one :class:`UserError` naming it and
the error (exit status 2), never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from importlib import metadata
from pathlib import Path
from typing import Iterable

from scoutsim.errors import UserError

ENTRY_POINT_GROUP = "scoutsim.plugins"

_loaded: list[str] = []  # specs as workers must load them (files as absolute paths), in order
_modules: dict[str, str] = {}  # every plug-in module imported (entry points too): name -> spec, in order
_entry_points_done = False


def is_path(spec: str) -> bool:
    return spec.endswith(".py") or "/" in spec or "\\" in spec or spec in (".", "..")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _import_file(path: Path, source: str | None, where: str | None):
    if path.name == "__init__.py":
        path = path.parent
    package = path.is_dir()
    init = path / "__init__.py" if package else path
    if not init.is_file():
        raise UserError(f"plug-in {'package' if package else 'file'} {str(path)!r} not found"
                        f"{' (no __init__.py in it)' if package else ''}", source=source, where=where)
    name = path.name if package else path.stem
    present = sys.modules.get(name)
    if present is not None:
        if Path(getattr(present, "__file__", "") or "").resolve() == init:
            return present
        raise UserError(f"plug-in file {str(path)!r} would be imported as module {name!r}, which is "
                        f"already {getattr(present, '__file__', None) or 'a built-in module'}; rename the file",
                        source=source, where=where)
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[str(path)] if package
                                                  else None)
    if spec is None or spec.loader is None:
        raise UserError(f"plug-in file {str(path)!r} is not a Python module", source=source, where=where)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before running it: its classes must pickle by this name
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(name, None)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise UserError(f"plug-in {str(path)!r} failed to import: {_describe(exc)}",
                        source=source, where=where) from None
    return module


def _import_name(name: str, source: str | None, where: str | None):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only the plug-in itself (or a package above it) missing is "not found"; a
        # dependency it imports that is missing is the plug-in failing to import.
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise UserError(f"plug-in module {name!r} not found (give an importable module name or a "
                            "path to a .py file)", source=source, where=where) from None
        raise UserError(f"plug-in module {name!r} failed to import: {_describe(exc)}",
                        source=source, where=where) from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        raise UserError(f"plug-in module {name!r} failed to import: {_describe(exc)}",
                        source=source, where=where) from None


def load(specs: Iterable[str], base_dir: Path | None = None, *, source: str | None = None,
         key: str | None = None) -> list[str]:
    """Import each plug-in (once per process); returns the specs as workers must load them.

    ``base_dir`` resolves relative file paths (the scenario's folder; default the current
    one); ``source`` and ``key`` name where the list came from in messages."""
    load_entry_points()
    out = []
    for i, spec in enumerate(specs):
        where = f"{key}[{i}]" if key else None
        if not isinstance(spec, str) or not spec.strip():
            raise UserError(f"expected a module name or a path to a .py file, got {spec!r}", source=source,
                            where=where)
        if is_path(spec):
            path = Path(spec).expanduser()
            path = (path if path.is_absolute() else (base_dir or Path.cwd()) / path).resolve()
            module = _import_file(path, source, where)
            resolved = str(path)
        else:
            module = _import_name(spec, source, where)
            resolved = spec
        _modules.setdefault(module.__name__, resolved)
        if resolved not in _loaded:
            _loaded.append(resolved)
        out.append(resolved)
    return out


def load_entry_points() -> None:
    """Import every installed package's ``scoutsim.plugins`` entry point (once per process)."""
    global _entry_points_done
    if _entry_points_done:
        return
    _entry_points_done = True
    for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        module = ep.value.split(":", 1)[0].strip()
        try:
            ep.load()
            _modules.setdefault(module, module)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            _entry_points_done = False  # the next attempt reports it again rather than half-loaded
            dist = getattr(ep, "dist", None)
            owner = f" of {dist.name}" if dist is not None else ""
            raise UserError(f"plug-in module {module!r} (entry point {ep.name!r}{owner} in group "
                            f"{ENTRY_POINT_GROUP!r}) failed to import: {_describe(exc)}") from None


def loaded() -> list[str]:
    """Every plug-in this process has loaded by name or path, for :func:`init_worker`."""
    return list(_loaded)


def provenance() -> list[dict]:
    """Every plug-in module imported, in the order loaded, as {module, file, sha256}: the file
    (a package: its folder) and the sha256 of its code (a package: of its ``.py`` files, each
    path and content in turn), so that a result says which plug-in code made it. ``file`` and
    ``sha256`` are None for a module without a file."""
    out = []
    for name in _modules:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if not file:
            out.append({"module": name, "file": None, "sha256": None})
            continue
        path = Path(file).resolve()
        if path.name == "__init__.py":
            path = path.parent
        out.append({"module": name, "file": str(path), "sha256": code_sha256(path)})
    return out


def code_sha256(path: Path) -> str | None:
    import hashlib

    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    digest = hashlib.sha256()
    try:
        for f in files:
            if path.is_dir():
                digest.update(str(f.relative_to(path)).encode() + b"\0")
            digest.update(f.read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def init_worker(specs: list[str]) -> None:
    """Process-pool initializer: the same plug-ins as the parent, before any task arrives."""
    load(specs)
