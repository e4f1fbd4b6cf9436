"""An interrupted run leaves no results directory (partial or temporary), ends its workers,
and says so in one line: exit 143 for SIGTERM, 130 for Ctrl-C (SIGINT)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

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
    # The main scenario with every device sending INT8 (its oracle path made absolute): 400
    # replications of 3000 s are about two million transfers, minutes of work, so the signal
    # comes while the workers are busy whatever the main scenario's own mode mix.
    data = yaml.safe_load(MAIN_SCENARIO.read_text())
    data["oracle"] = str(REPO / "oracle_cache" / data["oracle"])
    for group in data["agents"]:
        group["policy"] = "static:int8"
    scenario = tmp_path / "busy.yaml"
    scenario.write_text(yaml.safe_dump(data))
    out = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, "-m", "scoutsim", "run", str(scenario), "--out", str(out),
                             "--replications", "400", "--duration", "3000", "--workers", "2", "--no-progress"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # Wait until the run is writing (its temporary directory exists) and has its workers.
    while time.monotonic() < deadline and not (any(tmp_path.glob(".results.*")) and len(_children(proc.pid)) >= 2):
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    workers = _children(proc.pid)
    assert any(tmp_path.glob(".results.*")) and len(workers) >= 2
    proc.send_signal(sig)
    try:
        stdout, stderr = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:  # a hang: fail, without leaving the run behind
        proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == status
    assert stderr.strip().splitlines() == [f"scoutsim: interrupted ({name}); nothing half-written is left "
                                           "(sweeps and oracle builds resume when rerun)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy.yaml"]  # neither results/ nor .results.<tmp>
    for pid in workers:  # no worker outlives the run
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


# A worker that is ended while it sends its result: it writes a message header announcing
# 1,000 bytes and 10 of them into the result pipe, then waits (as a worker terminated half-way
# through pickling a large replication would have). The executor's thread then waits for the
# other 990 bytes.
_HALF_SENT = r"""
import multiprocessing, os, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
from scoutsim.sim.runner import end_pool

def half_send(fd):
    os.write(fd, struct.pack("!i", 1000) + b"x" * 10)
    time.sleep(600)

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    pool.submit(half_send, pool._result_queue._writer.fileno())
    waiting = [pool.submit(time.sleep, 0) for _ in range(5)]  # beyond the call queue's 2 places
    time.sleep(2)  # the header and the 10 bytes are in the pipe; the thread reads on
    for task in waiting:  # as pool.map does with the tasks not started when its consumer stops
        task.cancel()
    end_pool(pool)
    print("ended", flush=True)
"""


def test_a_worker_ended_while_sending_does_not_hold_the_run_at_exit(tmp_path):
    script = tmp_path / "half_sent.py"
    script.write_text(_HALF_SENT)
    env = dict(os.environ, PYTHONPATH=str(REPO))  # this checkout's scoutsim, whatever is installed
    proc = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=60, env=env)
    assert proc.stdout.strip() == "ended" and proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # the pool's thread ends without a traceback
