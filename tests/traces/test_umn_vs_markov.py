"""Acceptance: a scenario replaying an imported UMN uplink trace, against the same scenario
on the Markov channel fitted to that trace.

Both use the same seed, so arrivals and questions are identical (scoutsim's streams are
keyed by component); only the channel differs. The test prints each channel's deadline
compliance and their paired difference with 95 % t-intervals across replications, and
asserts its claim: the fitted chain is pessimistic. Its 1-s memory spreads the trace's
low-rate seconds over every replication, whereas the trace holds them in a few long NR
coverage losses that most 300-s windows (random offsets) miss; so replaying the trace
meets more deadlines, by a paired difference whose 95 % interval excludes zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as st

import scoutsim.network.channels.trace_pool  # noqa: F401  (registers the trace_pool kind)
from scoutsim.cli import main
from tests.traces.conftest import REPO

RUN = "S20UPM-run196.csv"  # Verizon NSA with NR coverage loss: 16 % of seconds < 10 Mbps
# The paired difference measured here was +0.09 +- 0.05 (seed 5) and +0.06 +- 0.05
# (seed 11) with 40 replications; 60 make its 95 % interval about +-0.04, so the claim
# below holds with room for a change of seed, not by luck of one.
REPLICATIONS = 60


def _t_interval(x: np.ndarray) -> tuple[float, float]:
    half = st.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)


def test_umn_trace_vs_fitted_markov(shared_traces, tmp_path, capsys):
    src = shared_traces / "umn-sigcomm21-5g-wild-uplink" / "merged-logs" / RUN
    trace_csv = tmp_path / "traces" / "real" / "umn_run196.csv"
    assert main(["traces", "import", "umn", str(src), "--out", str(trace_csv)]) == 0
    block_yaml = tmp_path / "markov.yaml"
    assert main(["traces", "fit-markov", str(trace_csv), "--states", "4", "--out", str(block_yaml)]) == 0
    markov_block = yaml.safe_load(block_yaml.read_text())["channel"]

    base = yaml.safe_load((REPO / "scenarios" / "umn_uplink.yaml").read_text())
    base.update(replications=REPLICATIONS, duration_s=300)
    channels = {
        "trace": {"kind": "trace_pool", "runs": [str(trace_csv)], "per": "replication",
                  "random_offset": True},
        "markov": markov_block,
    }
    per_rep = {}
    for name, channel in channels.items():
        scenario = {**base, "name": f"umn196_{name}"}
        scenario["uplinks"] = [{**base["uplinks"][0], "channel": channel}]
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(scenario, sort_keys=False))
        out = tmp_path / f"out_{name}"
        assert main(["run", str(path), "--no-plots", "--out", str(out)]) == 0
        requests = pd.read_parquet(out / "requests.parquet")
        resolved = yaml.safe_load((out / "scenario.yaml").read_text())
        assert resolved["uplinks"][0]["channel"]["kind"] == channel["kind"]
        by_rep = requests.groupby("replication")["met_deadline"].mean()
        assert list(by_rep.index) == list(range(REPLICATIONS))
        per_rep[name] = by_rep.to_numpy(dtype=float)
        # Our per-replication means must agree with the simulator's own summary.
        summary = pd.read_csv(out / "summary.csv")
        row = summary[(summary["scope"] == "all") & (summary["metric"] == "deadline_compliance")]
        assert float(row["mean"].iloc[0]) == pytest.approx(per_rep[name].mean(), abs=1e-9)

    trace_m, trace_h = _t_interval(per_rep["trace"])
    markov_m, markov_h = _t_interval(per_rep["markov"])
    diff_m, diff_h = _t_interval(per_rep["trace"] - per_rep["markov"])
    with capsys.disabled():
        print(f"\nUMN {RUN} uplink, {REPLICATIONS} replications x 300 s, 95 % t-intervals:\n"
              f"  deadline compliance, trace replay:        {trace_m:.3f} ± {trace_h:.3f}\n"
              f"  deadline compliance, fitted 4-state chain: {markov_m:.3f} ± {markov_h:.3f}\n"
              f"  paired difference (trace - markov):       {diff_m:+.3f} ± {diff_h:.3f}\n"
              f"  claim: the fitted chain is pessimistic (difference > 0, 95 % interval excludes 0)")
    assert diff_m - diff_h > 0, (diff_m, diff_h)
