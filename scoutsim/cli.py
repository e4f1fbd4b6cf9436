"""Command line: ``python -m scoutsim <command> ...``.

Each command lives in ``scoutsim/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its parser and sets ``func`` to a callable taking the parsed arguments and
returning an exit status. Commands are imported only when named on the command line, so
the simulator runs without the oracle's optional dependencies.

Exit status: 0 success, 2 bad input (one message on stderr, nothing written), 1 other
failures, 130 interrupted by Ctrl-C, 143 ended by SIGTERM. An interrupted command unwinds
like any failure (its temporary outputs are removed, its worker processes ended) and says
so in one line. No command shows a Python traceback: a failure that is not the input's
fault is a bug, said in one message asking for a report (exit 1); ``SCOUTSIM_DEBUG=1`` in
the environment shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
from typing import NoReturn

from scoutsim import __version__
from scoutsim.errors import BugReport, UserError

COMMANDS = {
    "run": "simulate a scenario and write its results",
    "oracle": "build and report oracle caches from real transformers models",
    "traces": "import, inspect and fit bandwidth traces",
    "sweep": "run a scenario over a grid of values",
    "plot": "draw figures from a run or a sweep",
    "reproduce": "rerun the study's settings and say which conclusions hold",
    "bench": "performance benchmarks",
    "bound": "the clairvoyant optimum of a small scenario, and each policy's gap to it",
    "schema": "print the scenario format (JSON Schema, or the Markdown reference)",
    "examples": "copy the shipped scenarios into a folder for editing",
}


DEBUG = "SCOUTSIM_DEBUG"  # set (non-empty): internal errors show their traceback


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # Bad flags are bad input too: usage, one message, exit 2 (argparse's convention).
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _available(name: str):
    try:
        return importlib.import_module(f"scoutsim.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("scoutsim.commands"):
            return None
        raise


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(prog="scoutsim", description="Simulate edge devices that hand LLM work to a cloud "
                     "model over shared, fluctuating uplinks; build and read the quality oracles behind it. "
                     "'scoutsim COMMAND --help' explains each command.",
                     epilog="Exit status: 0 success, 2 bad input (one message, nothing written), 1 other failures "
                     f"(a bug: one message asking for a report; {DEBUG}=1 shows its traceback).")
    parser.add_argument("--version", action="version", version=f"scoutsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        module = _available(name)
        if module is not None:
            module.register(sub)
    _name_parsers(parser)
    return parser


def _name_parsers(parser: argparse.ArgumentParser) -> None:
    """Let every (sub)command's parser put itself in the namespace, the deepest last, so that
    an unknown argument is told with the usage of the command that was given."""
    parser.set_defaults(_parser=parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _name_parsers(child)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program stands so that cleanup code runs as for Ctrl-C."""


def _terminate(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(only=chosen if chosen in COMMANDS else None)
    args, extra = parser.parse_known_args(argv)
    if extra:  # told by the command's own parser, whose usage shows the flags it takes
        args._parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2 if args.command else 0
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"scoutsim: error: {_printable(str(exc))}", file=sys.stderr)
        return 2
    except BugReport as exc:
        if os.environ.get(DEBUG):
            raise
        print(f"scoutsim: error: {_printable(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        by = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
        print(f"scoutsim: interrupted ({by}); nothing half-written is left (sweeps and oracle builds resume "
              "when rerun)", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a message, never a traceback
        if os.environ.get(DEBUG):
            raise
        where = _innermost_frame(exc)
        print(f"scoutsim: internal error (a bug in scoutsim, not in your input; please report it with the "
              f"command and its files): {type(exc).__name__}: {_printable(str(exc))[:500]}{where}; "
              f"set {DEBUG}=1 to see the traceback", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def _printable(text: str) -> str:
    # Control characters from hostile input (an escape sequence, a carriage return) must
    # not garble the terminal or split the one message: shown escaped.
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)


def _innermost_frame(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return "" if tb is None else f" (at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno})"
