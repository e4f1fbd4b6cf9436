"""``scoutsim plot`` on a sweep and on a run, and the decision map's choices checked against
the study's numbers by hand."""

from __future__ import annotations

import numpy as np

from scoutsim.config import load_scenario
from scoutsim.figures.decision import best_modes, mode_times
from tests.experiments.conftest import REPO, cli


def test_plot_sweep_and_run_write_png_and_pdf(small_scenario, tmp_path):
    sweep = tmp_path / "sweep"
    p = cli("sweep", str(small_scenario), "--grid", "uplinks.0.channel.mbps=20,60",
            "--grid", "uplinks.0.allocator=equal,model_aware", "--replications", "3", "--duration", "20",
            "--out", str(sweep), "--no-progress")
    assert p.returncode == 0, p.stderr
    p = cli("plot", str(sweep))
    assert p.returncode == 0, p.stderr
    for stem in ("compliance_vs_mbps", "f1_misses_zero_vs_mbps", "latency_cdf_by_mbps", "modes_over_time",
                 "decision_map"):
        for ext in ("png", "pdf"):
            assert (sweep / "figures" / f"{stem}.{ext}").stat().st_size > 1000
    run = tmp_path / "run"
    assert cli("run", str(small_scenario), "--replications", "2", "--duration", "20", "--no-plots",
               "--out", str(run)).returncode == 0
    p = cli("plot", str(run), "--out", str(tmp_path / "runfigs"))
    assert p.returncode == 0, p.stderr
    for stem in ("compliance_by_group", "f1_by_group", "latency_cdf", "modes_over_time", "decision_map"):
        assert (tmp_path / "runfigs" / f"{stem}.pdf").is_file()
    assert cli("plot", str(sweep), "--scope", "nobody").returncode == 2


def test_decision_map_follows_the_adaptive_rule():
    """Qwen2.5-7B edge, 5 s deadline (scenarios/8agents_100mbps.yaml), 170 tokens.
    With local offered, local wins at every rate: it is the same computation as bf16 (F1
    0.776 on the published cache) and sends nothing. Among the modes that use the uplink:
    at 1000 Mbps BF16 (9.7 MB, 0.08 s on the link) fits and has the best F1 (0.776); at
    1 Mbps even INT4's ~2.6 MB needs ~21 s, so only scout (F1 0.588) fits."""
    resolved = load_scenario(REPO / "scenarios" / "8agents_100mbps.yaml")
    s = resolved.scenario
    g = s.agents[0]
    names, z = best_modes(resolved.oracle, resolved.models, s, g, np.array([1.0, 1000.0]), np.array([170]))
    assert "local" in g.modes and names[z[0, 0]] == names[z[0, 1]] == "local"
    g = g.model_copy(update={"modes": [m for m in g.modes if m != "local"]})
    names, z = best_modes(resolved.oracle, resolved.models, s, g, np.array([1.0, 1000.0]), np.array([170]))
    assert names[z[0, 1]] == "bf16"
    assert names[z[0, 0]] == "scout@0.5"
    times = {n: t for n, _, t in mode_times(resolved.oracle, resolved.models, s, g, np.array([1e6 / 8]), 170)}
    assert times["int4"][0] > 20 and times["bf16"][0] > 77
    # BF16 payload on the wire at 1 Mbps: 2 x 28 x 4 x 170 x 128 x 2 B + 64 B header = 9,748,544 B.
    edge_and_cloud = times["bf16"][0] - 9_748_544 * 8 / 1e6 - 0.020
    assert 0 < edge_and_cloud < 2.0


def test_plot_categorical_sweep_draws_grouped_bars(small_scenario, tmp_path):
    out = tmp_path / "cat"
    assert cli("sweep", str(small_scenario), "--grid", "uplinks.0.allocator=equal,model_aware",
               "--replications", "2", "--duration", "10", "--out", str(out), "--no-progress").returncode == 0
    p = cli("plot", str(out))
    assert p.returncode == 0, p.stderr
    for stem in ("compliance_by_allocator", "f1_misses_zero_by_allocator"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 1000
