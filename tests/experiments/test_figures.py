"""``scoutsim plot``: what each figure draws, read back from the matplotlib objects.

The figures are captured as Figure objects (``scoutsim.figures.style.CAPTURE``) and their
artists compared with the numbers of the sweep's own tables (``summary.parquet`` and
``sweep.json``, read here with pandas and json, not with the plotting code's loader): one
curve per allocator, each point's height the summary's mean, each error bar's extent its
95 % CI, x at the swept value, axes labelled with units. The decision map's choices are
checked against the study's numbers by hand.
"""

from __future__ import annotations

import json
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba

from scoutsim.cli import main
from scoutsim.config import load_scenario
from scoutsim.figures import style
from scoutsim.figures.decision import best_modes, mode_times
from scoutsim.figures.draw import draw
from tests.experiments.conftest import REPO


@pytest.fixture
def captured(monkeypatch):
    figures: list = []
    monkeypatch.setattr(style, "CAPTURE", figures)
    yield lambda: {stem: fig for stem, fig in figures}
    for _, fig in figures:
        style.plt.close(fig)


def _sweep(small_scenario, out, *grid, reps="3", duration="20"):
    argv = ["sweep", str(small_scenario), "--replications", reps, "--duration", duration, "--out", str(out),
            "--no-progress"]
    for g in grid:
        argv += ["--grid", g]
    assert main(argv) == 0
    summary = pd.read_parquet(out / "summary.parquet")
    points = {p["id"]: dict(p["values"]) for p in json.loads((out / "sweep.json").read_text())["points"]}
    return summary, points


def _curves(ax):
    """label -> (x, y, lower, upper) of each errorbar container of an Axes."""
    out = {}
    for c in ax.containers:
        line, _, (bars,) = c.lines[0], c.lines[1], c.lines[2]
        x, y = line.get_xdata(), line.get_ydata()
        segs = np.array([s for s in bars.get_segments()])
        out[c.get_label()] = (np.asarray(x, float), np.asarray(y, float), segs[:, 0, 1], segs[:, 1, 1])
    return out


def test_sweep_curves_draw_the_summary(small_scenario, tmp_path, captured):
    out = tmp_path / "sweep"
    summary, points = _sweep(small_scenario, out, "uplinks.0.channel.mbps=20,60",
                             "uplinks.0.allocator=equal,model_aware")
    draw(out)
    figs = captured()
    for stem, metric, scale in (("compliance_vs_mbps", "deadline_compliance", 100.0),
                                ("f1_misses_zero_vs_mbps", "f1_misses_zero", 1.0)):
        ax = figs[stem].axes[0]
        assert ax.get_xlabel() == "uplink capacity (Mbps)"
        assert "(%" in ax.get_ylabel() if scale == 100 else "F1" in ax.get_ylabel()
        curves = _curves(ax)
        assert sorted(curves) == ["allocator=equal", "allocator=model_aware"]  # one per allocator
        rows = summary[(summary["metric"] == metric) & (summary["scope"] == "all")]
        for label, (x, y, lo, hi) in curves.items():
            alloc = label.split("=")[1]
            want = sorted((points[p]["uplinks.0.channel.mbps"], r["mean"] * scale, r["ci95_low"] * scale,
                           r["ci95_high"] * scale)
                          for p, r in rows.set_index("point").iterrows()
                          if points[p]["uplinks.0.allocator"] == alloc)
            wx, wy, wlo, whi = (np.array(v, float) for v in zip(*want))
            # Curves are dodged sideways by at most 1.2 % of the x range so bars do not overlap.
            assert np.allclose(x, wx, atol=0.02 * (wx.max() - wx.min()))
            assert np.allclose(y, wy)
            # The bars span the interval itself, cut at the metric's range where it was.
            assert np.allclose(lo, wlo) and np.allclose(hi, whi)
            assert (whi > wlo).all()  # 3 replications of a random process: real intervals
            if metric == "deadline_compliance":
                assert lo.min() >= 0 and hi.max() <= 100 + 1e-9
    # Latency CDFs: one line per swept bandwidth value, x in seconds, y a CDF.
    cdf_ax = figs["latency_cdf_by_mbps"].axes[0]
    assert "(s)" in cdf_ax.get_xlabel()
    for line in cdf_ax.get_lines():
        y = np.asarray(line.get_ydata(), float)
        if len(y) > 2:
            assert np.all(np.diff(y) >= -1e-12) and y.min() >= 0 and y.max() <= 1 + 1e-12


def test_count_axis_says_it_counts_all_groups(small_scenario, tmp_path, captured):
    # small_scenario has two groups of 2 (q7 and q14); sweeping q7's count to 1 and 3 gives
    # scenarios of 1 + 2 = 3 and 3 + 2 = 5 agents: the axis shows totals and must say so.
    out = tmp_path / "count"
    _sweep(small_scenario, out, "agents.0.count=1,3", reps="2", duration="10")
    draw(out)
    ax = captured()["compliance_vs_count"].axes[0]
    assert ax.get_xlabel() == "agents in all groups (swept: count of q7)"
    (x, *_), = _curves(ax).values()
    assert sorted(np.round(x)) == [3, 5]


def test_categorical_sweep_draws_grouped_bars_with_cis(small_scenario, tmp_path, captured):
    out = tmp_path / "cat"
    summary, points = _sweep(small_scenario, out, "uplinks.0.allocator=equal,model_aware", reps="2",
                             duration="10")
    draw(out)
    ax = captured()["compliance_by_allocator"].axes[0]
    rows = summary[(summary["metric"] == "deadline_compliance") & (summary["scope"] == "all")].set_index("point")
    want = {points[p]["uplinks.0.allocator"]: r["mean"] * 100 for p, r in rows.iterrows()}
    bars = ax.patches
    assert [t.get_text() for t in ax.get_xticklabels()] == ["equal", "model_aware"]
    assert np.allclose([b.get_height() for b in bars], [want["equal"], want["model_aware"]])
    assert "(%" in ax.get_ylabel()


