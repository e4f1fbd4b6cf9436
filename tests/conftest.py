from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MAIN_SCENARIO = ROOT / "scenarios" / "8agents_100mbps.yaml"


def small_scenario(**overrides) -> dict:
    """One agent group on a constant link, with the published oracle: hand-checkable."""
    base = {
        "name": "tiny",
        "seed": 3,
        "replications": 2,
        "duration_s": 60,
        "oracle": str(ROOT / "oracle_cache" / "published-squad-v2"),
        "uplinks": [{"id": "cell", "channel": {"kind": "constant", "mbps": 100}, "allocator": "equal",
                     "sharing": "work_conserving", "latency_ms": 20}],
        "cloud": {"slowdown": 1.0, "gpus": 1},
        "agents": [{"count": 2, "edge_model": "qwen2.5-7b", "cloud_model": "qwen2.5-14b", "uplink": "cell",
                    "edge_slowdown": 8.0, "arrival": {"kind": "poisson", "rate_per_s": 0.2},
                    "deadline_s": 5.0, "policy": "adaptive",
                    "modes": ["bf16", "int8", "int4", "scout@0.5", "local"], "estimator": "harmonic"}],
    }
    out = copy.deepcopy(base)
    out.update(overrides)
    return out


@pytest.fixture
def write_scenario(tmp_path):
    def write(data: dict, name: str = "scenario.yaml") -> Path:
        p = tmp_path / name
        p.write_text(yaml.safe_dump(data, sort_keys=False))
        return p

    return write


# --- The suite writes only under pytest's tmp dirs -----------------------------------------
# Files a test leaves in the checkout (outside the ignored caches below) would be committed
# by accident or change the next run; the session fails if any appear. Python's and
# pytest's own caches are the only writes allowed in the tree.
ALLOWED_WRITES = ("__pycache__/", ".pytest_cache/", ".hypothesis/", ".egg-info/")


def _stray_files() -> set[str] | None:
    import subprocess

    try:
        out = subprocess.run(["git", "ls-files", "--others", "-z"], cwd=ROOT, capture_output=True,
                             text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None  # not a git checkout (an sdist): nothing to compare against
    return {p for p in out.split("\0") if p and not any(a in p for a in ALLOWED_WRITES)}


@pytest.fixture(scope="session", autouse=True)
def _checkout_stays_clean():
    before = _stray_files()
    yield
    after = _stray_files()
    if before is not None and after is not None:
        new = sorted(after - before)
        assert not new, f"tests wrote into the checkout (write under tmp_path instead): {new[:20]}"
