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
    p.add_argument("--out", help="output directory (default: results/<target>[-quick]/); the same reproduction "
                   "there resumes; anything but an empty folder or scoutsim's own result is refused")
    p.add_argument("--overwrite", action="store_true",
                   help="start anew in --out, replacing the scoutsim result there (a resumed reproduction included)"
                   " (refused, nothing deleted, when it also holds files scoutsim never writes there)")
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
    claim_reproduction(out, args.target, args.quick, args.overwrite, "--out" if args.out else "the output folder")
    text = reproduce(out, quick=args.quick, workers=args.workers, progress=not args.no_progress)
    print(text)
    print(f"\ntables in {out}/ (tables.csv, claims.csv, ablation.csv, report.md; each experiment's sweeps "
          "beside them)")
    return 0


def claim_reproduction(out, target: str, quick: bool, overwrite: bool, flag: str) -> None:
    """Make ``out`` this reproduction's folder before anything runs: new, resumed (the same
    target and profile), or with ``overwrite`` emptied of scoutsim's earlier result; its
    meta.json says what it holds."""
    import json

    from scoutsim.results.layouts import signed_meta
    from scoutsim.results.outdir import META, SIGNATURE, claim, clear

    asked = {**SIGNATURE, "reproduce": target, "quick": quick}
    held_kind = claim(out, flag, overwrite=overwrite, resumes=True)
    if held_kind is not None:
        held = signed_meta(out)
        # 0.1 wrote no meta.json here and resumed whatever reproduction the folder held; its
        # sweeps still refuse to mix with other settings (each checks its own manifest).
        old_layout = held is None and held_kind == "reproduce"
        if held != asked and not old_layout and not overwrite:
            raise UserError(f"{flag} {out} holds another scoutsim result than this reproduction; add --overwrite "
                            "to replace it, or choose another folder")
        if overwrite:
            clear(out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / META).is_file():
        (out / META).write_text(json.dumps(asked, indent=2, sort_keys=True) + "\n")
