"""A profile of a callable, for benchmarks that miss their target: it shows where the time
goes. pyinstrument (``pip install pyinstrument``) gives a call tree; without it, the
standard library's cProfile gives the functions with the most time of their own."""

from __future__ import annotations

import cProfile
import io
import pstats
from typing import Callable


def profile_text(fn: Callable[[], object], lines: int = 30) -> str:
    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    if Profiler is not None:
        prof = Profiler(interval=0.0005)
        prof.start()
        try:
            fn()
        finally:
            prof.stop()
        text = prof.output_text(unicode=False, color=False, show_all=False)
        return "pyinstrument call tree (seconds of wall time):\n" + "\n".join(text.splitlines()[: lines * 2])
    pr = cProfile.Profile()
    pr.enable()
    try:
        fn()
    finally:
        pr.disable()
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(lines)
    return "cProfile, by own time (pip install pyinstrument for a call tree):\n" + buf.getvalue()
