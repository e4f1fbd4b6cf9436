"""Benchmark: flow completion times against ns-3 (needs the validation extra).

    python benchmarks/ns3_validation.py [--quick]      (the same as: python -m scoutsim bench ns3)

The measuring code is in scoutsim/bench/; results and how to read them: benchmarks/README.md.
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from scoutsim.bench.suite import script

    raise SystemExit(script("ns3"))
