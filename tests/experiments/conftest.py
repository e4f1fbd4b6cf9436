"""Shared pieces: the checkout, a small fast scenario, and running the CLI as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Two groups on one constant uplink: a Qwen2.5-7B pair that adapts among KV modes and a
# Qwen2.5-14B pair that may also fall back to scout. Short, so a 2x3 grid of 5
# replications runs in seconds; the published oracle ships with the checkout.
SMALL = """\
name: small_grid
seed: 5
replications: 5
duration_s: 40
oracle: published-squad-v2
uplinks:
  - id: cell0
    channel: {kind: constant, mbps: 60}
    allocator: equal
    sharing: work_conserving
    latency_ms: 20
agents:
  - name: q7
    count: 2
    edge_model: qwen2.5-7b
    cloud_model: qwen2.5-14b
    uplink: cell0
    edge_slowdown: 8.0
    arrival: {kind: poisson, rate_per_s: 0.3}
    deadline_s: 5.0
    modes: [bf16, int8, mixed_int4, int4]
    estimator: harmonic
  - name: q14
    count: 2
    edge_model: qwen2.5-14b
    cloud_model: qwen2.5-14b
    uplink: cell0
    edge_slowdown: 8.0
    arrival: {kind: poisson, rate_per_s: 0.3}
    deadline_s: 5.0
    modes: [bf16, int8, int4, scout@0.5]
    estimator: harmonic
"""
GRID = ["uplinks.0.channel.mbps=20,60", "uplinks.0.allocator=equal,model_aware,quality_max"]


@pytest.fixture
def small_scenario(tmp_path) -> Path:
    path = tmp_path / "small_grid.yaml"
    path.write_text(SMALL)
    return path


def cli(*args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scoutsim", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout, env=env)
