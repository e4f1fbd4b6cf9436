"""Greyscale-readable styling and output: distinctions are carried by line style, marker
and hatch, not by colour alone; every figure is saved as PNG (for people) and PDF (for
papers) under one stem."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

LINESTYLES = ["-", "--", ":", "-."]
MARKERS = ["o", "s", "^", "D", "v", "x", "P", "*"]
HATCHES = ["", "//", "..", "xx", "\\\\", "--", "++", "oo", "||", "**"]


def grey(i: int, n: int) -> str:
    """The i-th of n grey levels for lines: dark enough to see on white."""
    if n <= 1:
        return "0.1"
    return f"{0.05 + 0.5 * i / (n - 1):.3f}"


def fill(i: int, n: int) -> str:
    """The i-th of n grey levels for areas: light enough for a black hatch to show."""
    if n <= 1:
        return "0.6"
    return f"{0.3 + 0.65 * i / (n - 1):.3f}"


def line_style(i: int, n: int) -> dict:
    return {"color": grey(i % max(n, 1), n), "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "marker": MARKERS[i % len(MARKERS)], "markersize": 5, "linewidth": 1.4}


# When a list, every saved figure is appended to it as (stem, Figure) and left open, so
# that tests can read back what was drawn (lines, bars, labels) instead of pixels.
CAPTURE: list | None = None


def save(fig, out_dir: Path, stem: str, tight: bool = True) -> list[Path]:
    if tight:
        fig.tight_layout()
    paths = [out_dir / f"{stem}.png", out_dir / f"{stem}.pdf"]
    fig.savefig(paths[0], dpi=140)
    fig.savefig(paths[1])
    if CAPTURE is not None:
        CAPTURE.append((stem, fig))
    else:
        plt.close(fig)
    return paths
