"""An interrupted run leaves no results directory (partial or temporary), ends its workers,
and says so in one line: exit 143 for SIGTERM, 130 for Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.plugins.conftest import MAIN_SCENARIO, REPO


def _children(pid: int) -> set[int]:
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry))
    return out


@pytest.mark.parametrize("sig, status, name", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "Ctrl-C")])
def test_interrupted_run_leaves_nothing(tmp_path, sig, status, name):
    out = tmp_path / "results"
    # 40 replications of 3000 s take minutes: the signal comes while workers are busy.
    proc = subprocess.Popen([sys.executable, "-m", "scoutsim", "run", str(MAIN_SCENARIO), "--out", str(out),
                             "--replications", "40", "--duration", "3000", "--workers", "2", "--no-progress"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # Wait until the run is writing (its temporary directory exists) and has its workers.
    while time.monotonic() < deadline and not (any(tmp_path.glob(".results.*")) and len(_children(proc.pid)) >= 2):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    workers = _children(proc.pid)
    assert any(tmp_path.glob(".results.*")) and len(workers) >= 2
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == status
    assert stderr.strip().splitlines() == [f"scoutsim: interrupted ({name}); nothing half-written is left "
                                           "(sweeps and oracle builds resume when rerun)"]
    assert list(tmp_path.iterdir()) == []  # neither results/ nor .results.<tmp>
    for pid in workers:  # no worker outlives the run
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
