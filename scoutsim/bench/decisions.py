"""``bench decisions --family N --seed S``: every decision option on a generated family.

For each scenario of :func:`scoutsim.bench.family.family` and each option (every static mode of
its mode list, ``adaptive``, ``adaptive+fallback``, ``expected_f1``, ``expected_f1+fallback``,
``expected_f1:in_flight``, ``expected_f1:in_flight,decline``,
``expected_f1:in_flight,decline,priced``, ``expected_f1:in_flight,decline,cloud_priced``,
``expected_f1:in_flight,decline,predictive``,
``expected_f1:in_flight,decline,cloud_priced,own_edge,predictive,live`` (the recommendation), and each of those ten with the ``robust_mpc``
estimator, with the online allocators ``deadline`` and ``joint``, and with
``cloud_aware: true`` and ``probe`` (alone, with ``estimator_warmup: {}`` or with ``estimator_prior: offer``); or the adaptive options named by ``--options``), the
scenario is simulated with the option given to every group.
The replications of one scenario use the same seed whatever the option, so each sees the same
arrivals, questions and channel path (common random numbers) and differences are paired by
replication.

A *case* is a scenario x group. Per case, the best static mode is the group's static mode of
highest mean F1 (misses scored 0); an option is *worse beyond the CI* in a case when the
paired 95 % Student-t interval of (option - best static) lies below 0. Where the scenario is
small enough (:data:`BOUND_MAX_REQUESTS` expected requests per replication), the clairvoyant
bound is solved per replication too, and every option's F1 over all requests must stay at
or below it in every replication (:data:`TOLERANCE`).

A simulation that the world's stall guard stops (:mod:`scoutsim.sim.stall`: simulated time
no longer advancing, a bug report) or that runs longer than :data:`STALL_SECONDS` of wall time
(the normal ones take a few seconds) is left out of every count and reported as stalled: a
simulator fault to fix there, not a result of the option.
"""

from __future__ import annotations

import copy
import math
import signal
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scoutsim.bench.family import family
from scoutsim.intervals import t_interval, within

ADAPTIVE = ("adaptive", "adaptive+fallback", "expected_f1", "expected_f1+fallback", "expected_f1:in_flight",
            "expected_f1:in_flight,decline", "expected_f1:in_flight,decline,priced",
            "expected_f1:in_flight,decline,cloud_priced", "expected_f1:in_flight,decline,predictive",
            "expected_f1:in_flight,decline,cloud_priced,own_edge,predictive,live")
# (label suffix, changes to every group, allocator): each adaptive policy is tried under each.
VARIANTS: tuple[tuple[str, dict, str | None], ...] = (
    ("", {}, None), (" robust_mpc", {"estimator": "robust_mpc"}, None), (" deadline", {}, "deadline"),
    (" joint", {}, "joint"), (" cloud_aware", {"cloud_aware": True}, None),
    (" cloud_aware probe", {"cloud_aware": "probe"}, None),
    (" cloud_aware probe warmup", {"cloud_aware": "probe", "estimator_warmup": {}}, None),
    (" cloud_aware probe offer", {"cloud_aware": "probe", "estimator_prior": "offer"}, None))
BOUND_MAX_REQUESTS = 80.0  # expected requests per replication, all groups
BOUND_SECONDS = 20.0  # HiGHS time limit per replication (past it: its proven dual bound)
TOLERANCE = 1e-9
STALL_SECONDS = 120.0
MAX_SHARE, MAX_DEFICIT = 0.05, 0.03  # the acceptance: at most 5 % of cases, never by > 0.03 F1
# A loss is a paired CI entirely below 0; with fewer replications t grows (12.7 at two) and
# nothing can lose, so the verdict would get easier: below this many it is not given.
MIN_REPLICATIONS = 4
# The options the project recommends (README), measured on this family: see docs/models/fallback.md
# and docs/models/decisions-family.md.
RECOMMENDED = "expected_f1:in_flight,decline,cloud_priced,own_edge,predictive,live cloud_aware probe offer"


def _change(policy: str, changes: dict, allocator: str | None) -> dict:
    """The changes to every group that give them ``policy`` under one of :data:`VARIANTS`."""
    change = {"policy": policy, **changes}
    if allocator:
        change["allocator"] = allocator
    return change


def option(label: str) -> dict | None:
    """The changes to every group that ``label`` names: ``POLICY`` or ``POLICY VARIANT`` (a
    suffix of :data:`VARIANTS`), with ``POLICY`` any policy the registry parses, not only those
    of :data:`ADAPTIVE` (``static:`` modes, ``+fallback`` or not, are not: every label that
    starts so is counted as a baseline); None if it names none."""
    from scoutsim.decisions.policy import parse_policy

    # The longest variant the label ends with (the plain one, "", always matches).
    suffix, changes, allocator = max((v for v in VARIANTS if label.endswith(v[0])), key=lambda v: len(v[0]))
    policy = label[:len(label) - len(suffix)]
    try:
        spec = parse_policy(policy)
    except ValueError:
        return None
    if spec.name == "static" or str(spec) != policy:  # labels "static:..." are the baselines
        return None
    return _change(policy, changes, allocator)


