"""``scoutsim reproduce paper-b``: rerun the study's settings and judge its conclusions."""

from __future__ import annotations

import os

from scoutsim.commands import plugins
from scoutsim.errors import UserError

TARGETS = ("paper-b",)


def register(sub) -> None:
    p = sub.add_parser("reproduce", help="rerun the study's settings and say which conclusions hold",
                       description="Rerun a study's experiment as it was run (the `paper` profile: "
                       "scenarios/paper_b/) with replications and 95 % CIs, print each table with the study's "
                       "numbers beside it, class each claim (input, arithmetic, evidence: only evidence counts as "
                       "reproduced), judge it by one rule that can fail, and, relaxing one assumption at a time "
                       "(poisson, n200, compute, latency, work_cons, backlog, harmonic), say which survive each; "
                       "then the sensitivities (an inferred Markov chain, Lumos5G scaled to uplink levels, the "
                       "link capacity jittered by +-2 %). "
                       "paper-b: the study of docs/study.md. Interrupted runs resume.")
    p.add_argument("target", help=f"what to reproduce: {', '.join(TARGETS)}")
    p.add_argument("--quick", action="store_true",
                   help="5 replications x 600 s instead of the scenarios' 20 x 600 s (a smoke run for CI; "
                        "its verdicts rest on wider intervals)")
    p.add_argument("--out", help="output directory (default: results/<target>[-quick]/)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parallel points (default: all CPUs)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars on stderr")
    plugins.add_argument(p)
    p.set_defaults(func=main)


def main(args) -> int:
    from pathlib import Path

    plugins.load(args)
    if args.target not in TARGETS:
        raise UserError(f"unknown target {args.target!r}; expected one of {list(TARGETS)}")
    if args.workers < 1:
        raise UserError(f"--workers must be >= 1, got {args.workers}")
    from scoutsim.experiments.paperb_report import reproduce

    out = Path(args.out) if args.out else Path("results") / (args.target + ("-quick" if args.quick else ""))
    text = reproduce(out, quick=args.quick, workers=args.workers, progress=not args.no_progress)
    print(text)
    print(f"\ntables in {out}/ (tables.csv, claims.csv, ablation.csv, report.md; each experiment's sweeps "
          "beside them)")
    return 0
