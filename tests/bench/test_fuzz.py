"""Hostile input: a few hundred fuzz cases per CI run (``python -m scoutsim bench fuzz
--n 10000`` is the full run; benchmarks/README.md records its result). Every case must be
refused cleanly (exit 2, one message naming the file, nothing written) or run correctly.

The checker itself is tested first on cases whose outcome is known, so that a fuzz run
that reports no failures means something.
"""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis", reason='the fuzzer needs hypothesis: pip install "scoutsim[dev]"')

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from scoutsim.bench import fuzz as fuzz_module  # noqa: E402
from scoutsim.bench.fuzz import Report, fuzz, run_case  # noqa: E402
from scoutsim.bench.fuzz_inputs import RUN, Case, _dump, base_scenario  # noqa: E402
from scoutsim.bench.fuzz_long import long_case  # noqa: E402


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
    # An internal error (which the command line turns into one message, exit 1) is a
    # failure, reported with what it was.
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


def _long(**changes):
    data = base_scenario(oracle="published-squad-v2")
    data.update(changes)
    return Case("long", "test", {"scenario.yaml": _dump(data)}, RUN, ["scenario.yaml"])


def test_long_checker_counts_hangs_refusals_and_partial_outputs(tmp_path, monkeypatch):
    assert run_case(_long(duration_s=30.0), tmp_path) == ("valid", "")
    # A long case is valid by construction: a refusal is the simulator's failure.
    outcome, why = run_case(_long(duration_s=-1.0), tmp_path)
    assert outcome == "FAILED" and "valid long scenario ended with exit 2" in why
    # A run that never ends is stopped by the alarm and counted as a hang.
    import scoutsim.sim.world as world

    monkeypatch.setattr(fuzz_module, "LONG_CASE_LIMIT_S", 1)
    def spin(self):
        while True:
            pass

    monkeypatch.setattr(world.World, "run_to_end", spin)
    report = Report()
    outcome, why = run_case(_long(), tmp_path)
    report.record("long", outcome, "planted hang", why)
    assert outcome == "FAILED" and why.startswith("hang") and report.hangs() == 1
    monkeypatch.undo()
    # A temporary folder left beside the output is a partial output.
    import scoutsim.results.output as output

    monkeypatch.setattr(output, "swap_in", lambda tmp, out: out)
    outcome, why = run_case(_long(), tmp_path)
    report.record("long", outcome, "planted leftover", why)
    assert outcome == "FAILED" and why.startswith("partial output") and report.partial() == 1


def test_long_cases_span_what_they_claim():
    seen = {"sharing": set(), "scheduler": set(), "allocator": set(), "policy": set(), "arrival": set(),
            "arrivals": set(), "channel": set()}
    levels, durations = [], []

    # Derandomized: what 300 draws cover is a claim about the generator, not a lottery (a random
    # seed once drew no adaptive+fallback in 300 cases and failed a full run).
    @settings(max_examples=300, database=None, deadline=None, phases=[Phase.generate], derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(long_case())
    def draw(case):
        import yaml

        data = yaml.safe_load(case.files["scenario.yaml"])
        durations.append(data["duration_s"])
        seen["arrivals"].add(data["arrivals"])
        for u in data["uplinks"]:
            seen["sharing"].add(u["sharing"])
            seen["scheduler"].add(u.get("scheduler"))
            seen["allocator"].add(u["allocator"])
            seen["channel"].add(u["channel"]["kind"])
            levels.extend(u["channel"].get("states_mbps", [u["channel"].get("mbps", 1.0)]))
        for g in data["agents"]:
            seen["policy"].add(g["policy"].split(":")[0])
            seen["arrival"].add(g["arrival"]["kind"])

    draw()
    assert seen["sharing"] == {"work_conserving", "reserved", "time_share"}
    assert {"rr", "weighted", "max_rate", "pf"} <= seen["scheduler"]
    assert {"deadline", "joint", "equal", "model_aware", "quality_max"} <= seen["allocator"]
    assert {"adaptive", "adaptive+fallback", "expected_f1", "expected_f1+fallback", "static"} <= seen["policy"]
    assert seen["arrival"] == {"poisson", "periodic"} and seen["arrivals"] == {"per_device", "superposed"}
    assert seen["channel"] == {"trace", "trace_pool", "markov", "constant"}
    assert min(levels) < 1e-2 and max(levels) > 1e3 and max(durations) > 500


def test_a_few_dozen_long_cases_run_to_the_end():
    report = fuzz(30, seed=20260102, long=True)
    failures = "\n".join(f"[{k}] {m}: {w}" for k, m, w in report.failures[:10])
    assert not report.failures, failures
    assert report.counts[("long", "valid")] == 30
