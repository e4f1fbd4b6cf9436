"""``scoutsim bench [NAME ...] [--quick]``: the performance and fidelity benchmarks;
``scoutsim bench fuzz --n N``: the hostile-input fuzzer (scoutsim/bench/fuzz.py);
``scoutsim bench decisions --family N --seed S``: every decision option on a generated scenario
family (scoutsim/bench/decisions.py)."""

from __future__ import annotations

import sys

from scoutsim.commands import plugins
from scoutsim.errors import UserError

PROGRESS_EVERY = 250  # fuzz cases between progress lines on stderr


def register(sub) -> None:
    from scoutsim.bench.suite import BENCHMARKS

    listing = "; ".join(f"{k}: {v[1]}" for k, v in BENCHMARKS.items())
    p = sub.add_parser("bench", help="performance benchmarks",
                       description="Run benchmarks and print ratios measured within the run (timings on a "
                       f"shared machine are noisy; ratios are not). Benchmarks: {listing}. "
                       "'bench fuzz --n N' instead runs N hostile-input cases (mutated scenarios, traces, "
                       "sweep grids and oracle caches) through the command line and prints counts per "
                       "input kind; it exits 1 if any case crashed, hung, left output or gave an unclear "
                       "message (needs hypothesis: the dev extra). 'bench decisions --family N --seed S' draws N random "
                       "scenarios and compares every decision option on each against the best static mode "
                       "(paired 95 % CIs) and the clairvoyant bound (docs/models/fallback.md); it exits 1 if "
                       "any option scores above the bound.")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help=f"which ones (default: all): {', '.join(BENCHMARKS)}; or fuzz; or decisions")
    p.add_argument("--quick", action="store_true", help="a reduced run that checks the code runs, not its speed")
    p.add_argument("--profile", action="store_true", default=None,
                   help="main: print a profile even when the targets are met")
    p.add_argument("--queue", choices=("deep", "codel"), default=None,
                   help="ns3: the bottleneck's queues (default deep: per-flow queues without AQM drops)")
    plugins.add_argument(p)
    p.add_argument("--n", type=int, default=1000, help="fuzz: number of cases (default 1000)")
    p.add_argument("--seed", type=int, default=None,
                   help="fuzz, decisions and lte --family: seed of the case or scenario generator (default 0)")
    p.add_argument("--long", action="store_true",
                   help="fuzz: instead of hostile input, N valid scenarios of up to 600 s drawn across channels "
                        "(1e-3 to 1e4 Mbps), sharing rules, schedulers, allocators, policies and arrival kinds; "
                        "each must run to a complete output under a wall-clock alarm (a hang fails)")
    p.add_argument("--family", type=int, default=None, metavar="N",
                   help="decisions: number of generated scenarios (default 60); lte: instead of its fixed cases, "
                   "N random ones (2-25 UEs, 25/50/100 resource blocks, rr and pf, with and without fading; "
                   "scoutsim/bench/ltefamily.py), each model calibrated from lone-UE ns-3 runs; ns-3's results "
                   "are kept in benchmarks/data/ and reused")
    p.add_argument("--options", nargs="+", metavar="OPTION",
                   help="decisions: only these adaptive options beside the static modes: 'POLICY' or 'POLICY "
                   "VARIANT', any adaptive policy with any variant, e.g. 'expected_f1' 'expected_f1:in_flight,"
                   "decline,cloud_priced,predictive cloud_aware probe' (default: a set of 80; a wrong one is told "
                   "the variants and that set)")
    p.add_argument("--comparisons", action="store_true",
                   help="decisions: instead of a family, the shipped comparison files (scenarios/compare_policies/, "
                   "compare_allocators/), each group's option against its best static mode as "
                   "tests/decisions/test_comparisons.py judges the recommendation (each file's seed, 20 or 12 "
                   "replications x 600 s: no --seed, --replications or --duration; about a minute an option; "
                   "a report, exit status 0); with --options, those options, else each file's '# recommended:' line")
    p.add_argument("--replications", type=int, default=None,
                   help="decisions: replications per scenario (default 4; with 2 or 3 the report gives no "
                   "PASS/FAIL verdict, as no paired CI of 2 or 3 values lies wholly below 0 unless the loss is large)")
    p.add_argument("--duration", type=float, default=None, help="decisions: duration_s per scenario (default 90)")
    p.add_argument("--kind", action="append", choices=["scenario", "trace", "sweep", "oracle"],
                   help="fuzz: only these input kinds (repeatable; default all)")
    p.set_defaults(func=main)


