"""``scoutsim bench fuzz --n N``: hostile input at scale.

Hypothesis draws mutations of a small valid scenario, trace, sweep grid and oracle cache
(:mod:`scoutsim.bench.fuzz_inputs`); each case runs in-process through the command line's
entry point (``scoutsim.cli.main``) in a fresh directory, and must end in one of two ways:

* **refused**: exit status 2, stderr one line ``scoutsim: error: ...`` naming the file (and
  the key path, where the mutation targeted one), no traceback, and nothing written (the
  case directory holds exactly the files it started with);
* **valid**: exit status 0 and a correct output (contract columns; latency = done -
  arrival; met_deadline agrees with latency and deadline; transfers end after they start).

A mutation that leaves the scenario valid but large (a count of 10^5 agents takes
gigabytes) is validated, counted as **heavy** and not run. A case still running after
``CASE_LIMIT_S`` hangs: a failure.

With ``--long`` every case is instead a valid scenario of up to 600 simulated seconds drawn
across channels, sharing rules, schedulers, allocators, policies and arrival kinds
(:mod:`scoutsim.bench.fuzz_long`); it must run to a complete, correct output, and a refusal,
a hang (``LONG_CASE_LIMIT_S``) or a partial output (a temporary directory left beside it,
or a file missing) is a failure.
Anything else (another status, an exception escaping ``main``, a traceback on stderr, a
message that does not name the file, a half-written output) is a failure, reported with the mutation that caused it.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scoutsim.bench.fuzz_inputs import KINDS, STRATEGIES, Case
from scoutsim import shipped

SHIPPED_ORACLE = shipped.folder("oracle_cache") / "published-squad-v2"
CASE_LIMIT_S = 30  # runs of up to HEAVY_WORK take a few seconds; longer is a hang
LONG_CASE_LIMIT_S = 60  # a long case simulates at most a few hundred requests: seconds at most
HEAVY_WORK = 2 * 10**4  # expected requests + agents over all replications
REQUEST_COLUMNS = ["replication", "agent", "request", "edge_model", "cloud_model", "uplink", "arrival_s", "mode",
                   "payload_bytes", "tx_start_s", "tx_end_s", "done_s", "latency_s", "deadline_s",
                   "met_deadline", "f1", "sample_id"]


@dataclass
class Report:
    counts: Counter = field(default_factory=Counter)        # (kind, outcome) -> cases
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # kind, mutation, why
    seconds: float = 0.0

    def record(self, kind: str, outcome: str, mutation: str = "", why: str = "") -> None:
        self.counts[(kind, outcome)] += 1
        if outcome == "FAILED":
            self.failures.append((kind, mutation, why))

    def table(self) -> str:
        lines = [f"{'input kind':<10} {'cases':>6} {'refused (exit 2)':>17} {'valid run':>10} "
                 f"{'valid, heavy':>12} {'failed':>7}"]
        long = any(k == "long" for k, _ in self.counts)
        for kind in (("long",) if long else KINDS) + ("total",):
            pick = (lambda k: True) if kind == "total" else (lambda k, kind=kind: k == kind)
            n = {o: sum(v for (k, oo), v in self.counts.items() if pick(k) and oo == o)
                 for o in ("refused", "valid", "heavy", "FAILED")}
            lines.append(f"{kind:<10} {sum(n.values()):>6} {n['refused']:>17} {n['valid']:>10} {n['heavy']:>12} "
                         f"{n['FAILED']:>7}")
        return "\n".join(lines)

    def hangs(self) -> int:
        return sum(1 for _, _, why in self.failures if why.startswith("hang"))

    def partial(self) -> int:
        return sum(1 for _, _, why in self.failures if why.startswith(PARTIAL))


PARTIAL = "partial output"


class _Timeout(BaseException):  # not Exception: no `except Exception` in the code under test may swallow it
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _listing(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*") if p.is_file()}


def _check_valid(out: Path) -> str:
    """Why a successful run's output is wrong, or '' when it is right."""
    for name in ("requests.parquet", "summary.csv", "scenario.yaml", "meta.json"):
        if not (out / name).is_file():
            return f"exit 0 but {name} missing"
    df = pd.read_parquet(out / "requests.parquet")
    missing = [c for c in REQUEST_COLUMNS if c not in df.columns]
    if missing:
        return f"requests.parquet lacks {missing}"
    if len(df) == 0:
        return ""
    done = df["done_s"].to_numpy(float)
    lat = df["latency_s"].to_numpy(float)
    fin = np.isfinite(done)
    if not np.allclose(lat[fin], done[fin] - df["arrival_s"].to_numpy(float)[fin], atol=1e-9):
        return "latency_s != done_s - arrival_s"
    if (lat[fin] < 0).any():
        return "negative latency"
    met = df["met_deadline"].to_numpy(bool)
    if (met & ~(lat <= df["deadline_s"].to_numpy(float) + 1e-9)).any():
        return "met_deadline true for a late request"
    tx = df[["tx_start_s", "tx_end_s"]].dropna()
    if (tx["tx_end_s"] < tx["tx_start_s"] - 1e-9).any():
        return "a transfer ends before it starts"
    f1 = df["f1"].dropna()
    if ((f1 < 0) | (f1 > 1)).any():
        return "f1 outside [0, 1]"
    return ""


