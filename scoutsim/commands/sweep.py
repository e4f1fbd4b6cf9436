"""``scoutsim sweep SCENARIO --grid KEY=V1,V2 ...``: a scenario over a grid of values."""

from __future__ import annotations

from scoutsim.commands import plugins
from scoutsim.errors import UserError
from scoutsim.shipped import scenario_argument


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a scenario over a grid of values",
                       description="Run SCENARIO at every point of the cross product of the --grid values "
                       "(any key path of the YAML, e.g. uplinks.0.channel.mbps=25,50,100 or "
                       "uplinks.0.allocator=equal,model_aware), each point with all its replications and the "
                       "same seed (common random numbers). Writes each point's run outputs under "
                       "OUT/points/, the tidy table OUT/summary.parquet (one row per point x scope x metric, "
                       "with 95 % CIs and the grid values as columns) and OUT/paired.parquet (paired "
                       "differences between compared allocators or policies). Rerunning the same command "
                       "resumes an interrupted sweep.")
    p.add_argument("scenario", type=scenario_argument,
                   help="scenario YAML file, or the name of a shipped scenario "
                        "(e.g. 8agents_100mbps; `scoutsim examples --list` lists them)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a key path and its values; repeat for a cross product")
    p.add_argument("--out", help="sweep directory (default: results/<scenario name>-sweep/); the same sweep there "
                   "resumes; anything but an empty folder or scoutsim's own result is refused")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an earlier scoutsim result in --out that is not this sweep (another sweep, a run)"
                   " (refused, nothing deleted, when it also holds files scoutsim never writes there)")
    p.add_argument("--executor", choices=["local", "ray"], default="local",
                   help="local process pool (default) or Ray")
    p.add_argument("--workers", type=int, default=1, help="parallel points (local processes or Ray CPUs; default 1)")
    p.add_argument("--start-method", choices=("fork", "spawn", "forkserver"), default=None,
                   help="how local worker processes start (default: the platform's); results are the same")
    p.add_argument("--ray-address", help="address of a running Ray cluster (default: start a local instance)")
    p.add_argument("--paired", action="append", metavar="KEY",
                   help="grid key whose values are compared pairwise against its first value "
                        "(default: grid keys ending in allocator, policy, sharing or estimator)")
    p.add_argument("--replications", type=int, help="override the scenario's replications (>= 1)")
    p.add_argument("--seed", type=int, help="override the scenario's root seed (>= 0)")
    p.add_argument("--duration", type=float, help="override the scenario's duration_s (> 0)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    plugins.add_argument(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from pathlib import Path

    from scoutsim.experiments.sweep import format_sweep, read_raw, run_sweep

    plugins.load(args)
    overrides = {k: v for k, v in (("replications", args.replications), ("seed", args.seed),
                                   ("duration_s", args.duration)) if v is not None}
    if args.ray_address and args.executor != "ray":
        raise UserError("--ray-address needs --executor ray")
    out = args.out
    if out is None:
        raw, _, _ = read_raw(args.scenario)
        out = Path("results") / f"{raw.get('name', Path(args.scenario).stem)}-sweep"
    result = run_sweep(args.scenario, args.grid, out, executor=args.executor, workers=args.workers,
                       overrides=overrides, address=args.ray_address, compare=args.paired,
                       progress=not args.no_progress, start_method=args.start_method, overwrite=args.overwrite)
    print(f"sweep of {args.scenario}: {result.ran} points run, {result.resumed} already finished; "
          f"{len(result.summary)} summary rows")
    print(format_sweep(result))
    print("values: mean ± 95 % CI half-width across replications (mean[low,high] where the interval is "
          "cut at the metric's range)")
    print(f"results in {result.out}/ (summary.parquet, paired.parquet, points/)")
    return 0