def options(modes: list[str], only: Sequence[str] | None = None) -> list[tuple[str, dict]]:
    """(label, changes to every group) for every option on a scenario with ``modes``: every
    static mode, then the adaptive options (those named in ``only``, in its order, when given;
    see :func:`option`)."""
    out: list[tuple[str, dict]] = [(f"static:{m}", {"policy": f"static:{m}"}) for m in modes]
    if only is not None:
        for label in only:
            change = option(label)
            if change is None:
                raise ValueError(f"no option {label!r} (scoutsim.bench.decisions.option)")
            out.append((label, change))
        return out
    return out + [(policy + suffix, _change(policy, changes, allocator))
                  for suffix, changes, allocator in VARIANTS for policy in ADAPTIVE]


def apply(data: dict, change: dict) -> dict:
    data = copy.deepcopy(data)
    for g in data["agents"]:
        g.update({k: v for k, v in change.items() if k != "allocator"})
    if "allocator" in change:
        for u in data["uplinks"]:
            u["allocator"] = change["allocator"]
            if u.get("scheduler") in ("pf", "max_rate"):
                del u["scheduler"]  # under time_share an online allocator is the cell's scheduler
    return data


@dataclass
class ScenarioResult:
    name: str
    groups: list[str]
    f1: dict[str, np.ndarray] = field(default_factory=dict)  # option -> (replications, groups)
    overall: dict[str, np.ndarray] = field(default_factory=dict)  # option -> per replication, all requests
    bound: np.ndarray | None = None  # per replication
    stalled: str | None = None  # the option whose simulation stalled; the scenario is then left out


class Stalled(Exception):
    pass


@contextmanager
def wall_limit(seconds: float):
    """Raise :class:`Stalled` in the block once it has run ``seconds`` of wall time."""
    def stop(_signum, _frame):
        raise Stalled(f"ran past {seconds:g} s of wall time")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def expected_requests(data: dict) -> float:
    return sum(g["count"] * g["arrival"]["rate_per_s"] for g in data["agents"]) * data["duration_s"]


def run_scenario(data: dict, root: Path, with_bound: bool = True,
                 only: Sequence[str] | None = None, oracles: dict | None = None) -> ScenarioResult:
    """``oracles``: caches already loaded (:func:`scoutsim.config.loader.scenario_from_dict`),
    shared by every option and scenario instead of loaded for each."""
    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.errors import BugReport
    from scoutsim.sim.clairvoyant import bound, f1_misses_zero
    from scoutsim.sim.records import misses_scored_zero
    from scoutsim.sim.runner import simulate

    reps = data["replications"]
    groups = [g["name"] for g in data["agents"]]
    res = ScenarioResult(data["name"], groups)
    oracles = {} if oracles is None else oracles
    for label, change in options(data["agents"][0]["modes"], only):
        try:
            with wall_limit(STALL_SECONDS):
                df = simulate(scenario_from_dict(apply(data, change), source=data["name"], base_dir=root,
                                                 oracles=oracles))
        except (Stalled, BugReport):
            res.stalled = label
            return res
        df = df.assign(f0=misses_scored_zero(df))
        table = df.pivot_table(index="replication", columns="group", values="f0", aggfunc="mean")
        res.f1[label] = table.reindex(index=range(reps), columns=range(len(groups))).to_numpy()
        res.overall[label] = df.groupby("replication")["f0"].mean().reindex(range(reps)).to_numpy()
    if with_bound and expected_requests(data) <= BOUND_MAX_REQUESTS:
        resolved = scenario_from_dict(data, source=data["name"], base_dir=root, oracles=oracles)
        res.bound = f1_misses_zero(bound(resolved, time_limit_s=BOUND_SECONDS))
    return res


@dataclass
class Case:
    scenario: str
    group: str
    best_static: str
    diff: float  # option - best static, mean over replications
    low: float
    high: float


def cases(results: list[ScenarioResult], option: str) -> list[Case]:
    out = []
    for res in results:
        if res.stalled:
            continue
        statics = [k for k in res.f1 if k.startswith("static:")]
        for g, name in enumerate(res.groups):
            best = max(statics, key=lambda k: np.nanmean(res.f1[k][:, g]))
            d = res.f1[option][:, g] - res.f1[best][:, g]
            d = d[~np.isnan(d)]
            if len(d) < 2:
                continue
            ci = within(t_interval(d), -1.0, 1.0)  # a difference of F1s
            out.append(Case(res.name, name, best, ci.estimate, ci.low, ci.high))
    return out


def bound_violations(results: list[ScenarioResult]) -> list[str]:
    found = []
    for res in results:
        if res.bound is None or res.stalled:
            continue
        for option, got in res.overall.items():
            above = np.flatnonzero(got > res.bound + TOLERANCE)
            found += [f"{res.name} {option} replication {r}: {got[r]:.6f} > bound {res.bound[r]:.6f}" for r in above]
    return found