def _check_refused(case: Case, err: str, out: Path) -> str:
    lines = err.strip().splitlines()
    if "Traceback" in err:
        return "traceback on stderr"
    # argparse's refusal of a malformed flag prints its usage line before the message.
    body = [ln for ln in lines if not ln.startswith("usage:") and not ln.startswith("  ")]
    if len(body) != 1:
        return f"expected one message line, got {len(body)}: {err[:300]!r}"
    msg = body[0]
    if not msg.startswith("scoutsim") or ": error: " not in msg:
        return f"not a scoutsim error line: {msg[:200]!r}"
    if case.argv[0] == "sweep" and msg.startswith("scoutsim sweep: error:"):
        return ""  # argparse: a malformed flag, named by argparse
    if not any(name in msg for name in case.must_name):
        return f"message names none of {case.must_name}: {msg[:300]!r}"
    # A channel block is validated by its kind's own model, whose path comes after the
    # block's: "uplinks[0].channel: x: unknown key" names uplinks[0].channel.x.
    if case.key and case.key not in msg and case.key not in msg.replace(": ", "."):
        return f"message does not name the key {case.key!r}: {msg[:300]!r}"
    if out.exists():
        return "refused, yet the output directory was created"
    return ""


def _work(d: Path) -> float | None:
    """Expected requests + agents over all replications of the case's scenario, when it is
    valid; None when it is not (the run will say why)."""
    from scoutsim.config import load_scenario

    try:
        s = load_scenario(d / "scenario.yaml").scenario
    except BaseException:  # noqa: BLE001 - the real run reports whatever this was
        return None
    per_s = sum(g.count * (g.arrival.rate_per_s if g.arrival.kind == "poisson" else 1 / g.arrival.period_s)
                for g in s.agents)
    return (per_s * s.duration_s + sum(g.count for g in s.agents)) * s.replications


