"""``scoutsim bound SCENARIO [--against OTHER ...]``: the clairvoyant optimum and each policy's gap."""

from __future__ import annotations

import sys

from scoutsim.config import load_scenario
from scoutsim.errors import UserError
from scoutsim.shipped import scenario_argument


# Per-replication F1 above the bound by less than this is solver tolerance, not a violation.
TOLERANCE = 1e-9


def register(sub) -> None:
    p = sub.add_parser("bound", help="the clairvoyant optimum of a (small) scenario and each policy's gap to it",
                       description="Solve, per replication, the mixed-integer program of the best total F1 "
                       "(misses scored 0) that any policy and allocator could reach knowing every arrival, "
                       "question and the channel path in advance (scipy.optimize.milp, HiGHS; edge and "
                       "cloud queues relaxed, so it is an upper bound under every sharing rule and scheduler; "
                       "see docs/models/bound.md). Then simulate SCENARIO and every "
                       "--against scenario and print each one's F1 (misses scored 0) and its gap to the "
                       "bound, paired by replication, with 95 %% confidence intervals. Exit status 1 when "
                       "a simulated policy scores above the bound in any replication (a bug). Meant for small "
                       "instances: use --duration and --replications to keep the program small.")
    p.add_argument("scenario", type=scenario_argument,
                   help="scenario YAML file, or the name of a shipped scenario "
                        "(e.g. 8agents_100mbps; `scoutsim examples --list` lists them)")
    p.add_argument("--against", nargs="*", default=[], metavar="SCENARIO",
                   help="more scenarios that differ from SCENARIO only in allocator, sharing, policy or "
                   "estimator (the same arrivals, questions, channel and modes)")
    p.add_argument("--replications", type=int, help="override the replications (>= 1)")
    p.add_argument("--seed", type=int, help="override the root seed (>= 0)")
    p.add_argument("--duration", type=float, help="override duration_s (> 0)")
    p.add_argument("--time-limit", type=float, default=120.0,
                   help="HiGHS seconds per replication; past it the proven dual bound is reported (default 120)")
    p.set_defaults(func=main)


def main(args) -> int:
    import numpy as np

    from scoutsim.intervals import Interval, replication_proportion_interval, t_interval
    from scoutsim.results.summary import interval_text
    from scoutsim.sim.clairvoyant import bound, f1_misses_zero, instance
    from scoutsim.sim.records import misses_scored_zero
    from scoutsim.sim.runner import simulate

    overrides = {}
    for key, value in (("replications", args.replications), ("seed", args.seed), ("duration_s", args.duration)):
        if value is not None:
            overrides[key] = value
    if args.time_limit <= 0:
        raise UserError(f"--time-limit must be > 0, got {args.time_limit}")
    resolved = load_scenario(args.scenario, overrides)
    others = [(path, load_scenario(path, overrides)) for path in args.against]
    for path, other in others:
        if instance(other, 0) != instance(resolved, 0):
            raise UserError(f"{path}: does not see the same arrivals, questions, channel and modes as "
                            f"{args.scenario}; --against takes scenarios that differ only in allocator, "
                            "sharing, policy or estimator")
    s = resolved.scenario

    def text(ci: Interval) -> str:
        return interval_text(ci.estimate, ci.low, ci.high, ci.half_width)

    results = bound(resolved, time_limit_s=args.time_limit)
    best = f1_misses_zero(results)
    proven = sum(r.optimal for _, r in results)
    print(f"{s.name}: {s.replications} replications x {s.duration_s:g} s; clairvoyant optimum "
          f"({proven}/{len(results)} proven optimal, the rest HiGHS's dual bound)")
    print(f"  bound: F1 (misses scored 0) {text(replication_proportion_interval(best))}")
    width = max(len(str(p)) for p in [args.scenario, *args.against])
    above = []
    for path, res in [(args.scenario, resolved), *others]:
        df = simulate(res).assign(f0=lambda d: misses_scored_zero(d))
        got = df.groupby("replication")["f0"].mean().reindex(range(s.replications)).to_numpy()
        beats = np.flatnonzero(got > best + TOLERANCE)
        # Below the bound in every replication, each gap lies in [0, 1] (the clip removes
        # only solver tolerance), so its interval is cut there like an F1's.
        gaps = best - got
        gap_ci = t_interval(gaps) if beats.size else replication_proportion_interval(np.clip(gaps, 0, 1))
        print(f"  {str(path):{width}s}  F1 (misses scored 0) {text(replication_proportion_interval(got))}  "
              f"gap to bound {text(gap_ci)}")
        if beats.size:
            above.append(f"{path}: F1 {got[beats[0]]:.6f} above the bound {best[beats[0]]:.6f} in replication "
                         f"{beats[0]} ({beats.size} of {len(got)} replications)")
    print("values: mean ± 95 % CI half-width across replications, or mean[low,high] where the interval "
          "is cut at [0, 1]; gaps paired by replication")
    if above:
        # A policy above an upper bound means the bound (or the simulator) is wrong: an error.
        print("error: a simulated policy scored above the clairvoyant bound, which is a bug in the "
              "bound or the simulator; please report it with the scenario:\n  " + "\n  ".join(above),
              file=sys.stderr)
        return 1
    return 0
