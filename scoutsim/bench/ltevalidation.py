"""ns-3's LTE uplink against scoutsim's cell model: flow completion times of TCP uploads.

Each case is a few UEs at different distances from one eNodeB uploading KV-sized payloads
(started together, staggered, of mixed sizes, some through a shared backhaul). ns-3 runs it
packet by packet with its LTE module and EPC (:mod:`scoutsim.bench.ltesim`); scoutsim runs
the same uploads through :class:`scoutsim.network.cell.Network`, twice:

* the **cell model**: a ``time_share`` cell, scheduler ``rr``, ``resource_blocks: 25`` (ns-3
  gives each of ``k <= 8`` UEs ``floor(25 / k)`` blocks per TTI), each UE with its own rate, and
  the backhaul, where there is one, as a wired link;
* the **naive shared-rate model** (the simulator before the cell model): one rate shared
  equally in bits by the transfers in flight (``work_conserving``), the rate being the mean
  of the UEs' own rates (what equal time shares give when all UEs send).

Calibration uses single-UE runs only, never the multi-UE runs being predicted: each
distance's UE uploads two sizes ``S1 < S2`` alone; its own rate is
``r = (S2 - S1) / (T2 - T1)`` (the bytes that a longer upload adds, over the time they add)
and its fixed cost ``a = T1 - S1 / r`` (attach-to-grant, TCP's handshake and slow start,
the latency to the remote host). In both models a UE's transfer starts ``a`` after its
upload does. A backhaul of ``B`` Mbps carries ``B x 1400 / 1490`` of payload: every 1400-byte
segment travels with 52 bytes of TCP/IP headers, 36 of GTP-U/UDP/IP and 2 of PPP.
The error of a flow is ``scoutsim / ns-3 - 1``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import simpy

from scoutsim.network.cell import CellSpec, DeviceSpec, Network
from scoutsim.network.uplink import SharedUplink

MB = 1e6
DISTANCES = (60, 150, 250, 350, 450, 550, 650, 750)  # metres from the eNodeB
CALIBRATION = (0.3 * MB, 1.2 * MB)
BACKHAUL_PAYLOAD = 1400 / 1490
TARGET_MEDIAN = 0.05
TARGET_P90 = 0.10
TARGET_SPEEDUP = 1000.0
REPEATS = 5


@dataclass(frozen=True)
class LteCase:
    name: str
    ues: tuple[int, ...]  # distances of the UEs, metres (each one of DISTANCES)
    sizes: tuple[float, ...]
    starts: tuple[float, ...]
    backhaul_mbps: float | None = None


def cases(quick: bool = False) -> list[LteCase]:
    four = (60, 250, 450, 650)
    out = [
        LteCase("2 UEs 1MB", (60, 450), (1 * MB,) * 2, (0.0,) * 2),
        LteCase("4 UEs 1MB", four, (1 * MB,) * 4, (0.0,) * 4),
        LteCase("4 UEs mixed", four, (2 * MB, 0.5 * MB, 1 * MB, 0.25 * MB), (0.0,) * 4),
        LteCase("4 UEs staggered", four, (1 * MB,) * 4, (0.0, 0.3, 0.6, 0.9)),
        LteCase("6 UEs mixed", DISTANCES[:6], (1.5 * MB, 0.3 * MB, 1 * MB, 0.5 * MB, 0.8 * MB, 0.2 * MB),
                (0.0,) * 6),
        LteCase("8 UEs 0.5MB", DISTANCES, (0.5 * MB,) * 8, (0.0,) * 8),
        LteCase("8 UEs staggered mixed", DISTANCES,
                (1.5 * MB, 0.3 * MB, 1 * MB, 0.5 * MB, 0.8 * MB, 0.2 * MB, 0.4 * MB, 0.25 * MB),
                tuple(0.25 * i for i in range(8))),
        LteCase("backhaul 6Mbps 4 UEs", (60, 60, 150, 250), (1 * MB,) * 4, (0.0,) * 4, backhaul_mbps=6),
        LteCase("backhaul 10Mbps mixed", (60, 150, 250, 450), (1.5 * MB, 1 * MB, 0.5 * MB, 0.3 * MB),
                (0.0, 0.2, 0.4, 0.6), backhaul_mbps=10),
    ]
    if quick:
        out = [c for c in out if c.name in ("2 UEs 1MB", "4 UEs staggered", "backhaul 6Mbps 4 UEs")]
    return out


@dataclass(frozen=True)
class Calibration:
    rate: float  # bytes/s: the UE's own rate, alone in the cell
    offset: float  # s: its fixed cost before the fluid transfer


def calibrate(distances, run_one) -> dict[int, Calibration]:
    """``run_one(distance, size) -> completion time`` of a lone UE's upload."""
    s1, s2 = CALIBRATION
    out = {}
    for d in distances:
        t1, t2 = run_one(d, s1), run_one(d, s2)
        rate = (s2 - s1) / (t2 - t1)
        out[d] = Calibration(rate, t1 - s1 / rate)
    return out


def _drive(env, send, case: LteCase, cal: dict[int, Calibration]) -> list[float]:
    fct = [np.nan] * len(case.ues)

    def flow(i):
        c = cal[case.ues[i]]
        yield env.timeout(case.starts[i] + c.offset)
        yield send(i, case.sizes[i])
        fct[i] = env.now - case.starts[i]

    for i in range(len(case.ues)):
        env.process(flow(i))
    env.run()
    return fct


