"""The benchmarks by name, shared by ``python -m scoutsim bench`` and ``benchmarks/*.py``."""

from __future__ import annotations

import importlib
import platform
import time
from datetime import datetime, timezone

from scoutsim.errors import UserError

BENCHMARKS = {
    "main": ("scoutsim.bench.throughput", "requests/s on the main scenario, cost against the bare-SimPy floor"),
    "scaling": ("scoutsim.bench.scaling", "cost per request for 8..100,000 agents on 1 and 100 uplinks"),
    "memory": ("scoutsim.bench.memory", "peak memory per request, memory per device, output writing time"),
    "saturated": ("scoutsim.bench.saturated", "uplink cost per event, 1,000 transfers in flight against light load"),
    "city": ("scoutsim.bench.city", "10^5 devices over 1,000 cells for 60 s: wall time and peak memory"),
    "sweep": ("scoutsim.bench.sweeps", "the README's sweep with 1 and 2 local workers and on a local Ray "
              "instance: speed-ups, identical files"),
    "ns3": ("scoutsim.bench.validation", "flow completion times against ns-3 (needs the validation extra)"),
    "lte": ("scoutsim.bench.ltevalidation", "the cell model's upload times against ns-3's LTE uplink "
            "(part of ns3; needs the validation extra)"),
}


def header() -> str:
    import os

    from scoutsim.results.provenance import describe

    return (f"scoutsim benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, {platform.node()}, "
            f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"{describe()}")


def run(names: list[str], quick: bool = False, **options) -> dict:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise UserError(f"unknown benchmark {unknown[0]!r}; expected one of {sorted(BENCHMARKS)}, "
                        "or 'fuzz' or 'decisions' alone")
    print(header())
    out = {}
    for name in names:
        module_name, what = BENCHMARKS[name]
        print(f"\n== {name}: {what}{' (quick)' if quick else ''}")
        # lte --family with a stored ns-3 reference runs without ns-3 (ltefamily says when it cannot).
        if name == "ns3" or (name == "lte" and options.get("family") is None):
            from scoutsim.bench.ns3sim import available

            if not available():
                print("skipped: ns-3 is not installed (pip install 'scoutsim[validation]', about 3 minutes: "
                      "it builds cppyy)")
                continue
        started = time.perf_counter()
        module = importlib.import_module(module_name)
        kwargs = {k: v for k, v in options.items() if v is not None and k in _accepted(module)}
        out[name] = module.run(quick=quick, **kwargs)
        print(f"({name} took {time.perf_counter() - started:.1f} s)")
    return out


def _accepted(module) -> set[str]:
    import inspect

    return set(inspect.signature(module.run).parameters)


def script(name: str, argv: list[str] | None = None) -> int:
    """Entry point of ``benchmarks/<name>.py``."""
    import argparse

    p = argparse.ArgumentParser(description=BENCHMARKS[name][1])
    p.add_argument("--quick", action="store_true", help="a reduced run that checks the code, not the speed")
    if name == "main":
        p.add_argument("--profile", action="store_true", default=None, help="print a profile even if targets are met")
    if name == "ns3":
        p.add_argument("--queue", choices=("deep", "codel"), default="deep", help="ns-3's bottleneck queues")
    args = p.parse_args(argv)
    try:
        run([name], quick=args.quick, profile=getattr(args, "profile", None), queue=getattr(args, "queue", None))
    except UserError as exc:
        print(f"error: {exc}")
        return 2
    return 0