def _fuzz(args) -> int:
    try:
        import hypothesis  # noqa: F401
    except ModuleNotFoundError:
        raise UserError('bench fuzz needs hypothesis; install it with: pip install "scoutsim[dev]"') from None
    from scoutsim.bench.fuzz import fuzz
    from scoutsim.bench.fuzz_inputs import KINDS

    if args.n < 1:
        raise UserError(f"--n must be >= 1, got {args.n}")

    done = []

    def progress(kind, outcome, mutation, why):
        if outcome == "FAILED":
            print(f"FAILED [{kind}] {mutation}: {why}", file=sys.stderr)
        done.append(outcome == "FAILED")
        if len(done) % PROGRESS_EVERY == 0:  # a long run says how far it got, and how it went so far
            print(f"{len(done)} cases, {sum(done)} failed", file=sys.stderr, flush=True)

    if args.long and args.kind:
        raise UserError("bench fuzz: --long runs valid long scenarios only; it takes no --kind")
    report = fuzz(args.n, args.seed, tuple(args.kind or KINDS), progress=progress, long=args.long)
    print(report.table())
    print(f"{sum(report.counts.values())} cases (seed {args.seed}) in {report.seconds:.0f} s; "
          f"{len(report.failures)} failed (traceback, crash, hang, unclear message or output written); "
          f"{report.hangs()} hangs; {report.partial()} partial outputs")
    return 1 if report.failures else 0


def _comparisons(args) -> int:
    from scoutsim import shipped
    from scoutsim.bench.comparisons import FOLDERS, compare, comparison_files, report
    from scoutsim.bench.decisions import options

    given = [flag for flag, value in (("--replications", args.replications), ("--duration", args.duration),
                                      ("--seed", args.seed)) if value is not None]
    if given:
        raise UserError(f"bench decisions --comparisons runs each file with its own seed and the test's replications "
                        f"and duration (scoutsim/bench/comparisons.py FOLDERS); it takes no {', '.join(given)}")
    root = shipped.folder("scenarios").parent
    for folder in FOLDERS:
        if not any((root / "scenarios" / folder).glob("*.yaml")):
            raise UserError(f"bench decisions --comparisons: no comparison files in {root / 'scenarios' / folder}")
    from scoutsim.results.provenance import describe

    changes = dict(options([], args.options)) if args.options else {"# recommended: line of each file": None}
    print(f"decisions on the comparison files; {describe()}")
    for label, change in changes.items():
        rows = []
        for folder, path in comparison_files(root):
            print(f"{path.name}", file=sys.stderr)
            rows += compare(path, change, root, *FOLDERS[folder])
        print("\n".join(report(label, rows)))
    return 0


def _canonical_hint(labels) -> str:
    """' (canonical: ...)' for labels whose policy parses but is spelled otherwise."""
    from scoutsim.decisions.policy import parse_policy

    hints = []
    for label in labels:
        policy, _, variant = label.partition(" ")
        try:
            canonical = str(parse_policy(policy))
        except ValueError:
            continue
        if canonical != policy:
            hints.append(repr(" ".join(filter(None, (canonical, variant)))))
    return f" (canonical spelling: {', '.join(hints)})" if hints else ""


