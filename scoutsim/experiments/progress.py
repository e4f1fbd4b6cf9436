"""A progress bar on stderr: points done, elapsed, and an estimate of the time left.

The estimate divides the time spent in this session by the points finished in it (points
found finished on resume cost nothing and are not counted). On a terminal the bar redraws
in place; otherwise each update is its own line, so logs stay readable.
"""

from __future__ import annotations

import sys
import time


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    def __init__(self, total: int, already: int, stream=None, width: int = 30):
        self.total = total
        self.done = already
        self.resumed = already
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        fresh = self.done - self.resumed
        left = "?" if fresh == 0 else _clock(elapsed / fresh * (self.total - self.done))
        filled = int(self.width * self.done / self.total) if self.total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        note = f" ({self.resumed} resumed)" if self.resumed else ""
        return f"sweep [{bar}] {self.done}/{self.total} points{note}, elapsed {_clock(elapsed)}, left ~{left}"

    def show(self) -> None:
        end = "" if self.tty else "\n"
        prefix = "\r" if self.tty else ""
        self.stream.write(prefix + self.line() + end)
        self.stream.flush()

    def step(self) -> None:
        self.done += 1
        self.show()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