def summary(results: list[ScenarioResult]) -> list[dict]:
    """Per non-static option: cases worse than the best static beyond the CI, the worst such
    deficit, the mean paired difference, the mean gap to the bound, and the case of largest
    mean deficit whether or not it is beyond the CI (``deepest``; None when no case is below
    its best static in the mean): a loss whose interval is too wide to count still shows."""
    labels = list(dict.fromkeys(label for r in results for label in r.f1 if not label.startswith("static:")))
    rows = []
    for label in labels:
        cs = cases(results, label)
        worse = [c for c in cs if c.high < 0]
        below = [c for c in cs if c.diff < 0]
        gaps = [np.nanmean(r.bound - r.overall[label]) for r in results if r.bound is not None and not r.stalled]
        rows.append({"option": label, "cases": len(cs), "worse": len(worse),
                     "worst": min((c.diff for c in worse), default=0.0),
                     "mean_diff": float(np.mean([c.diff for c in cs])) if cs else math.nan,
                     "gap": float(np.mean(gaps)) if gaps else math.nan, "bounded": len(gaps),
                     "losses": worse, "deepest": min(below, key=lambda c: c.diff, default=None)})
    return rows


def verdict(row: dict) -> bool:
    return row["worse"] <= MAX_SHARE * row["cases"] and row["worst"] >= -MAX_DEFICIT


def judged(row: dict, violations: list[str], replications: int) -> str:
    """PASS or FAIL; a bound exceeded fails whatever the replications."""
    if violations:
        return "FAIL"
    if replications < MIN_REPLICATIONS:
        return "not judged"
    return "PASS" if verdict(row) else "FAIL"


def report(rows: list[dict], violations: list[str], header: str, stalled: Sequence[str] = (), *,
           replications: int) -> list[str]:
    lines = [header] + [f"left out: {s}" for s in stalled]
    width = max([34] + [len(r["option"]) for r in rows])
    lines.append(f"{'option':{width}s} {'worse than best static beyond CI':>32s} {'worst':>7s} "
                 f"{'mean diff':>9s} {'gap to bound':>12s} verdict")
    for r in sorted(rows, key=lambda r: (r["worse"], -r["mean_diff"])):
        share = f"{r['worse']}/{r['cases']} ({100 * r['worse'] / max(r['cases'], 1):.1f} %)"
        gap = f"{r['gap']:.3f} (n={r['bounded']})" if r["bounded"] else "-"
        lines.append(f"{r['option']:{width}s} {share:>32s} {r['worst']:7.3f} {r['mean_diff']:+9.3f} {gap:>12s} "
                     f"{judged(r, violations, replications)}")
    lines.append(f"verdict: PASS when at most {MAX_SHARE:.0%} of cases are worse than the best static beyond the CI, "
                 f"none by more than {MAX_DEFICIT} F1, and the bound is never exceeded; given with at least "
                 f"{MIN_REPLICATIONS} replications")
    if replications < MIN_REPLICATIONS and not violations:
        lines.append(f"verdict not judged: fewer than {MIN_REPLICATIONS} replications ({replications})")
    # The recommended option's losses; where --options left it out, those of every option run.
    shown = [r for r in rows if r["option"] == RECOMMENDED] or rows
    for rec in shown:
        label = "recommended " if rec["option"] == RECOMMENDED else ""
        lines.append(f"{label}{rec['option']}: {judged(rec, violations, replications)}")
        for c in rec["losses"]:
            lines.append(f"  loses in {c.scenario} {c.group}: {c.diff:+.3f} [{c.low:+.3f}, {c.high:+.3f}] "
                         f"against static {c.best_static.split(':', 1)[1]}")
        lines += _deepest(rec)
    names = {rec["option"] for rec in shown}
    for other in rows:  # every other option run: its largest mean deficit too
        if other["option"] not in names:
            lines.append(f"{other['option']}:")
            lines += _deepest(other)
    lines.append(f"bound: {len(violations)} replications above it" + "".join(f"\n  {v}" for v in violations))
    return lines


def _deepest(row: dict) -> list[str]:
    # A row made elsewhere than summary() may lack "deepest": its worst counted loss stands in.
    deep = row.get("deepest") or min(row.get("losses", ()), key=lambda c: c.diff, default=None)
    if deep is None:
        if not row.get("cases"):
            return ["  largest mean deficit: no cases"]
        return ["  largest mean deficit: none (no case below its best static mode in the mean)"]
    return [f"  largest mean deficit, beyond the CI or not: {deep.scenario} {deep.group}: {deep.diff:+.3f} "
            f"[{deep.low:+.3f}, {deep.high:+.3f}] against static {deep.best_static.split(':', 1)[1]}"]


def run_family(n: int, seed: int, root: Path, duration_s: float, replications: int, progress=None,
               only: Sequence[str] | None = None):
    results: list[ScenarioResult] = []
    oracles: dict = {}
    for data in family(n, seed, str(root), duration_s, replications):
        results.append(run_scenario(data, root, only=only, oracles=oracles))
        if progress is not None:
            progress(results[-1])
    return results
