"""A random family of LTE cases, the cell model against ns-3 on cases it was not built from.

``python -m scoutsim bench lte --family N --seed S`` draws ``N`` cases from
``numpy.random.SeedSequence(S)`` (:func:`family`):

* 2-25 UEs, each at a distance drawn from 50, 100, 200, ..., 1000 m (the calibration grid);
* 25, 50 or 100 uplink resource blocks; ns-3's ``RrFfMacScheduler`` or ``PfFfMacScheduler``;
  no fast fading or EPA-like Rayleigh fading at 5 Hz Doppler (:mod:`scoutsim.bench.fadingtrace`,
  trace seeded from the case); an RLC UM transmit buffer of 1 MiB or 16 MiB;
* sizes log-uniform in 0.2-20 MB, starts uniform in 0-5 s. To keep each case to tens of
  simulated seconds on a shared machine, a case whose sizes add up to more than
  ``MB_PER_RB`` MB per resource block has all its sizes scaled down by one factor (none
  below 0.2 MB).

Calibration is what a user would do: each UE distance uploads ``CALIBRATION`` sizes alone in
a cell with the case's resource blocks and fading (RLC 16 MiB), giving its own rate and its
fixed offset (:func:`scoutsim.bench.ltevalidation.calibrate`). The cell's reference rate is
the 50 m UE's rate without fading (top MCS); each UE's ``link_quality`` is its own rate over
it. Five models predict every upload's completion time from the calibration:

* ``cell``: ``time_share`` with the case's scheduler, ``resource_blocks`` and ``fading``,
  each UE with its quality and ``offset_ms``;
* ``cell_tb``: ``cell`` with ``transport_blocks: true`` (:mod:`scoutsim.network.tbs`): a UE on
  few blocks carries its MCS's transport block less the RLC header, not its share of the blocks;
* ``cell_epa``: ``cell_tb`` with ``fading: epa`` in the fading cases (:mod:`scoutsim.network.epa`):
  each UE's MCS sized for the worst of the blocks it gets, its mean SINR read off its lone
  rate; the same as ``cell_tb`` without fading;
* ``equal_time``: equal time shares without resource blocks (the baseline);
* ``pf_opportunistic``: ``pf`` with the case's fading and no resource blocks, i.e. with the
  multi-user diversity gain of a time-domain PF scheduler: what ns-3 would show if its
  uplink PF rode the fading (it does not: it rotates blocks as its round robin does).

A flow ns-3 never completes within ``STOP_S`` simulated seconds is counted, listed and
scored as an infinite error. The ns-3 side (minutes) is stored in
``benchmarks/data/lte_family_seed<S>_n<N>.json`` so the models can be compared to it
without ns-3 (``tests/network/test_lte_family.py``); a wheel carries the stored files, and
an installed scoutsim refuses a family it has no file for (computing one needs ns-3 and a
checkout to write it in, never the installation).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import simpy

from scoutsim import shipped
from scoutsim.errors import UserError
from scoutsim.network.cell import CellSpec, DeviceSpec, Network

MB = 1e6
DISTANCES = (50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)
RBS = (25, 50, 100)
RLC = (1 << 20, 1 << 24)
CALIBRATION = (0.5 * MB, 2.5 * MB)
MB_PER_RB = 0.2
STOP_S = 150.0
CALIBRATION_STOP_S = 60.0  # a lone UE that cannot send 2.5 MB in a minute (0.33 Mbps) has no grant to speak of
MODELS = ("cell", "cell_tb", "cell_epa", "equal_time", "pf_opportunistic")
GROUPS = (("rr", False), ("rr", True), ("pf", False), ("pf", True))


@dataclass(frozen=True)
class FamilyCase:
    index: int
    distances: tuple[int, ...]
    sizes: tuple[float, ...]
    starts: tuple[float, ...]
    resource_blocks: int
    scheduler: str
    fading: bool
    rlc_bytes: int


def family(n: int, seed: int) -> list[FamilyCase]:
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    out = []
    for i in range(n):
        k = int(rng.integers(2, 26))
        rbs = int(rng.choice(RBS))
        sizes = np.exp(rng.uniform(math.log(0.2 * MB), math.log(20 * MB), k))
        budget = MB_PER_RB * MB * rbs
        if sizes.sum() > budget:
            sizes = np.maximum(sizes * budget / sizes.sum(), 0.2 * MB)
        out.append(FamilyCase(
            i, tuple(int(d) for d in rng.choice(DISTANCES, k)), tuple(float(round(s)) for s in sizes),
            tuple(float(round(t, 3)) for t in rng.uniform(0, 5, k)), rbs,
            str(rng.choice(("rr", "pf"))), bool(rng.integers(2)), int(rng.choice(RLC))))
    return out


def _cal_key(d: int, rbs: int, fading: bool) -> str:
    return f"{d}/{rbs}/{int(fading)}"


def collect(n: int, seed: int, log=print, known: dict | None = None) -> dict:
    """Run the family's calibration and cases in ns-3; return the reference record.
    ``known``: calibration times already measured, by the record's keys."""
    from scoutsim.bench import fadingtrace, ltesim

    ltesim.load()
    cases = family(n, seed)
    trace = str(fadingtrace.trace_file(seed))
    cal, walls = dict(known or {}), {"calibration": 0.0, "cases": 0.0}
    need = sorted({(d, c.resource_blocks, c.fading) for c in cases for d in c.distances}
                  | {(DISTANCES[0], c.resource_blocks, False) for c in cases})
    for d, rbs, fading in need:
        if _cal_key(d, rbs, fading) in cal:
            continue
        times, wall = run_lone(d, rbs, trace if fading else None)
        walls["calibration"] += wall
        cal[_cal_key(d, rbs, fading)] = times
        log(f"calibration {d} m, {rbs} RBs, fading {fading}: {times}")
    truth = []
    for c in cases:
        times, wall = run_case(c, cal, trace)
        walls["cases"] += wall
        truth.append(times)
        log(f"case {c.index}: {len(c.distances)} UEs, {c.resource_blocks} RBs, {c.scheduler}, "
            f"fading {c.fading}: ns-3 {wall:.1f} s")
    return {"seed": seed, "n": n, "calibration_sizes": list(CALIBRATION), "calibration": cal,
            "cases": [asdict(c) for c in cases], "ns3": truth, "ns3_wall_s": walls}


