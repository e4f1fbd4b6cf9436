"""``scoutsim bench [NAME ...] [--quick]``: the performance and fidelity benchmarks."""

from __future__ import annotations

from scoutsim.commands import plugins


def register(sub) -> None:
    from scoutsim.bench.suite import BENCHMARKS

    listing = "; ".join(f"{k}: {v[1]}" for k, v in BENCHMARKS.items())
    p = sub.add_parser("bench", help="performance benchmarks",
                       description="Run benchmarks and print ratios measured within the run (timings on a "
                       f"shared machine are noisy; ratios are not). Benchmarks: {listing}.")
    p.add_argument("names", nargs="*", metavar="NAME", help=f"which ones (default: all): {', '.join(BENCHMARKS)}")
    p.add_argument("--quick", action="store_true", help="a reduced run that checks the code runs, not its speed")
    p.add_argument("--profile", action="store_true", default=None,
                   help="main: print a profile even when the targets are met")
    p.add_argument("--queue", choices=("deep", "codel"), default=None,
                   help="ns3: the bottleneck's queues (default deep: per-flow queues without AQM drops)")
    plugins.add_argument(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from scoutsim.bench.suite import BENCHMARKS, run

    plugins.load(args)
    default = [n for n in BENCHMARKS if n != "lte"]  # ns3 runs the LTE cases too
    run(args.names or default, quick=args.quick, profile=args.profile, queue=args.queue)
    return 0
