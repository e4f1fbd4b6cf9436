"""Check that the simulator's output did not change: save request tables, then compare.

    python benchmarks/output_identity.py --save /tmp/golden     # before a change
    python benchmarks/output_identity.py --check /tmp/golden    # after it
    python benchmarks/output_identity.py --check /tmp/golden --rtol 1e-9   # float columns within 1e-9

Exit status 1 when any scenario's requests.parquet differs (the differing columns are
printed; with --rtol, float columns within that relative tolerance pass, with their largest
relative difference printed). See scoutsim/bench/identity.py.

Reference story: the virtual-time uplink (scoutsim/network/vtime.py)
computes the same finish times by other float arithmetic, so tx_end_s, done_s, latency_s
and est_rate_mbps moved in their last bits (largest relative difference about 1e-14); every
other column (modes chosen, payloads, deadlines met) is unchanged. Against a reference
saved before it, check with --rtol 1e-9; save a new reference after it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from scoutsim.bench.identity import check, save

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, metavar="DIR", help="write the reference outputs here")
    mode.add_argument("--check", type=Path, metavar="DIR", help="compare against the outputs saved here")
    p.add_argument("--only", nargs="*", help="scenario names (default: all)")
    p.add_argument("--rtol", type=float, default=0.0,
                   help="float columns may differ by this much relative (default 0: byte identity)")
    args = p.parse_args(argv)
    if args.save:
        for name, digest in save(args.save, args.only).items():
            print(f"{name:18s} sha256 {digest[:16]}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        report = check(args.check, Path(scratch), args.only, args.rtol)
    bad = 0
    for name, (equal, problems) in report.items():
        print(f"{name:18s} {('identical' if not problems else f'equal within rtol {args.rtol:g}') if equal else 'DIFFERS'}")
        for line in problems:
            print(f"    {line}")
        bad += not equal
    return 1 if bad else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
