"""Progress bars on stderr, all drawn by tqdm: done / total, rate and time left.

A bar appears only once its work has taken :data:`DELAY_S` seconds, so quick runs print
nothing extra; ``--no-progress`` turns it off.
"""

from __future__ import annotations

import sys

from tqdm import tqdm

DELAY_S = 3.0
MININTERVAL_S = 0.1  # tqdm's own: at most ten redraws a second


def progress_bar(total: int, unit: str, disable: bool = False, initial: int = 0, stream=None) -> tqdm:
    return tqdm(total=total, initial=initial, unit=f" {unit}", desc=unit, file=stream or sys.stderr,
                disable=disable, delay=DELAY_S, mininterval=MININTERVAL_S, dynamic_ncols=True, leave=False)
