"""Figures of a trace (the only module here that imports matplotlib).

:func:`trace_figure` draws the series as the channel replays it (a step function) and
its time-weighted CDF, with the 10 / 25 / 50 Mbps thresholds the summary reports. The
PNG is written to a temporary file and renamed, so a failed plot leaves nothing behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from scoutsim.errors import UserError
from scoutsim.traces import stats
from scoutsim.traces.tracefile import default_mode


def trace_figure(times: np.ndarray, mbps: np.ndarray, step_s: float, title: str,
                 png: Path, summary: stats.TraceSummary | None = None) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    summary = summary or stats.summarize(times, mbps, step_s)
    w = stats.durations(times, step_s)
    order = np.argsort(mbps, kind="stable")
    cdf = np.cumsum(w[order]) / w.sum()

    fig, (ax_t, ax_c) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [2.2, 1]})
    ax_t.step(np.append(times, times[-1] + step_s), np.append(mbps, mbps[-1]), where="post", lw=0.7)
    ax_t.axhline(summary.mean, color="C1", lw=1, ls="--", label=f"mean {summary.mean:.1f} Mbps")
    ax_t.set_xlabel("time (s)")
    ax_t.set_ylabel("throughput (Mbps)")
    ax_t.set_title(title)
    ax_t.legend(loc="upper right")
    ax_c.step(mbps[order], cdf, where="post")
    for thr in stats.THRESHOLDS_MBPS:
        ax_c.axvline(thr, color="grey", lw=0.6, ls=":")
    ax_c.set_xlabel("throughput (Mbps)")
    ax_c.set_ylabel("share of time at or below")
    ax_c.set_ylim(0, 1)
    ax_c.set_title(f"CDF (median {summary.median:.1f}, lag-1 ACF {summary.acf_lag1:.2f})")
    fig.tight_layout()

    png = Path(png)
    try:
        png.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=png.parent)
        os.fchmod(fd, default_mode())
        os.close(fd)
        try:
            fig.savefig(tmp, dpi=110, format="png")
            os.replace(tmp, png)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise UserError(f"cannot write figure: {exc.strerror}", source=str(png)) from None
    finally:
        plt.close(fig)
    return png
