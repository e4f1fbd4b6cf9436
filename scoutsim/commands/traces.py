"""``python -m scoutsim traces``: import, inspect, fit and synthesise bandwidth traces.

    traces import FORMAT SOURCE --out traces/real/NAME.csv   measured data -> contract CSV
    traces inspect TRACE [--png PATH]                         statistics and a figure
    traces fit-markov TRACE --states K [--out block.yaml]     Markov channel fitted to it
    traces synth MODEL --out traces/NAME.csv                  seeded synthetic trace

Every output is written atomically; bad input exits with status 2 and one message.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from scoutsim.errors import UserError
from scoutsim.traces import fit as fitting
from scoutsim.traces import stats, synth
from scoutsim.traces.importers import IMPORTERS, ImportOptions, import_trace
from scoutsim.digest import file_sha256 as sha256_file
from scoutsim.traces.tracefile import claim_trace, default_mode, load_trace, write_trace


OVERWRITE_HELP = ("replace an existing --out and its .json, only when that .json says scoutsim wrote them "
                  "(a file of your own is never replaced)")


def register(subparsers) -> None:
    parser = subparsers.add_parser("traces", help="import, inspect and fit bandwidth traces",
                                   description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="traces_command", metavar="ACTION", parser_class=type(parser))
    parser.set_defaults(func=lambda args: _usage(parser))

    formats = "\n".join(f"  {name:<9} {IMPORTERS.get(name).summary}" for name in IMPORTERS.names())
    p = sub.add_parser("import", help="convert a measured trace to the time_s,mbps contract CSV",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Convert one measured run to traces/NAME.csv plus a sidecar "
                                   "NAME.json (source sha256, cleaning applied, summary).\n"
                                   "Measured traces may not be redistributed: keep them under "
                                   "traces/real/ (git-ignored).\n\nformats:\n" + formats)
    p.add_argument("format", metavar="FORMAT", help=f"one of: {', '.join(IMPORTERS.names())}")
    p.add_argument("source", metavar="SOURCE", type=Path, help="the measured file (one run)")
    p.add_argument("--out", required=True, type=Path, help="output CSV, e.g. traces/real/NAME.csv (a sidecar "
                   ".json goes beside it); an existing file is refused unless --overwrite")
    p.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    p.add_argument("--run", type=int, help="nuwins: which 'Run N' of a multi-run .list file")
    p.add_argument("--series", choices=["total", "nr", "lte"],
                   help="nuwins: NR + LTE legs summed (total, default) or one leg")
    p.add_argument("--column", choices=["DL_bitrate", "UL_bitrate"],
                   help="ucc: rate column (default DL_bitrate)")
    p.add_argument("--allow-ack-traffic", action="store_true",
                   help="ucc: accept UL_bitrate, which is ACK traffic of downloads, not capacity")
    p.add_argument("--bin-s", type=float, help="mahimahi: averaging interval in seconds (default 1)")
    p.add_argument("--gaps", choices=["hold", "zero"],
                   help="umn, lumos5g, ucc: a missing report holds the previous value (default) "
                        "or is an outage")
    p.add_argument("--drop-start-s", type=float,
                   help="umn: discard intervals starting this soon after the first (default 2, "
                        "the start-up spike)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("inspect", help="summary statistics and a PNG of a contract trace")
    p.add_argument("trace", metavar="TRACE", type=Path, help="a time_s,mbps CSV")
    p.add_argument("--png", type=Path, help="figure path (default: TRACE with .png)")
    p.add_argument("--no-png", action="store_true", help="print the statistics only")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("fit-markov", help="fit a K-state Markov channel to a trace")
    p.add_argument("trace", metavar="TRACE", type=Path, help="a time_s,mbps CSV")
    p.add_argument("--states", type=int, required=True, help="number of capacity levels K")
    p.add_argument("--step-s", type=float,
                   help="chain step; a whole multiple of the trace's interval (default: that interval)")
    p.add_argument("--method", choices=list(fitting.METHODS), default="kmeans",
                   help="state levels by k-means on log throughput (default) or equal-probability bins")
    p.add_argument("--out", type=Path, help="write the channel block as YAML here")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("synth", help="generate a seeded synthetic trace",
                       description="Generate a synthetic trace with the project's seeded generators. "
                                   "MODEL: " + ", ".join(sorted(synth.PRESETS)) + " (regime-switching "
                                   "log-AR(1) presets) or markov (needs --channel).")
    p.add_argument("model", metavar="MODEL", choices=sorted(synth.PRESETS) + ["markov"],
                   help="5g-uplink | lte-uplink | markov")
    p.add_argument("--out", required=True, type=Path, help="output CSV (a sidecar .json goes beside it); an "
                   "existing file is refused unless --overwrite")
    p.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    p.add_argument("--duration-s", type=float, default=1800.0, help="length in seconds (default 1800)")
    p.add_argument("--step-s", type=float, help="sample interval (default 1; markov: the block's step_s)")
    p.add_argument("--seed", type=int, default=0, help="root seed of the SeedSequence (default 0)")
    p.add_argument("--channel", type=Path,
                   help="markov: YAML with a markov channel block (e.g. written by fit-markov)")
    p.set_defaults(func=cmd_synth)


def _usage(parser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _command_line() -> str:
    return " ".join(shlex.quote(a) for a in ["python", "-m", "scoutsim", *sys.argv[1:]])


def _public_info(info: dict) -> dict:
    return {k: v for k, v in info.items() if k not in ("labels", "sidecar")}


def _warn_if_tracked(out: Path) -> None:
    """Real traces must not be committed: say so when git would pick the file up."""
    try:
        res = subprocess.run(["git", "check-ignore", "-q", str(out)], cwd=out.parent,
                             capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return
    if res.returncode == 1:  # inside a work tree and not ignored
        print(f"scoutsim: warning: {out} is not git-ignored; measured traces may not be "
              "redistributed, keep them under traces/real/", file=sys.stderr)


def cmd_import(args) -> int:
    claim_trace(args.out, args.overwrite)
    opts = ImportOptions(run=args.run, series=args.series, column=args.column, bin_s=args.bin_s,
                         gaps=args.gaps, drop_start_s=args.drop_start_s,
                         allow_ack_traffic=args.allow_ack_traffic)
    trace = import_trace(args.format, args.source, opts)
    summary = stats.summarize(trace.times, trace.mbps, trace.step_s)
    sidecar = {"kind": "imported", "format": args.format,
               "source": {"path": str(args.source), "resolved": str(args.source.resolve()),
                          "sha256": sha256_file(args.source), "bytes": args.source.stat().st_size},
               "options": opts.given(), "command": _command_line(),
               "info": _public_info(trace.info), "summary": summary.as_dict()}
    out, side = write_trace(args.out, trace, sidecar)
    print(f"wrote {out} ({len(trace.times)} rows, {summary.duration_s:.1f} s, mean "
          f"{summary.mean:.2f} Mbps) and {side.name}")
    for step in trace.cleaning:
        print(f"  cleaning: {step}")
    for caveat in trace.caveats:
        print(f"  caveat: {caveat}")
    _warn_if_tracked(out.resolve())
    return 0


def cmd_inspect(args) -> int:
    trace = load_trace(args.trace)
    summary = stats.summarize(trace.times, trace.mbps, trace.step_s)
    print(f"{args.trace}")
    print(stats.format_summary(summary))
    side = trace.info.get("sidecar")
    if side:
        for caveat in side.get("caveats", []):
            print(f"caveat: {caveat}")
    if not args.no_png:
        from scoutsim.traces.plot import trace_figure  # plotting stays out of library code
        png = args.png or args.trace.with_suffix(".png")
        trace_figure(trace.times, trace.mbps, trace.step_s, args.trace.name, png, summary)
        print(f"figure: {png}")
    return 0


def _atomic_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.fchmod(fd, default_mode())
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cmd_fit(args) -> int:
    trace = load_trace(args.trace)
    try:
        result = fitting.fit_markov(trace.times, trace.mbps, args.states, native_step=trace.step_s,
                                    step_s=args.step_s, method=args.method)
    except UserError as exc:
        raise UserError(f"{args.trace}: {exc}") from None
    report = fitting.compare(result)
    block = fitting.channel_block(result)
    text = yaml.safe_dump({"channel": block}, default_flow_style=None, sort_keys=False, width=200)
    header = [f"# Markov channel fitted by: {_command_line()}",
              f"# trace: {args.trace} (sha256 {sha256_file(args.trace)})",
              f"# {args.states} states by {args.method} on log throughput, step {result.step_s:g} s, "
              f"{len(result.series)} steps",
              "# how well it reproduces the trace:"]
    header += ["#   " + line for line in fitting.format_compare(report).splitlines()]
    document = "\n".join(header) + "\n" + text
    print(fitting.format_compare(report))
    print()
    print(text, end="")
    if args.out:
        try:
            _atomic_text(args.out, document)
        except OSError as exc:
            raise UserError(f"cannot write: {exc.strerror}", source=str(args.out)) from None
        print(f"wrote {args.out}")
    return 0


def _read_markov_block(path: Path) -> dict:
    if not path.is_file():
        raise UserError("file not found", source=str(path))
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UserError(f"not valid YAML ({getattr(exc, 'problem', exc)})", source=str(path),
                        where=f"line {mark.line + 1}" if mark else None) from None
    block = doc.get("channel", doc) if isinstance(doc, dict) else None
    if not isinstance(block, dict) or block.get("kind") != "markov":
        raise UserError("expected a markov channel block (kind: markov, states_mbps, step_s, "
                        "transition), optionally under a 'channel' key", source=str(path))
    for key in ("states_mbps", "transition"):
        if key not in block:
            raise UserError(f"missing key {key!r}", source=str(path), where=f"channel.{key}")
    return block


def cmd_synth(args) -> int:
    claim_trace(args.out, args.overwrite)
    if args.model == "markov":
        if args.channel is None:
            raise UserError("synth markov needs --channel BLOCK.yaml (e.g. from traces fit-markov)")
        block = _read_markov_block(args.channel)
        step = args.step_s or float(block.get("step_s", 1.0))
        try:
            trace = synth.markov_trace(block["states_mbps"], block["transition"], step,
                                       args.duration_s, args.seed)
        except UserError as exc:
            raise UserError(f"{args.channel}: channel: {exc}") from None
        params = {"states_mbps": block["states_mbps"], "transition": block["transition"],
                  "channel_file": str(args.channel)}
    else:
        if args.channel is not None:
            raise UserError(f"--channel applies to the markov model only, not {args.model!r}")
        step = args.step_s or 1.0
        trace = synth.regime_trace(synth.PRESETS[args.model], step, args.duration_s, args.seed)
        params = trace.info["model"]
    trace.note(f"synthetic: {args.model}, step {step:g} s, {args.duration_s:g} s, seed {args.seed}")
    summary = stats.summarize(trace.times, trace.mbps, trace.step_s)
    sidecar = {"kind": "synthetic", "generator": trace.info["generator"], "model": args.model,
               "parameters": params, "step_s": step, "duration_s": args.duration_s,
               "seed": args.seed, "rng": "numpy Generator(PCG64(SeedSequence(seed)))",
               "command": _command_line(), "summary": summary.as_dict()}
    out, side = write_trace(args.out, trace, sidecar)
    print(f"wrote {out} ({len(trace.times)} rows, mean {summary.mean:.2f} Mbps) and {side.name}")
    return 0