def _decisions(args) -> int:

    from scoutsim.bench.decisions import (ADAPTIVE, STALL_SECONDS, VARIANTS, bound_violations, option, report,
                                          run_family, summary)

    unknown = [label for label in dict.fromkeys(args.options or ()) if option(label) is None]
    if unknown:
        raise UserError(f"--options: no option {', '.join(map(repr, unknown))}{_canonical_hint(unknown)}; expected "
                        "POLICY or 'POLICY VARIANT', POLICY an adaptive policy in its canonical spelling (flags in "
                        "their listed order, e.g. 'expected_f1:in_flight,decline'; not a static: mode: "
                        f"the plain ones are the baselines, run always) and VARIANT one of: {', '.join(v[0].strip() for v in VARIANTS if v[0])}; "
                        f"run by default: {', '.join(ADAPTIVE)}, each alone and with every VARIANT")
    args.options = list(dict.fromkeys(args.options)) if args.options else args.options
    if args.comparisons:
        if args.family is not None:
            raise UserError("bench decisions: --comparisons runs the shipped comparison files, not a family; "
                            "give one or the other")
        return _comparisons(args)
    family = 60 if args.family is None else args.family
    args.replications = 4 if args.replications is None else args.replications
    args.duration = 90.0 if args.duration is None else args.duration
    args.seed = 0 if args.seed is None else args.seed
    if family < 1:
        raise UserError(f"--family must be >= 1, got {family}")
    if args.replications < 2:
        raise UserError(f"--replications must be >= 2 (a paired CI needs two), got {args.replications}")
    if not args.duration > 0:
        raise UserError(f"--duration must be > 0, got {args.duration}")
    if args.seed < 0:
        raise UserError(f"--seed must be >= 0, got {args.seed}")
    from scoutsim import shipped

    root = shipped.folder("traces").parent  # the family replays traces/lumos5g: checkout or wheel

    def progress(res):
        done = f"stalled in {res.stalled}" if res.stalled else f"{len(res.f1)} options"
        print(f"{res.name}: {done}" + (", bound" if res.bound is not None else ""), file=sys.stderr)

    results = run_family(family, args.seed, root, args.duration, args.replications, progress, only=args.options)
    violations = bound_violations(results)
    from scoutsim.results.provenance import describe

    header = (f"decisions family: {family} scenarios, seed {args.seed}, {args.replications} replications x "
              f"{args.duration:g} s; F1 with misses scored 0; cases = scenario x group; {describe()}")
    stalled = [f"{r.name} (the simulation of {r.stalled} ran past {STALL_SECONDS:g} s)" for r in results if r.stalled]
    print("\n".join(report(summary(results), violations, header, stalled, replications=args.replications)))
    return 1 if violations else 0


def main(args) -> int:
    if args.names and args.names[0] == "decisions":
        if len(args.names) > 1:
            raise UserError("bench decisions takes no other benchmark names")
        return _decisions(args)
    args.seed = 0 if args.seed is None else args.seed
    if args.names and args.names[0] == "fuzz":
        if len(args.names) > 1:
            raise UserError("bench fuzz takes no other benchmark names")
        return _fuzz(args)
    from scoutsim.bench.ns3sim import available
    from scoutsim.bench.suite import BENCHMARKS, run

    plugins.load(args)
    # Asked for by name, a benchmark that cannot run is bad input (the full suite skips it).
    if "ns3" in args.names and not available():
        raise UserError('bench ns3 needs ns-3, which is not installed; install it with: '
                        'pip install "scoutsim[validation]" (it compiles for a few minutes)')
    default = [n for n in BENCHMARKS if n != "lte"]  # ns3 runs the LTE cases too
    if args.family is not None and (args.names != ["lte"] or args.family < 1):
        raise UserError(f"--family needs the benchmark lte alone and N >= 1, got names {args.names} "
                        f"and --family {args.family}")
    run(args.names or default, quick=args.quick, profile=args.profile, queue=args.queue,
        family=args.family, seed=args.seed)
    return 0
