"""An installed wheel works anywhere, not only in a checkout.

The wheel is built from a copy of the checkout's sources, installed into a fresh virtual
environment outside the checkout (``--system-site-packages`` reuses the installed
dependencies; the wheel itself goes in with ``--no-deps``), and that environment's python
runs, from an empty temporary directory, the main scenario by its name alone and
``reproduce paper-b --quick``. Both need what only the wheel can carry: the shipped
scenarios, the oracle caches they name and the Lumos5G traces the study's replay uses.

``reproduce`` runs with its quick setting shrunk to 2 replications x 60 s (from 5 x 600 s)
to keep this test near a minute; what is checked is that every experiment finds its
scenarios, caches and traces in the wheel and writes its tables, not the study's verdicts
(tests/experiments/ judge those).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "scoutsim", "scenarios", "oracle_cache", "traces", "benchmarks")
SHRUNK_QUICK = ("import scoutsim.experiments.paperb as p; p.QUICK.update(replications=2, duration_s=60.0); "
                "from scoutsim.cli import main; raise SystemExit(main())")


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "real", ".partial"))
        else:
            shutil.copy2(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp / "dist"),
          str(src)])
    wheel = next((tmp / "dist").glob("scoutsim-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed", "--no-index", str(wheel)])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCOUTSIM_ORACLE")}
    return python, env


def test_the_wheel_is_what_runs(installed, tmp_path):
    python, env = installed
    where = _run([str(python), "-c", "import scoutsim, scoutsim.shipped as s; print(scoutsim.__file__); "
                  "print(s.folder('scenarios')); from scoutsim.bench import ltefamily as f; "
                  "print(f.reference_path(30, 2026)); print(f.reference_path(30, 2026).is_file())"],
                 cwd=tmp_path, env=env).stdout.split()
    venv = python.parent.parent
    # bench lte --family 30 --seed 2026 reads the ns-3 reference the wheel carries.
    assert where[-1] == "True", where
    assert all(Path(p).is_relative_to(venv) for p in where[:-1]), where  # not the checkout's copy


def test_main_scenario_runs_by_name_from_anywhere(installed, tmp_path):
    python, env = installed
    _run([str(python), "-m", "scoutsim", "run", "8agents_100mbps", "--replications", "2", "--duration", "60",
          "--no-plots", "--no-progress"], cwd=tmp_path, env=env)
    summary = pd.read_csv(tmp_path / "results" / "8agents_100mbps" / "summary.csv")
    compliance = summary[(summary["scope"] == "all") & (summary["metric"] == "deadline_compliance")].iloc[0]
    assert compliance["replications"] == 2
    assert 0 <= compliance["ci95_low"] <= compliance["mean"] <= compliance["ci95_high"] <= 1
    requests = pd.read_parquet(tmp_path / "results" / "8agents_100mbps" / "requests.parquet")
    assert set(requests["replication"]) == {0, 1} and (requests["arrival_s"] < 60).all()


def test_examples_copies_the_scenarios_and_refuses_to_overwrite(installed, tmp_path):
    python, env = installed
    _run([str(python), "-m", "scoutsim", "examples", "mine"], cwd=tmp_path, env=env)
    copied = {p.relative_to(tmp_path / "mine" / "scenarios").as_posix() for p in (tmp_path / "mine").rglob("*.yaml")}
    assert copied == {p.relative_to(ROOT / "scenarios").as_posix() for p in (ROOT / "scenarios").rglob("*.yaml")}
    # A scenario that replays traces finds them beside the copy (../traces).
    assert len(list((tmp_path / "mine" / "traces" / "lumos5g").glob("*.csv"))) == 121
    edited = tmp_path / "mine" / "scenarios" / "8agents_100mbps.yaml"
    edited.write_text(edited.read_text() + "# my edit\n")
    again = subprocess.run([str(python), "-m", "scoutsim", "examples", "mine"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert again.returncode == 2 and "already exist" in again.stderr and "Traceback" not in again.stderr
    assert edited.read_text().endswith("# my edit\n")


def test_reproduce_paper_b_runs_from_the_wheel(installed, tmp_path):
    python, env = installed
    _run([str(python), "-c", SHRUNK_QUICK, "reproduce", "paper-b", "--quick", "--no-progress", "--workers", "2"],
         cwd=tmp_path, env=env, timeout=400)
    out = tmp_path / "results" / "paper-b-quick"
    claims = pd.read_csv(out / "claims.csv")
    tables = pd.read_csv(out / "tables.csv")
    assert len(claims) > 0 and len(tables) > 0
    # Every experiment ran, the Lumos5G replay included: its traces come from the wheel, and
    # without them its claims would be judged "not run".
    assert set(claims["experiment"]) == {"markov", "markov_1s", "lumos5g", "two_50", "four_50", "eight_100"}
    assert (claims["verdict"] != "not run").all(), claims[claims["verdict"] == "not run"]
