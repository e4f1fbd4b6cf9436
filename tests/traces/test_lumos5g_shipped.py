"""The shipped Lumos5G runs (traces/lumos5g/) and the scenario that replays them work from
the repository alone: nothing beside the checkout, no import step.

Expected counts come from the data set's own description (Lumos5G v1.0 has 121 5G runs,
75 walking and 46 driving, 70,983 one-second samples in all: the data set's README and
the SIGCOMM'21 artifact's per-run files, see traces/lumos5g/README.md), not from the importer's output.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd

import scoutsim.network.channels.trace_pool  # noqa: F401  (registers the trace_pool kind)
from scoutsim.cli import main
from tests.traces.conftest import REPO

LUMOS = REPO / "traces" / "lumos5g"


def _tracked(paths: list[str]) -> set[str] | None:
    """Files git tracks under ``paths``; None outside a git checkout (an sdist, say)."""
    try:
        out = subprocess.run(["git", "ls-files", *paths], cwd=REPO, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return set(out.stdout.split())


def test_runs_are_the_published_data_set():
    csvs = sorted(LUMOS.glob("lumos5g_run*.csv"))
    assert len(csvs) == 121
    assert sum("walking" in p.name for p in csvs) == 75 and sum("driving" in p.name for p in csvs) == 46
    total = 0
    for p in csvs:
        df = pd.read_csv(p)
        assert list(df.columns) == ["time_s", "mbps"]
        # 1-s samples from time 0, rates finite and non-negative.
        assert np.array_equal(df["time_s"].to_numpy(), np.arange(len(df))), p.name
        assert np.isfinite(df["mbps"]).all() and (df["mbps"] >= 0).all()
        assert p.with_suffix(".json").is_file()
        total += len(df)
    assert total == 70983
    readme = (LUMOS / "README.md").read_text()
    assert "CC BY 4.0" in readme and "DOWNLINK" in readme
    assert "Attribution 4.0 International" in (LUMOS / "LICENSE-CC-BY-4.0.txt").read_text()


def test_every_file_the_scenario_needs_is_tracked():
    tracked = _tracked(["traces/lumos5g", "scenarios/lumos5g.yaml", "oracle_cache/published-squad-v2"])
    if tracked is None:
        return  # not a git checkout: the copy test below still proves the files suffice
    csvs = {f"traces/lumos5g/{p.name}" for p in LUMOS.glob("lumos5g_run*.csv")}
    assert csvs <= tracked and "scenarios/lumos5g.yaml" in tracked


def test_scenario_runs_from_the_shipped_files_alone(tmp_path, capsys):
    # A tree holding only what the scenario names, so that nothing beside the checkout
    # (measured data sets, traces/real) can make it pass.
    for rel in ("scenarios/lumos5g.yaml", "traces/lumos5g", "oracle_cache/published-squad-v2"):
        src, dst = REPO / rel, tmp_path / "repo" / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "repo" / "scenarios" / "lumos5g.yaml"), "--replications", "3",
                 "--duration", "60", "--no-plots", "--out", str(out)]) == 0
    requests = pd.read_parquet(out / "requests.parquet")
    assert set(requests["replication"]) == {0, 1, 2}
    # 8 devices x 0.2 requests/s x 60 s = 96 expected arrivals per replication (Poisson:
    # sd ~ 10), so each replication's count lies well inside [50, 150].
    counts = requests.groupby("replication").size()
    assert counts.between(50, 150).all(), counts