def run_lone(distance: int, resource_blocks: int, trace: str | None,
             sizes=CALIBRATION) -> tuple[list[float | None], float]:
    """A UE's lone calibration in ns-3: the completion time of each upload of ``sizes`` alone
    in the cell (None: not within :data:`CALIBRATION_STOP_S`) and ns-3's wall seconds."""
    from scoutsim.bench import ltesim

    times, walls = [], 0.0
    for size in sizes:
        fct, wall = ltesim.run([distance], [size], [0.0], resource_blocks=resource_blocks, fading_trace=trace,
                               stop_s=CALIBRATION_STOP_S)
        walls += wall
        times.append(None if math.isnan(fct[0]) else fct[0])
    return times, walls


def run_case(c: FamilyCase, cal: dict, trace: str | None) -> tuple[list[float | None], float]:
    """One case in ns-3 (``cal``: the lone calibration times by key; ``trace``: the fading
    trace of its faded cases): each upload's completion time (None: never, within the
    case's stop) and ns-3's wall seconds. UEs that never completed alone take part, but the
    run does not wait for them."""
    from scoutsim.bench import ltesim

    awaited = [None not in cal[_cal_key(d, c.resource_blocks, c.fading)] for d in c.distances]
    fct, wall = ltesim.run(c.distances, c.sizes, c.starts, scheduler=c.scheduler, seed=c.index + 1,
                           resource_blocks=c.resource_blocks, rlc_bytes=c.rlc_bytes,
                           fading_trace=trace if c.fading else None, stop_s=STOP_S + max(c.starts),
                           awaited=awaited if any(awaited) else None)
    return [None if math.isnan(f) else f for f in fct], wall