def run_case(case: Case, root: Path) -> tuple[str, str]:
    """Run one case in a fresh directory under ``root``: ('refused' | 'valid' | 'heavy' | 'FAILED', why)."""
    d = Path(tempfile.mkdtemp(dir=root))
    try:
        if case.copy_oracle:
            shutil.copytree(SHIPPED_ORACLE, d / "oracle")
            if case.oracle_edit is not None:
                case.oracle_edit(d / "oracle")
        for rel, data in case.files.items():
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            (d / rel).write_bytes(data)
        before = _listing(d)
        if case.argv[0] == "run" and case.kind != "long":  # long cases are sized when drawn
            # A mutation may turn a size into a valid but large one (10^5 agents take
            # gigabytes and minutes): validated, counted apart, and not run.
            work = _work(d)
            if work is not None and work > HEAVY_WORK:
                return "heavy", f"valid; {work:.3g} requests + agents, not run"
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(d)
        old = signal.signal(signal.SIGALRM, _alarm)
        limit = LONG_CASE_LIMIT_S if case.kind == "long" else CASE_LIMIT_S
        signal.alarm(limit)
        try:
            from scoutsim.cli import main

            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    rc = main(list(case.argv))
                except SystemExit as exc:  # argparse
                    rc = exc.code if isinstance(exc.code, int) else 2
        except _Timeout:
            return "FAILED", f"hang: still running after {limit} s"
        except BaseException as exc:  # noqa: BLE001 - any escape is the failure being hunted
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            return "FAILED", f"exception escaped main: {tb[-1500:]}"
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)
            os.chdir(cwd)
        stderr = err.getvalue()
        if rc in (130, 143):  # the fuzzer itself was interrupted (Ctrl-C, SIGTERM) during the case: stop
            raise KeyboardInterrupt
        leftovers = sorted(p.name for p in d.iterdir() if p.name.startswith(".out"))
        if leftovers:
            return "FAILED", f"{PARTIAL}: temporary directories left behind: {leftovers}"
        if case.kind == "long":
            if rc != 0:
                return "FAILED", f"a valid long scenario ended with exit {rc}: {stderr[-1500:]!r}"
            why = _check_valid(d / "out")
            return ("FAILED", f"{PARTIAL}: {why}" if "missing" in why else why) if why else ("valid", "")
        if rc == 0:
            why = _check_valid(d / "out") if case.argv[0] == "run" else (
                "" if (d / "out" / "summary.parquet").is_file() else "sweep exit 0 without summary.parquet")
            return ("FAILED", why) if why else ("valid", "")
        if rc != 2:
            return "FAILED", f"exit {rc}: {stderr[-1500:]!r}"
        why = _check_refused(case, stderr, d / "out")
        if not why and _listing(d) != before:
            why = f"refused, yet files changed: {sorted(set(_listing(d)) ^ set(before))[:5]}"
        return ("FAILED", why) if why else ("refused", "")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def fuzz(n: int, seed: int = 0, kinds: tuple[str, ...] = KINDS, report: Report | None = None,
         progress=None, long: bool = False) -> Report:
    """Run ``n`` cases split evenly over ``kinds`` (with ``long``: ``n`` long valid runs
    instead); Hypothesis draws them from ``seed``."""
    from hypothesis import HealthCheck, Phase, given, settings

    from scoutsim.bench.fuzz_long import long_case

    strategies = {"long": long_case} if long else STRATEGIES
    kinds = ("long",) if long else kinds
    report = report or Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scoutsim-fuzz-") as tmp:
        root = Path(tmp)
        for i, kind in enumerate(kinds):
            share = n // len(kinds) + (1 if i < n % len(kinds) else 0)
            if share == 0:
                continue

            @settings(max_examples=share, database=None, deadline=None, phases=[Phase.generate],
                      suppress_health_check=list(HealthCheck), derandomize=False)
            @given(strategies[kind]())
            def one(case: Case) -> None:
                outcome, why = run_case(case, root)
                report.record(kind, outcome, case.mutation, why)
                if progress:
                    progress(kind, outcome, case.mutation, why)

            # A seeded random source makes a run reproducible (Hypothesis' own seed API).
            from hypothesis import seed as hseed

            # Keyed by the kind's place in KINDS, not in this call's list, so that a run of
            # some kinds draws the same cases for them as a run of all.
            hseed(seed * 1000 + (KINDS + ("long",)).index(kind))(one)()
    report.seconds = time.perf_counter() - started
    return report