def cell_model(case: LteCase, cal: dict[int, Calibration], resource_blocks: int = 25) -> list[float]:
    env = simpy.Environment()
    links = {"s1u": case.backhaul_mbps * 1e6 / 8 * BACKHAUL_PAYLOAD} if case.backhaul_mbps else None
    devices = [DeviceSpec(0, own_channel=True, links=("s1u",) if links else ()) for _ in case.ues]
    net = Network(env, [CellSpec("enb", "time_share", "rr", resource_blocks=resource_blocks)], devices, links)
    for i, d in enumerate(case.ues):
        net.set_device_capacity(i, cal[d].rate * 8 / 1e6)
    return _drive(env, net.send, case, cal)


def naive_model(case: LteCase, cal: dict[int, Calibration]) -> list[float]:
    env = simpy.Environment()
    link = SharedUplink(env, [1.0] * len(case.ues), "work_conserving")
    mean = float(np.mean([cal[d].rate for d in case.ues]))
    if case.backhaul_mbps:
        mean = min(mean, case.backhaul_mbps * 1e6 / 8 * BACKHAUL_PAYLOAD)
    link.set_capacity(mean * 8 / 1e6)
    return _drive(env, link.send, case, cal)


def _stats(err: np.ndarray) -> str:
    a = np.abs(err)
    return f"{np.median(a):7.1%} {np.percentile(a, 90):7.1%} {np.max(a):7.1%}"


def run(quick: bool = False, family: int | None = None, seed: int = 0) -> dict:
    """The fixed cases above; with ``family``, a random family of that many cases instead
    (:mod:`scoutsim.bench.ltefamily`, drawn from ``seed``)."""
    if family is not None:
        from scoutsim.bench import ltefamily

        return ltefamily.run(family_n=family, seed=seed)
    from scoutsim.bench import ltesim

    started = time.perf_counter()
    ltesim.load()
    print(f"ns-3 LTE loaded in {time.perf_counter() - started:.1f} s. ns-3: LENA + EPC, "
          f"{ltesim.RESOURCE_BLOCKS} uplink RBs, RrFfMacScheduler, log-distance path loss "
          f"{ltesim.REFERENCE_LOSS_DB:g} dB + {10 * ltesim.PATHLOSS_EXPONENT:g} log10(d), UEs at "
          f"{ltesim.TX_POWER_DBM:g} dBm, RLC UM buffer 16 MiB, TCP Cubic MSS {ltesim.MSS}.")
    todo = cases(quick)
    needed = sorted({d for c in todo for d in c.ues})
    ns3_wall = 0.0

    def lone(d, size):
        nonlocal ns3_wall
        fct, wall = ltesim.run([d], [size], [0.0])
        ns3_wall += wall
        return fct[0]

    cal = calibrate(needed, lone)
    print("calibration (single-UE runs of "
          f"{CALIBRATION[0] / MB:g} and {CALIBRATION[1] / MB:g} MB): " +
          ", ".join(f"{d} m {c.rate * 8 / 1e6:.2f} Mbps +{c.offset * 1e3:.0f} ms" for d, c in cal.items()))
    head = f"{'case':24s} {'flows':>5s} | {'cell model rr+RB: med p90 max':>30s} | {'naive shared rate: med p90 max':>31s}"
    print("error = scoutsim / ns-3 - 1 of each upload's completion time (start to last byte at the remote host)")
    print(head)
    print("-" * len(head))
    cell_err, naive_err = [], []
    ns3_cases, fluid_wall = 0.0, 0.0
    for case in todo:
        truth, wall = ltesim.run(case.ues, case.sizes, case.starts, backhaul_mbps=case.backhaul_mbps)
        ns3_cases += wall
        best = float("inf")
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            model = cell_model(case, cal)
            best = min(best, time.perf_counter() - t0)
        fluid_wall += best
        e_cell = np.asarray(model) / np.asarray(truth) - 1
        e_naive = np.asarray(naive_model(case, cal)) / np.asarray(truth) - 1
        cell_err.append(e_cell)
        naive_err.append(e_naive)
        print(f"{case.name:24s} {len(truth):5d} | {_stats(e_cell):>30s} | {_stats(e_naive):>31s}")
    cell_all, naive_all = np.concatenate(cell_err), np.concatenate(naive_err)
    print("-" * len(head))
    print(f"{'ALL':24s} {len(cell_all):5d} | {_stats(cell_all):>30s} | {_stats(naive_all):>31s}")
    med, p90 = float(np.median(np.abs(cell_all))), float(np.percentile(np.abs(cell_all), 90))
    speedup = ns3_cases / fluid_wall if fluid_wall > 0 else float("inf")
    print(f"cell model: median |error| {med:.1%} (target <= {TARGET_MEDIAN:.0%}; "
          f"{'met' if med <= TARGET_MEDIAN else 'MISSED'}), p90 {p90:.1%} (target <= {TARGET_P90:.0%}; "
          f"{'met' if p90 <= TARGET_P90 else 'MISSED'}); naive shared rate: median "
          f"{np.median(np.abs(naive_all)):.1%}, p90 {np.percentile(np.abs(naive_all), 90):.1%}")
    print(f"speed: ns-3 {ns3_cases:.1f} s, scoutsim {fluid_wall * 1e3:.2f} ms for the same uploads: "
          f"{speedup:,.0f}x faster (target >= {TARGET_SPEEDUP:,.0f}x; "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'MISSED'}); calibration took ns-3 {ns3_wall:.1f} s more")
    return {"median_abs_error_cell": med, "p90_abs_error_cell": p90,
            "max_abs_error_cell": float(np.max(np.abs(cell_all))),
            "median_abs_error_naive": float(np.median(np.abs(naive_all))),
            "p90_abs_error_naive": float(np.percentile(np.abs(naive_all), 90)),
            "speedup": speedup, "flows": int(len(cell_all))}
