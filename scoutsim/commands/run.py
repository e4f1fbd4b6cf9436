"""``scoutsim run SCENARIO``: simulate, print the summary, write the results."""

from __future__ import annotations

import time
from contextlib import closing
from pathlib import Path

from scoutsim.commands import plugins
from scoutsim.commands.progress import progress_bar
from scoutsim.config import load_scenario
from scoutsim.errors import UserError
from scoutsim.sim.runner import START_METHODS
from scoutsim.shipped import scenario_argument


def register(sub) -> None:
    p = sub.add_parser("run", help="simulate a scenario and write its results",
                       description="Simulate SCENARIO's replications, print a summary table with 95 % "
                       "confidence intervals, and write requests.parquet, summary.csv, scenario.yaml "
                       "(resolved), meta.json and PNG plots into the output directory.")
    p.add_argument("scenario", type=scenario_argument,
                   help="scenario YAML file, or the name of a shipped scenario "
                        "(e.g. 8agents_100mbps; `scoutsim examples --list` lists them)")
    p.add_argument("--out", help="output directory (default: results/<scenario name>/); refused, before anything "
                   "runs, when it is a file, the current folder or one above it, a checkout, or a folder holding "
                   "files scoutsim did not write")
    p.add_argument("--overwrite", action="store_true", help="replace the earlier scoutsim result in --out"
                   " (refused, nothing deleted, when it also holds files scoutsim never writes there)")
    p.add_argument("--replications", type=int, help="override the scenario's replications (>= 1)")
    p.add_argument("--seed", type=int, help="override the scenario's root seed (>= 0)")
    p.add_argument("--duration", type=float, help="override the scenario's duration_s (> 0)")
    p.add_argument("--workers", type=int, default=1, help="worker processes for replications (default 1)")
    p.add_argument("--start-method", choices=START_METHODS, default=None,
                   help="how worker processes start (default: the platform's); results are the same")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    plugins.add_argument(p)
    p.set_defaults(func=main)


def main(args) -> int:
    import pandas as pd

    from scoutsim.results.outdir import claim
    from scoutsim.results.output import RunWriter, run_meta
    from scoutsim.results.summary import (format_table, replication_scopes, summary_from_replications, summary_input,
                                          summary_modes)
    from scoutsim.sim.runner import replication_parts
    from scoutsim.sim.world import break_even_mbps

    plugins.load(args)
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
    out = Path(args.out) if args.out else Path("results") / s.name
    claim(out, "--out" if args.out else "the output folder", overwrite=args.overwrite, inputs=[Path(args.scenario)])
    modes = summary_modes(s)
    figures = None
    if not args.no_plots:
        from scoutsim.results.plots import RunFigures  # matplotlib, only when drawing

        figures = RunFigures(s)
    per_replication = []
    count = 0
    started = time.perf_counter()
    # Records go to disk part by part (a replication, or one agent range of a replication
    # too large to hold) and the summary is built from each replication's metrics, for which
    # a replication keeps only the columns it reads: memory grows with neither the number of
    # replications nor, but for those columns, a replication's requests.
    with RunWriter(out) as writer, progress_bar(s.replications, "replications", args.no_progress) as bar, \
            closing(replication_parts(resolved, args.workers, args.start_method, done=lambda r: bar.update(1))) as every:
        for parts in every:
            kept = []
            for records in parts:
                writer.add(records)
                kept.append(summary_input(records))
                if figures is not None:
                    figures.add(records)
                count += len(records)
                del records
            replication = kept[0] if len(kept) == 1 else pd.concat(kept, ignore_index=True)
            per_replication.append(replication_scopes(replication, s, modes))
            del kept, replication
        elapsed = time.perf_counter() - started
        summary = summary_from_replications(per_replication)
        meta = run_meta(resolved, {"requests": count, "break_even_mbps": break_even_mbps(resolved)})
        writer.commit(resolved, summary, meta, None if figures is None else (lambda d: figures.draw(d, summary)))
    print(f"{s.name}: {s.replications} replications x {s.duration_s:g} s, {count} requests, "
          f"simulated in {elapsed:.1f} s; oracle {resolved.oracle.name} ({resolved.oracle.meta['kind']})")
    print(format_table(summary))
    print("values: mean ± 95 % CI half-width across replications (mean[low,high] where the "
          "interval is cut at the metric's range)")
    if resolved.oracle.means_only:
        print(f"F1 intervals reflect only the mode mix: oracle {resolved.oracle.name} holds published "
              "means, not per-sample values, so its own sampling error (its n and f1_std) is not in them")
    print(f"results in {out}/")
    return 0
