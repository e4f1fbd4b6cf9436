"""Cost tables shared by the replications of a run (one process, through the question pools
they share: QuestionPool.cost_memo): a replication takes a question's payload, edge and cloud seconds from an earlier one instead
of working them out again. They are pure functions of the group's models and the question,
so the records cannot change; and the oracle's count of extrapolated timing look-ups (in
meta.json, the same for any --workers, where each worker process has tables of its own)
must stay what each replication's own look-ups would have added."""

from __future__ import annotations

import pandas as pd

from scoutsim.bench.scenarios import MAIN
from scoutsim.config import load_scenario
from scoutsim.physics.compute import ComputeModel
from scoutsim.sim.runner import run_replication, simulate
from scoutsim.sim.world import build_pools

REPLICATIONS = 3


def _run(resolved, share: bool, monkeypatch) -> tuple[list[pd.DataFrame], list[int], int]:
    calls = [0]
    real = ComputeModel.edge_seconds

    def counted(self, *args, **kwargs):
        calls[0] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ComputeModel, "edge_seconds", counted)
    frames, counts = [], []
    pools = build_pools(resolved) if share else None  # None: each world builds its own
    for r in range(REPLICATIONS):
        before = resolved.oracle.extrapolated
        frames.append(run_replication(resolved, r, pools))
        counts.append(resolved.oracle.extrapolated - before)
    monkeypatch.setattr(ComputeModel, "edge_seconds", real)
    return frames, counts, calls[0]


def test_shared_cost_tables_change_neither_records_nor_extrapolation_counts(monkeypatch):
    resolved = load_scenario(MAIN, {"replications": REPLICATIONS, "duration_s": 120})
    alone, alone_counts, alone_calls = _run(resolved, False, monkeypatch)
    shared, shared_counts, shared_calls = _run(resolved, True, monkeypatch)
    for a, b in zip(alone, shared):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    # The main scenario's whole answers run past the oracle's measured lengths, so the
    # count is not trivially zero, and each replication's is its own.
    assert sum(alone_counts) > 0
    assert shared_counts == alone_counts
    # The tables were shared: later replications worked out fewer questions.
    assert shared_calls < alone_calls


def test_a_run_counts_the_same_extrapolations_with_one_process_or_two():
    one = load_scenario(MAIN, {"replications": REPLICATIONS, "duration_s": 120})
    two = load_scenario(MAIN, {"replications": REPLICATIONS, "duration_s": 120})
    a = simulate(one, workers=1)
    b = simulate(two, workers=2)  # each worker process: tables of its own replication
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert one.oracle.extrapolated == two.oracle.extrapolated > 0
