"""``scoutsim plot RESULTS``: figures of a run or a sweep (PNG and PDF)."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("plot", help="draw figures from a run or a sweep",
                       description="Draw the figures of a run directory (scoutsim run) or a sweep directory "
                       "(scoutsim sweep) as PNG and PDF: deadline compliance and mean F1 (misses scored 0) "
                       "against each swept axis with 95 % CI error bars, one curve per allocator or policy; "
                       "latency CDFs with 95 % CI bands; modes over time; and the decision map (best mode "
                       "over rate x context length from the oracle, payload physics and compute model).")
    p.add_argument("results", help="a run or sweep directory")
    p.add_argument("--out", help="figure directory (default: RESULTS/figures/); refused when it is a file, the "
                   "current folder or one above it, a checkout, RESULTS itself, or a folder holding files scoutsim "
                   "did not write")
    p.add_argument("--overwrite", action="store_true", help="replace earlier figures in the figure directory"
                   " (refused, nothing deleted, when it also holds files scoutsim never writes there)")
    p.add_argument("--scope", default="all", help="summary scope for sweep curves: 'all' or an agent group name")
    p.set_defaults(func=main)


def main(args) -> int:
    from scoutsim.figures.draw import draw

    out, made = draw(args.results, args.out, args.scope, overwrite=args.overwrite)
    for p in made:
        print(p)
    print(f"{len(made)} files in {out}/")
    return 0
