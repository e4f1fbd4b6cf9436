"""The run summary's intervals stay inside each metric's range, and the table says so.

Numbers by hand: on-time shares 1, 1, 1, 0.8 over four replications have mean 0.95, sample
standard deviation 0.1, standard error 0.05 and t(0.975, 3) = 3.1824, so the Student-t
interval is 0.95 +- 0.1591 = [0.7909, 1.1091]; a share cannot exceed 1, so the summary
reports [0.7909, 1]. A latency (unbounded) keeps its symmetric t interval.
"""

from __future__ import annotations

import math

import pytest

from scoutsim.results.summary import format_table, is_bounded, summary_from_replications


def _rep(on_time: float, latency: float) -> dict:
    metrics = {"requests": 10.0, "deadline_compliance": on_time, "mean_f1": 0.5, "f1_misses_zero": 0.5 * on_time,
               "latency_p50_s": latency, "latency_p95_s": latency, "latency_p99_s": latency,
               "bytes_per_request": 1e6, "unfinished": 0.0, "mode_share:int8": 1.0}
    return {"all": metrics}


def test_share_interval_is_cut_at_one_and_printed_as_such():
    summary = summary_from_replications([_rep(1.0, 2.0), _rep(1.0, 3.0), _rep(1.0, 2.0), _rep(0.8, 3.0)])
    row = summary[summary["metric"] == "deadline_compliance"].iloc[0]
    assert row["mean"] == pytest.approx(0.95, abs=1e-12)
    assert row["ci95_low"] == pytest.approx(0.95 - 3.182446 * 0.05, abs=1e-6)
    assert row["ci95_high"] == 1.0
    lat = summary[summary["metric"] == "latency_p95_s"].iloc[0]
    # 2, 3, 2, 3: mean 2.5, sd 0.57735, se 0.288675; half = 3.182446 x 0.288675 = 0.918693
    assert lat["ci95_half"] == pytest.approx(0.918693, abs=1e-6)
    assert lat["ci95_high"] - lat["mean"] == pytest.approx(lat["mean"] - lat["ci95_low"], abs=1e-12)
    table = format_table(summary)
    assert "0.950[0.791,1.000]" in table
    assert "2.50±0.92" in table


def test_no_bounded_interval_leaves_zero_one_even_at_the_edges():
    # All-zero and all-one shares, and shares hugging 0: every end stays in [0, 1].
    reps = [_rep(v, 1.0) for v in (0.0, 0.0, 0.02, 0.0, 0.0)] + [_rep(1.0, 1.0)]
    summary = summary_from_replications(reps)
    for _, row in summary.iterrows():
        if is_bounded(row["metric"]) and not math.isnan(row["ci95_low"]):
            assert 0.0 <= row["ci95_low"] <= row["mean"] <= row["ci95_high"] <= 1.0, row.to_dict()
    zero = summary_from_replications([_rep(0.0, 1.0)] * 3)
    row = zero[zero["metric"] == "deadline_compliance"].iloc[0]
    assert (row["ci95_low"], row["ci95_high"]) == (0.0, 0.0)


def test_counts_seconds_and_bytes_are_cut_at_zero():
    # p95 latencies 0.2 and 3.0 over two replications: mean 1.6, sd 1.979899, se 1.4;
    # t(0.975, 1) = 12.706205, so the t interval is 1.6 +- 17.788687 = [-16.188687, 19.388687].
    # A latency cannot be negative: the summary reports [0, 19.388687] and prints it cut.
    summary = summary_from_replications([_rep(1.0, 0.2), _rep(1.0, 3.0)])
    lat = summary[summary["metric"] == "latency_p95_s"].iloc[0]
    assert lat["ci95_low"] == 0.0
    assert lat["ci95_high"] == pytest.approx(1.6 + 12.706205 * 1.4, abs=1e-5)
    assert "1.60[0.00,19.39]" in format_table(summary)
    for _, row in summary.iterrows():
        if not math.isnan(row["ci95_low"]):
            assert row["ci95_low"] >= 0.0, row.to_dict()


def test_error_bars_reach_the_ends_of_a_cut_interval():
    from scoutsim.results.summary import error_bars
    # On time 0.795 [0.295, 1] (cut at 1), in %: 50 below the mean and 20.5 above, not 35.25 both ways
    # (which would draw the bar to 115 %); an undefined interval (one replication) draws none.
    bars = error_bars([0.795, 0.5], [0.295, math.nan], [1.0, math.nan], 100.0)
    assert bars.shape == (2, 2)
    assert bars[:, 0] == pytest.approx([50.0, 20.5])
    assert list(bars[:, 1]) == [0.0, 0.0]
