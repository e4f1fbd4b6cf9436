"""``scoutsim bench [NAME ...] [--quick]``: the performance and fidelity benchmarks;
``scoutsim bench fuzz --n N``: the hostile-input fuzzer (scoutsim/bench/fuzz.py)."""

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
                       "message (needs hypothesis: the dev extra).")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help=f"which ones (default: all): {', '.join(BENCHMARKS)}; or fuzz")
    p.add_argument("--quick", action="store_true", help="a reduced run that checks the code runs, not its speed")
    p.add_argument("--profile", action="store_true", default=None,
                   help="main: print a profile even when the targets are met")
    p.add_argument("--queue", choices=("deep", "codel"), default=None,
                   help="ns3: the bottleneck's queues (default deep: per-flow queues without AQM drops)")
    plugins.add_argument(p)
    p.add_argument("--n", type=int, default=1000, help="fuzz: number of cases (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="fuzz: seed of the case generator (default 0)")
    p.add_argument("--long", action="store_true",
                   help="fuzz: instead of hostile input, N valid scenarios of up to 600 s drawn across channels "
                        "(1e-3 to 1e4 Mbps), sharing rules, schedulers, allocators, policies and arrival kinds; "
                        "each must run to a complete output under a wall-clock alarm (a hang fails)")
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


def main(args) -> int:
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
    run(args.names or default, quick=args.quick, profile=args.profile, queue=args.queue)
    return 0
