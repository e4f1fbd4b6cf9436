"""The ``--plugin MODULE`` option, shared by every command that builds a world.

A command calls :func:`add_argument` on its parser and :func:`load` first thing in its
``main``, before it reads a scenario (whose names the plug-ins may define). See
:mod:`scoutsim.plugins` for what a plug-in is and how workers get the same ones.
"""

from __future__ import annotations

from scoutsim import plugins


def add_argument(parser) -> None:
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import MODULE (a module name or a path to a .py file) first, so that the "
                             "channels, allocators, estimators and policies it registers can be named in "
                             "the scenario; repeatable (installed 'scoutsim.plugins' entry points load always)")


def load(args) -> list[str]:
    return plugins.load(getattr(args, "plugin", None) or [], source="--plugin")
