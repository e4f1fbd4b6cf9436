from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "plugin"
EXAMPLE_PACKAGE = EXAMPLE / "scoutsim_example_plugin"
EXAMPLE_SCENARIO = EXAMPLE / "scenario.yaml"
MAIN_SCENARIO = REPO / "scenarios" / "8agents_100mbps.yaml"


def cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoutsim", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.fixture(scope="session")
def installed_example(tmp_path_factory) -> dict:
    """An environment in which examples/plugin is installed (pip, into a folder on PYTHONPATH,
    so the shared interpreter is left alone): its entry point is what registers it."""
    target = tmp_path_factory.mktemp("site")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    source = tmp_path_factory.mktemp("src") / "plugin"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True, timeout=300)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(target), str(REPO), env.get("PYTHONPATH")) if p)
    return env


@pytest.fixture
def write_scenario_text(tmp_path):
    def write(text: str, name: str = "scenario.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text)
        return p

    return write