def test_run_figures_draw_the_run_summary(small_scenario, tmp_path, captured):
    run = tmp_path / "run"
    assert main(["run", str(small_scenario), "--replications", "2", "--duration", "20", "--no-plots",
                 "--out", str(run)]) == 0
    draw(run, tmp_path / "figs")
    figs = captured()
    summary = pd.read_csv(run / "summary.csv")
    ax = figs["compliance_by_group"].axes[0]
    rows = summary[summary["metric"] == "deadline_compliance"]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(rows["scope"])
    assert np.allclose([b.get_height() for b in ax.patches], rows["mean"] * 100)
    assert "(%" in ax.get_ylabel()
    # Every latency CDF axis is in seconds.
    assert all("(s)" in a.get_xlabel() for a in figs["latency_cdf"].axes if a.get_lines())


def test_decision_map_modes_are_told_apart_in_greyscale(tmp_path, captured):
    resolved = load_scenario(REPO / "scenarios" / "8agents_100mbps.yaml")
    from scoutsim.figures.decision import draw_decision_maps

    draw_decision_maps(resolved.scenario, resolved.oracle, tmp_path, resolution=(12, 8))
    legend = captured()["decision_map"].axes[0].get_legend()
    patches = legend.get_patches()
    assert len(patches) >= 2
    styles = [(p.get_hatch() or "", round(float(np.mean(to_rgba(p.get_facecolor())[:3])), 3)) for p in patches]
    for (h1, _), (h2, _) in combinations(styles, 2):
        assert h1 != h2, styles  # every mode its own hatch
    # Point textures (dots, circles, small crosses) blur together in greyscale (int8 and
    # local once looked alike): the scenario's six modes get line hatches of four
    # directions, a plain fill, and at most one point texture.
    point = {"..", "oo", "++", "**", "xx"}
    labels = [t.get_text() for t in legend.get_texts()]
    modes = [h for (h, _), label in zip(styles, labels) if not label.startswith("none")]
    assert len(resolved.scenario.agents[0].modes) == 6
    assert sum(h in point for h in modes) <= 1, list(zip(labels, styles))
    by_label = dict(zip(labels, styles))
    if "int8" in by_label and "local" in by_label:
        assert not (by_label["int8"][0] in point and by_label["local"][0] in point)


def test_decision_map_follows_the_adaptive_rule():
    """Qwen2.5-7B edge, whole answers within 5 s (scenarios/8agents_100mbps.yaml), 170 tokens,
    answers of 88 tokens (the mean of its answer_length, 16-160). local decodes at the edge,
    0.144 s prefill + 87 x 0.0681 s = 6.07 s: it never fits. At 1000 Mbps BF16 (9.7 MB,
    0.08 s on the link, then the cloud's fast decode) fits with the best F1 (0.776); at
    1 Mbps even INT4's ~2.6 MB needs ~21 s, so only scout (F1 0.588) fits. With a first-token
    deadline local would win everywhere (the same F1 as bf16, nothing sent)."""
    resolved = load_scenario(REPO / "scenarios" / "8agents_100mbps.yaml")
    s = resolved.scenario
    g = s.agents[0]
    assert s.deadline_on == "answer" and (g.answer_length.low, g.answer_length.high) == (16, 160)
    names, z = best_modes(resolved.oracle, resolved.models, s, g, np.array([1.0, 1000.0]), np.array([170]))
    assert "local" in g.modes
    assert names[z[0, 1]] == "bf16"
    assert names[z[0, 0]] == "scout@0.5"
    times = {n: t for n, _, t in mode_times(resolved.oracle, resolved.models, s, g, np.array([1e6 / 8]), 170)}
    assert times["local"][0] == pytest.approx(0.144 + 87 * 0.008514 * 8, rel=1e-3)
    first = s.model_copy(update={"deadline_on": "first_token"})
    names, z = best_modes(resolved.oracle, resolved.models, first, g, np.array([1.0, 1000.0]), np.array([170]))
    assert names[z[0, 0]] == names[z[0, 1]] == "local"
    times = {n: t for n, _, t in mode_times(resolved.oracle, resolved.models, first, g, np.array([1e6 / 8]), 170)}
    assert times["int4"][0] > 20 and times["bf16"][0] > 77
    # BF16 payload on the wire at 1 Mbps: 2 x 28 x 4 x 170 x 128 x 2 B + 64 B header = 9,748,544 B.
    edge_and_cloud = times["bf16"][0] - 9_748_544 * 8 / 1e6 - 0.020
    assert 0 < edge_and_cloud < 2.0


def test_plot_command_writes_png_and_pdf_and_refuses_unknown_scope(small_scenario, tmp_path, capsys):
    out = tmp_path / "sweep"
    _sweep(small_scenario, out, "uplinks.0.channel.mbps=20,60", reps="2", duration="10")
    assert main(["plot", str(out)]) == 0
    for stem in ("compliance_vs_mbps", "decision_map"):
        for ext in ("png", "pdf"):
            assert (out / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    drawn = {p.name: p.read_bytes() for p in (out / "figures").iterdir()}
    # The figures drawn above are scoutsim's own: replaced only with --overwrite; a bad scope
    # is refused all the same, and leaves them as they were.
    assert main(["plot", str(out), "--scope", "nobody", "--overwrite"]) == 2
    assert "no scope 'nobody'" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (out / "figures").iterdir()} == drawn