def run_within(cases, cal: dict, trace: str | None, cpu_budget_s: float, log=print) -> tuple[list, list]:
    """``cases`` in ns-3 in their order until ``cpu_budget_s`` of CPU is spent (a case is run
    whole or not at all): the cases run and their times (:func:`run_case`)."""
    done, truth, cpu0 = [], [], time.process_time()
    for c in cases:
        if time.process_time() - cpu0 > cpu_budget_s:
            break
        times, wall = run_case(c, cal, trace)
        done.append(c)
        truth.append(times)
        log(f"case {c.index}: {len(c.distances)} UEs, {c.resource_blocks} RBs, {c.scheduler}: ns-3 {wall:.1f} s "
            f"wall, {time.process_time() - cpu0:.0f} s CPU so far")
    return done, truth


def reference_path(n: int, seed: int) -> Path:
    return shipped.folder("benchmarks/data") / f"lte_family_seed{seed}_n{n}.json"


def save(record: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(path)


def load(path: Path) -> dict:
    return json.loads(Path(path).read_text())


@dataclass(frozen=True)
class Lone:
    rate: float  # bytes/s
    offset: float  # s


def lone(times, sizes=CALIBRATION) -> Lone | None:
    """Own rate and offset from two lone uploads; None if either never completed."""
    if any(t is None or not math.isfinite(t) for t in times):
        return None
    (s1, s2), (t1, t2) = sizes, times
    rate = (s2 - s1) / (t2 - t1)
    return Lone(rate, t1 - s1 / rate)


def predict(case: FamilyCase, cal: dict[str, Lone | None], model: str) -> list[float]:
    """Completion times the model gives. A UE whose lone uploads never completed still
    holds its share of the cell's time and blocks, as in ns-3 (it is granted blocks but
    delivers next to nothing): an own rate of 1e-9 of the top rate, so it never completes
    (inf) and slows the others as it should."""
    k = len(case.distances)
    ones = [cal[_cal_key(d, case.resource_blocks, case.fading)] for d in case.distances]
    peak = cal[_cal_key(DISTANCES[0], case.resource_blocks, False)]
    if peak is None:
        raise ValueError(f"the nearest UE's lone calibration ({DISTANCES[0]} m) never completed: no reference rate")
    env = simpy.Environment()
    scheduler = "pf" if model == "pf_opportunistic" else "rr" if model == "equal_time" else case.scheduler
    rbs = case.resource_blocks if model.startswith("cell") else None
    fading = "none" if not case.fading or model == "equal_time" else "epa" if model == "cell_epa" else "rayleigh"
    cell = CellSpec("enb", "time_share", scheduler, resource_blocks=rbs, fading=fading,
                    transport_blocks=model in ("cell_tb", "cell_epa"))
    # An offset below 0 (under fading a lone UE's longer upload can be slower per byte than
    # its shorter one) is no wait at all.
    devices = [DeviceSpec(0, quality=(o.rate / peak.rate) if o else 1e-9, offset_s=max(o.offset, 0.0) if o else 0.0)
               for o in ones]
    net = Network(env, [cell], devices)
    net.set_capacity(peak.rate * 8 / 1e6)
    fct = [math.inf] * k

    def flow(i):
        yield env.timeout(case.starts[i])
        yield net.send(i, case.sizes[i])
        fct[i] = env.now - case.starts[i]

    for i in range(k):
        env.process(flow(i))
    env.run(until=10 * STOP_S + max(case.starts))
    return fct


def cases_of(record: dict) -> list[FamilyCase]:
    return [FamilyCase(**{**raw, **{k: tuple(raw[k]) for k in ("distances", "sizes", "starts")}})
            for raw in record["cases"]]


def errors(record: dict) -> dict:
    """Per model and (scheduler, fading) group: each flow's ``model / ns-3 - 1``. A flow
    that never completes in ns-3 nor in the model (its UE never completed alone either:
    the calibration says so) is left out of the errors and listed under ``starved``; one
    that never completes in only one of them scores an infinite error. ``also_starved``:
    per model, the flows it leaves out beyond ``starved`` (a UE that completes alone but,
    in ns-3 and the model alike, not in its shared cell)."""
    cal = {key: lone(t, tuple(record["calibration_sizes"])) for key, t in record["calibration"].items()}
    out: dict[str, dict[tuple, list[float]]] = {m: {g: [] for g in GROUPS} for m in MODELS}
    starved: list[tuple[int, int]] = []
    also: dict[str, list[tuple[int, int]]] = {m: [] for m in MODELS}
    for case, truth in zip(cases_of(record), record["ns3"]):
        group = (case.scheduler, case.fading)
        for m in MODELS:
            for i, (g, t) in enumerate(zip(predict(case, cal, m), truth)):
                if t is None and g == math.inf:
                    if None in record["calibration"][_cal_key(case.distances[i], case.resource_blocks, case.fading)]:
                        if m == MODELS[0]:
                            starved.append((case.index, case.distances[i]))
                    else:
                        also[m].append((case.index, case.distances[i]))
                    continue
                out[m][group].append(g / t - 1 if t is not None and g < math.inf else math.inf)
    return {"errors": out, "starved": starved, "also_starved": also}


def stats(err) -> tuple[float, float, float]:
    a = np.abs(np.asarray(err, dtype=float))
    if a.size == 0:
        return (math.nan,) * 3
    return float(np.median(a)), float(np.percentile(a, 90, method="higher")), float(a.max())


def table(record: dict) -> tuple[str, dict]:
    res = errors(record)
    lines = [f"{'scheduler':9s} {'fading':7s} {'flows':>5s} | " +
             " | ".join(f"{m + ': med p90 max':>26s}" for m in MODELS)]
    summary: dict[tuple, tuple] = {}
    for g in GROUPS:
        n = len(res["errors"]["cell"][g])
        if n == 0:
            continue
        cells = []
        for m in MODELS:
            s = stats(res["errors"][m][g])
            summary[(m, g[0], g[1])] = s
            cells.append(" ".join(f"{v:7.1%}" if math.isfinite(v) else f"{'inf':>7s}" for v in s))
        lines.append(f"{g[0]:9s} {str(g[1]):7s} {n:5d} | " + " | ".join(f"{c:>26s}" for c in cells))
    lines.append(f"flows that never completed in ns-3 within {STOP_S:g} s, as their UE's lone calibration "
                 f"foretold (left out above; case, distance m): {len(res['starved'])} {res['starved'] or ''}")
    for m, also in res["also_starved"].items():
        if also:
            lines.append(f"{m} also leaves out {len(also)} flows that ns-3 and it never complete, though their UE "
                         f"completes alone: {also}")
    return "\n".join(lines), summary


def run(family_n: int = 30, seed: int = 0) -> dict:
    n = family_n
    started = time.perf_counter()
    path = reference_path(n, seed)
    if path.exists():
        record = load(path)
        rerun = "stored with this installation" if shipped.is_installed(path) else "delete it to rerun ns-3"
        print(f"ns-3 reference read from {path} ({rerun})")
    elif shipped.is_installed(path):
        stored = ", ".join(p.stem for p in sorted(path.parent.glob("lte_family_*.json"))) or "none"
        raise UserError(f"bench lte --family {n} --seed {seed}: this installed scoutsim has no stored ns-3 "
                        f"reference for it (stored: {stored}); computing one runs ns-3 (about 40 minutes) "
                        "and needs a checkout of scoutsim, where it is written to benchmarks/data/")
    else:
        from scoutsim.bench.ns3sim import available

        if not available():
            raise UserError(f"bench lte --family {n} --seed {seed}: no stored ns-3 reference at {path}; computing "
                            "one needs ns-3, which is not installed (pip install 'scoutsim[validation]')")
        record = collect(n, seed, log=lambda line: print(line, flush=True))
        save(record, path)
        print(f"ns-3 reference written to {path}")
    text, summary = table(record)
    print(f"family of {n} cases, seed {seed}: error = model / ns-3 - 1 of each upload's completion time")
    print(text)
    walls = record["ns3_wall_s"]
    calibration = "an unrecorded time" if walls["calibration"] is None else f"{walls['calibration']:.0f} s"
    print(f"ns-3 took {calibration} for the calibration and {walls['cases']:.0f} s for the cases; "
          f"this run {time.perf_counter() - started:.0f} s")
    return {f"{m}/{s}/{'fading' if f else 'flat'}": v for (m, s, f), v in summary.items()}
