"""The cell model against ns-3 LENA on a random family of cases it was not built from.

ns-3's side is stored in benchmarks/data/ (written by ``python -m scoutsim bench lte
--family 30 --seed 2026``); the models run here against it, without ns-3. The acceptance
rule was written before the numbers were seen: over every flow of the family, median
|error| <= 5 % and p90 <= 10 % for the cell model with ``rr``, and with ``pf`` under fading,
better than the baseline of equal time shares without resource blocks. Setting
SCOUTSIM_LTE_REGENERATE=1 (with ns-3 installed) reruns the first cases in ns-3 and checks
them against the stored numbers. The stored ones were collected before ns-3's stream
counter was reset per run (their random streams depended on the runs before them in the
same process), so a rerun agrees in distribution, not to the last digit.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from scipy.special import j0

import scoutsim.network.cell as cell_module
from scoutsim.bench import fadingtrace, ltefamily
from scoutsim.bench.ns3sim import available

N, SEED = 30, 2026
PATH = ltefamily.reference_path(N, SEED)


@pytest.fixture(scope="module")
def record():
    return ltefamily.load(PATH)


@pytest.fixture(scope="module")
def errors(record):
    return ltefamily.errors(record)


def flows(errors, model, scheduler=None, fading=None):
    out = []
    for (s, f), e in errors["errors"][model].items():
        if (scheduler is None or s == scheduler) and (fading is None or f == fading):
            out.extend(e)
    return np.abs(np.array(out, dtype=float))


def test_family_spans_the_issue_ranges(record):
    cases = ltefamily.cases_of(record)
    assert len(cases) == N
    assert min(len(c.distances) for c in cases) >= 2 and max(len(c.distances) for c in cases) <= 25
    assert sum(len(c.distances) > 8 for c in cases) >= 10  # beyond what one TTI serves at 25 blocks
    assert {c.resource_blocks for c in cases} == {25, 50, 100}
    assert {(c.scheduler, c.fading) for c in cases} == {("rr", False), ("rr", True), ("pf", False), ("pf", True)}
    assert {c.rlc_bytes for c in cases} == {1 << 20, 1 << 24}
    sizes = np.concatenate([c.sizes for c in cases])
    assert sizes.min() >= 0.2e6 - 1 and sizes.max() <= 20e6 + 1
    # the same seed draws the same family
    assert ltefamily.family(N, SEED) == cases


# The acceptance rule, written before the numbers were seen. It is not met (measured on
# seed 2026: rr median 7.9 %, p90 206 %; pf under fading median 48 %, p90 inf; p90 of the
# cell model above the baseline's): docs/models/cell.md says why. Strict: should
# a change make it pass, the test fails until this record is updated.
ACCEPTANCE_MISSED = pytest.mark.xfail(strict=True, reason="acceptance not met on seed 2026: docs/models/cell.md#validation")


@ACCEPTANCE_MISSED
@pytest.mark.parametrize("scheduler, fading", [("rr", None), ("pf", True)])
def test_cell_model_meets_the_acceptance_rule(errors, scheduler, fading):
    err = flows(errors, "cell", scheduler, fading)
    assert len(err) >= 30
    assert np.median(err) <= 0.05
    assert np.percentile(err, 90, method="higher") <= 0.10


@ACCEPTANCE_MISSED
def test_cell_model_beats_equal_time_shares(errors):
    cell, base = flows(errors, "cell"), flows(errors, "equal_time")
    assert np.median(cell) < np.median(base)
    assert np.percentile(cell, 90, method="higher") < np.percentile(base, 90, method="higher")


# Transport blocks (issue #20, the cell edge): the rule, written before cell_tb's numbers
# were seen. In each no-fading group (rr: 70 uploads, pf: 94), cell_tb's median |error| <=
# 5 % and p90 <= 10 %; secondarily, in each no-fading group its median and p90 are no
# worse than cell's. Fading groups are not judged (out of reach, docs/models/cell.md). The
# family is not blind to this change (it showed the cell-edge miss), but nothing was fitted
# on its shared cases: the 2-byte header is the protocol's, MCS and efficiency each UE's
# lone calibration's.

# Measured as first built: rr met (median 0.5 %, p90 7.1 %); pf not (median 1.2 %, p90
# 14.7 %: seven 900 m UEs of case 12 that ns-3 never completed and the model did). With ns-3's
# unused 7-byte grant, found afterwards on these misses, both pass (rr 0.5 %, 4.9 %; pf 1.0 %,
# 6.1 % over 87 uploads): on this family a fit, not a validation (docs/models/cell.md).
@pytest.mark.parametrize("scheduler", ["rr", "pf"])
def test_transport_blocks_meet_the_acceptance_rule_without_fading(errors, scheduler):
    err = flows(errors, "cell_tb", scheduler, False)
    assert len(err) >= 70
    assert not [f for f in errors["also_starved"]["cell_tb"] if f[0] != 12]  # only case 12's, as measured
    assert np.median(err) <= 0.05
    assert np.percentile(err, 90, method="higher") <= 0.10


@pytest.mark.parametrize("scheduler", ["rr", "pf"])
def test_transport_blocks_no_worse_than_the_linear_rule_without_fading(errors, scheduler):
    tb, linear = flows(errors, "cell_tb", scheduler, False), flows(errors, "cell", scheduler, False)
    assert np.median(tb) <= np.median(linear)
    assert np.percentile(tb, 90, method="higher") <= np.percentile(linear, 90, method="higher")


# What the family does establish (checks added after the numbers were seen, as guards
# against regressions; the numbers are in docs/models/cell.md).

def test_without_fading_the_cell_model_beats_equal_time_shares(errors):
    cell, base = flows(errors, "cell", fading=False), flows(errors, "equal_time", fading=False)
    assert len(cell) >= 100
    assert np.median(cell) < 0.8 * np.median(base)
    assert np.percentile(cell, 80) < np.percentile(base, 80)


def old_block_rule(n_rb, k):
    """The rule before issue 20: floor(N / k) blocks to each of k, all the time above N."""
    return k * (n_rb // k) / n_rb if k <= n_rb else 1.0


def test_the_lte_block_rule_beats_the_old_one(record, errors, monkeypatch):
    # Without fading, over 9-25 UEs at 25 blocks (8 served per TTI), where the rules differ.
    cases = [c for c in ltefamily.cases_of(record)
             if len(c.distances) > 8 and c.resource_blocks == 25 and not c.fading]
    assert len(cases) >= 3
    sub = {**record, "cases": [record["cases"][c.index] for c in cases], "ns3": [record["ns3"][c.index] for c in cases]}
    new = flows(ltefamily.errors(sub), "cell")
    monkeypatch.setattr(cell_module, "resource_block_share", old_block_rule)
    old = flows(ltefamily.errors(sub), "cell")
    assert np.median(new) < 0.6 * np.median(old)
    assert np.percentile(new, 75) < np.percentile(old, 75)


def test_lone_calibration_by_hand():
    # 0.5 MB in 1.1 s and 2.5 MB in 3.1 s: 2 MB more in 2 s, 1 MB/s; offset 1.1 - 0.5 = 0.6 s.
    one = ltefamily.lone([1.1, 3.1])
    assert one.rate == pytest.approx(1e6) and one.offset == pytest.approx(0.6)
    assert ltefamily.lone([1.1, None]) is None


def test_rayleigh_process_has_jakes_statistics():
    # Zheng & Xiao's sum of sinusoids: E|h|^2 = 1 and E[h(t) h*(t + tau)] = J0(2 pi f_d tau).
    rng = np.random.default_rng(np.random.SeedSequence(3))
    t = np.arange(0, 2000, 1e-3)
    h = np.mean([np.abs(fadingtrace.rayleigh_process(t[:200000], 5.0, rng)) ** 2 for _ in range(20)])
    assert h == pytest.approx(1.0, rel=0.05)
    for lag_ms in (10, 50, 77):
        acf = np.mean([np.mean(x[:-lag_ms] * np.conj(x[lag_ms:])).real
                       for x in (fadingtrace.rayleigh_process(t[:100000], 5.0, rng) for _ in range(40))])
        assert acf == pytest.approx(j0(2 * np.pi * 5.0 * lag_ms / 1000), abs=0.08)


def test_epa_trace_is_rayleigh_on_every_block():
    gains = 10 ** (fadingtrace.epa_gains_db(seed=4) / 10)
    assert gains.shape == (fadingtrace.RB_NUM, fadingtrace.SAMPLES)
    # |H|^2 exponential with mean 1: P(|H|^2 < 0.1) = 1 - exp(-0.1) = 0.095
    assert gains.mean() == pytest.approx(1.0, rel=0.15)
    assert np.mean(gains < 0.1) == pytest.approx(1 - math.exp(-0.1), abs=0.04)
    # EPA's 410 ns delay spread: neighbouring blocks fade almost together
    assert np.corrcoef(gains[0], gains[1])[0, 1] > 0.9
    assert np.array_equal(fadingtrace.epa_gains_db(seed=4), fadingtrace.epa_gains_db(seed=4))


@pytest.mark.skipif(not (available() and os.environ.get("SCOUTSIM_LTE_REGENERATE")),
                    reason="reruns ns-3 (minutes): set SCOUTSIM_LTE_REGENERATE=1, with the 'validation' extra")
def test_ns3_reproduces_the_stored_reference(record):
    def numbers(times):
        return np.array([math.nan if t is None else t for t in times], dtype=float)

    again = ltefamily.collect(2, SEED, log=lambda _line: None)
    got = np.concatenate([numbers(t) for t in again["ns3"]])
    stored = np.concatenate([numbers(t) for t in record["ns3"][:2]])
    assert np.array_equal(np.isnan(got), np.isnan(stored))  # the same UEs starve
    done = ~np.isnan(got)
    assert np.median(np.abs(got[done] / stored[done] - 1)) < 0.05


def test_an_installed_scoutsim_reads_the_stored_reference_and_never_writes_into_itself(tmp_path, monkeypatch,
                                                                                      capsys):
    import shutil

    from scoutsim import shipped
    from scoutsim.cli import main as cli_main

    data = tmp_path / "_shipped" / "benchmarks" / "data"  # the wheel's layout (setup.py)
    data.mkdir(parents=True)
    shutil.copy(PATH, data)
    monkeypatch.setattr(shipped, "_PACKAGED", tmp_path / "_shipped")
    assert ltefamily.reference_path(N, SEED) == data / PATH.name
    before = sorted(tmp_path.rglob("*"))
    # A family the installation has no reference for: refused (exit 2), nothing written there.
    assert cli_main(["bench", "lte", "--family", "5", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "needs a checkout of scoutsim" in err and f"stored: {PATH.stem}" in err
    assert sorted(tmp_path.rglob("*")) == before


# The blind check (benchmarks/lte_blind_check.py): 14 no-fading cases of family(30, 2027),
# run in ns-3 after the model was final, under a rule set before they ran: pooled over the
# uploads scored, cell_tb median |error| <= 5 % and p90 <= 10 %. Measured: median 1.0 %, p90
# 10.4 % over 169 uploads, so not met; near UEs on 50-100 blocks are predicted 7-14 % late.

@pytest.fixture(scope="module")
def blind():
    return ltefamily.errors(ltefamily.load(PATH.parent / "lte_blind_seed2027_flat.json"))


def pooled(errors, model):
    return np.abs(np.array([e for g in ltefamily.GROUPS for e in errors["errors"][model][g]], dtype=float))


@pytest.mark.xfail(strict=True, reason="blind check: p90 10.4 % on seed 2027, docs/models/cell.md#validation")
def test_transport_blocks_meet_the_rule_on_the_blind_check(blind):
    err = pooled(blind, "cell_tb")
    assert len(err) >= 150
    assert np.median(err) <= 0.05
    assert np.percentile(err, 90, method="higher") <= 0.10


# A guard added after the numbers were seen (cell: median 8.3 %, p90 21.1 % over 171 uploads).
def test_transport_blocks_beat_the_linear_rule_on_the_blind_check(blind):
    tb, linear = pooled(blind, "cell_tb"), pooled(blind, "cell")
    assert np.median(tb) < 0.25 * np.median(linear)
    assert np.percentile(tb, 90, method="higher") < 0.6 * np.percentile(linear, 90, method="higher")


# fading: epa on its blind cases (benchmarks/lte_fading_check.py): the fading cases of
# family(30, 2028) on seed 2026's trace and of family(30, 2029) on its own, under the rule in
# docs/verdict-rules.md ("Verdict rule for `fading: epa`"), set before they were scored.
# Measured, pooled: cell_epa median 11.1 %, 17 infinite errors over 210 uploads; cell 104.9 %
# and 17; cell_tb 189.1 % and 28.

@pytest.fixture(scope="module")
def faded():
    return [ltefamily.errors(ltefamily.load(PATH.parent / name))
            for name in ("lte_blind_seed2028_fading.json", "lte_blind_seed2029_fading_trace2029.json")]


def faded_errors(records, model):
    return np.abs(np.array([e for r in records for s in ("rr", "pf") for e in r["errors"][model][(s, True)]],
                           dtype=float))


def test_epa_meets_its_rule_on_the_blind_fading_cases(faded):
    epa, cell, tb = (faded_errors(faded, m) for m in ("cell_epa", "cell", "cell_tb"))
    assert len(epa) == len(cell) == len(tb) == 210
    assert np.median(epa) <= 0.5 * min(np.median(cell), np.median(tb))
    assert np.isinf(epa).sum() <= min(np.isinf(cell).sum(), np.isinf(tb).sum())


@pytest.mark.xfail(strict=True, reason="fading: epa p90 70 % (rr) and 97 % (pf) on its blind cases, "
                                        "docs/models/cell.md#validation")
def test_epa_meets_the_acceptance_on_the_blind_fading_cases(faded):
    for scheduler in ("rr", "pf"):
        err = np.abs(np.array([e for r in faded for e in r["errors"]["cell_epa"][(scheduler, True)]], dtype=float))
        assert np.median(err) <= 0.05
        assert np.percentile(err, 90, method="higher") <= 0.10
