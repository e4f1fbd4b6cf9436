"""``scoutsim run SCENARIO``: simulate, print the summary, write the results."""

from __future__ import annotations

import time
from pathlib import Path

from scoutsim.config import load_scenario
from scoutsim.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate a scenario and write its results",
                       description="Simulate SCENARIO's replications, print a summary table with 95 % "
                       "confidence intervals, and write requests.parquet, summary.csv, scenario.yaml "
                       "(resolved), meta.json and PNG plots into the output directory.")
    p.add_argument("scenario", help="scenario YAML file")
    p.add_argument("--out", help="output directory (default: results/<scenario name>/)")
    p.add_argument("--replications", type=int, help="override the scenario's replications (>= 1)")
    p.add_argument("--seed", type=int, help="override the scenario's root seed (>= 0)")
    p.add_argument("--duration", type=float, help="override the scenario's duration_s (> 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes for replications (default 1)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.set_defaults(func=main)


def main(args) -> int:
    from scoutsim.results import plots
    from scoutsim.results.output import run_meta, write_results
    from scoutsim.sim.runner import simulate
    from scoutsim.results.summary import format_table, summarize
    from scoutsim.sim.world import break_even_mbps

    overrides = {}
    if args.replications is not None:
        overrides["replications"] = args.replications
    if args.seed is not None:
        overrides["seed"] = args.seed
    if args.duration is not None:
        overrides["duration_s"] = args.duration
    if args.workers < 1:
        raise UserError(f"--workers must be >= 1, got {args.workers}")
    resolved = load_scenario(args.scenario, overrides)
    s = resolved.scenario
    started = time.perf_counter()
    requests = simulate(resolved, workers=args.workers)
    elapsed = time.perf_counter() - started
    summary = summarize(requests, s, s.replications)
    out = Path(args.out) if args.out else Path("results") / s.name
    meta = run_meta(resolved, {"requests": len(requests), "break_even_mbps": break_even_mbps(resolved)})
    draw = None if args.no_plots else (lambda d: plots.draw_run(d, requests, summary, s))
    write_results(out, resolved, requests, summary, meta, draw)
    print(f"{s.name}: {s.replications} replications x {s.duration_s:g} s, {len(requests)} requests, "
          f"simulated in {elapsed:.1f} s; oracle {resolved.oracle.name} ({resolved.oracle.meta['kind']})")
    print(format_table(summary))
    print("values: mean ± 95 % CI half-width across replications")
    print(f"results in {out}/")
    return 0
