"""Hostile input: a few hundred fuzz cases per CI run (``python -m scoutsim bench fuzz
--n 10000`` is the full run; benchmarks/README.md records its result). Every case must be
refused cleanly (exit 2, one message naming the file, nothing written) or run correctly.

The checker itself is tested first on cases whose outcome is known, so that a fuzz run
that reports no failures means something.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis", reason='the fuzzer needs hypothesis: pip install "scoutsim[dev]"')

from scoutsim.bench.fuzz import fuzz, run_case  # noqa: E402
from scoutsim.bench.fuzz_inputs import RUN, Case, _dump, base_scenario  # noqa: E402


def _case(data=None, text=None, **kw):
    body = text if text is not None else _dump(data if data is not None else base_scenario())
    return Case("scenario", "test", {"scenario.yaml": body}, RUN, ["scenario.yaml"], copy_oracle=True, **kw)


def test_checker_accepts_a_valid_run_and_a_clean_refusal(tmp_path):
    assert run_case(_case(), tmp_path) == ("valid", "")
    bad = base_scenario()
    bad["agents"][0]["deadline_s"] = float("nan")
    assert run_case(_case(bad), tmp_path) == ("refused", "")
    dup = _dump(base_scenario()) + b"seed: 3\n"
    assert run_case(_case(text=dup, key="seed"), tmp_path) == ("refused", "")


def test_checker_catches_what_it_must(tmp_path, monkeypatch):
    # A refusal that does not name the key the case expects is a failure.
    bad = base_scenario()
    bad["bogus"] = 1
    outcome, why = run_case(_case(bad, key="not_the_key"), tmp_path)
    assert outcome == "FAILED" and "does not name the key" in why
    # An exception escaping the command is a failure, reported with its traceback.
    import scoutsim.commands.run as run_cmd

    def boom(*a, **k):
        raise ZeroDivisionError("planted")

    monkeypatch.setattr(run_cmd, "load_scenario", boom)
    outcome, why = run_case(_case(), tmp_path)
    assert outcome == "FAILED" and "ZeroDivisionError: planted" in why


def test_a_few_hundred_cases_end_cleanly():
    report = fuzz(240, seed=20260101)
    failures = "\n".join(f"[{k}] {m}: {w}" for k, m, w in report.failures[:10])
    assert not report.failures, failures
    for kind in ("scenario", "trace", "sweep", "oracle"):
        assert report.counts[(kind, "refused")] > 0  # the mutations do hit the validators
    assert sum(report.counts.values()) == 240
