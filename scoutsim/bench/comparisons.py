"""``bench decisions --comparisons``: decision options on the shipped comparison files.

The files of ``scenarios/compare_policies/`` (which differ only in the policy the
recommendation replaces: the first stands for them all) and ``scenarios/compare_allocators/``
(each its own case) carry the project's recommendation on a ``# recommended: {...}`` line,
and ``tests/decisions/test_comparisons.py`` holds it to them: per group, the option given to
every group against the group's best static mode, the other groups keeping the option, paired
by replication (the files' own seeds), at :data:`FOLDERS`' replications and duration. A group
*falls short* when the paired 95 % Student-t interval lies below 0, and the comparison is
*too wide to judge* when its half-width is over :data:`RESOLUTION_F1`.

A candidate recommendation is held to the same files with ``--options`` (the family's option
labels, :func:`scoutsim.bench.decisions.options`); without it, each file's own line is run.
An option's ``estimator_warmup`` and ``estimator_prior: offer`` are left out for devices under a granting
allocator (``joint``), which are told their rate and would refuse them.
This module is the test's comparison, so that what the test checks can be run for any option.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from scoutsim.intervals import t_interval, within

# folder: (replications, duration_s) of the comparison. The allocator files need their own
# 600 s: the recommended expected_f1 learns each mode's errors and record in the first tens
# of seconds, a quarter of a 120 s run (at 12 x 120 s, deficits of 0.005 F1 went unseen).
FOLDERS = {"compare_policies": (20, 600), "compare_allocators": (12, 600)}
# A comparison must resolve 0.03 F1 (4 % of the 7B's full-KV 0.776); the files' smallest
# stated shortfall is 0.005, their half-widths about 0.002 on the 7Bs.
RESOLUTION_F1 = 0.03


def folder_files(root: Path, folder: str) -> list[Path]:
    return sorted((root / "scenarios" / folder).glob("*.yaml"))


def comparison_files(root: Path) -> list[tuple[str, Path]]:
    """(folder, file) of every case: the first policy file, then every allocator file."""
    return ([("compare_policies", folder_files(root, "compare_policies")[0])]
            + [("compare_allocators", p) for p in folder_files(root, "compare_allocators")])


def recommended(path: Path) -> dict:
    """The file's machine-readable recommendation: a comment line ``# recommended: {...}``."""
    m = re.search(r"^# recommended: (\{.*\})$", path.read_text(), re.M)
    if not m:
        raise ValueError(f"{path.name} has no '# recommended:' line")
    return yaml.safe_load(m.group(1))


@dataclass
class GroupComparison:
    file: str
    group: str
    mine: np.ndarray  # per replication, F1 with misses scored 0
    best_mode: str
    best: np.ndarray
    note: str = ""  # what of the option this group was run without, and why

    @property
    def diff(self) -> tuple[float, float, float]:
        """Mean of mine - best with its 95 % Student-t interval (low, high)."""
        ci = within(t_interval(self.mine - self.best), -1.0, 1.0)  # a difference of F1s
        return ci.estimate, ci.low, ci.high

    @property
    def short(self) -> bool:
        return self.diff[2] < 0

    @property
    def too_wide(self) -> bool:
        """Wider than :data:`RESOLUTION_F1`, or no interval at all (under two replications)."""
        _, low, high = self.diff
        return not (high - low) / 2 <= RESOLUTION_F1


def option_scenario(data: dict, change: dict) -> tuple[dict, set[str]]:
    """``data`` with ``change`` given to every group (:func:`scoutsim.bench.decisions.apply`),
    and the uplinks whose allocator grants a rate: their devices are told it, so an option's
    ``estimator_warmup`` and ``estimator_prior: offer``, which such a device refuses, are left out
    for them."""
    from scoutsim.bench.decisions import apply
    from scoutsim.config.netchecks import refused_when_granted
    from scoutsim.decisions.allocators import grants_rate

    out = apply(data, change)
    granting = {u["id"] for u in out["uplinks"] if grants_rate(u.get("allocator", "equal"))}
    dropped = set()
    for g in out["agents"]:
        refused = refused_when_granted(g) if g["uplink"] in granting else []
        for k in refused:
            del g[k]
        if refused:
            dropped.add(g["uplink"])
    return out, dropped


def compare(path: Path, change: dict | None, root: Path, replications: int,
            duration_s: float) -> list[GroupComparison]:
    """Every group of the file at ``path`` with ``change`` (the family's option changes; None:
    the file's ``# recommended:`` keys) given to every group, against that group's best static
    mode with the other groups on the option."""
    from scoutsim.config.loader import scenario_from_dict
    from scoutsim.sim.records import misses_scored_zero
    from scoutsim.sim.runner import simulate

    def f0_by_group(data: dict) -> dict[int, np.ndarray]:
        data = dict(data, replications=replications, duration_s=duration_s)
        df = simulate(scenario_from_dict(data, source=path.name, base_dir=root))
        df = df.assign(f0=misses_scored_zero(df))
        return {g: part.groupby("replication")["f0"].mean().to_numpy() for g, part in df.groupby("group")}

    data = yaml.safe_load(path.read_text())
    adaptive, dropped = option_scenario(data, recommended(path) if change is None else change)
    mine = f0_by_group(adaptive)
    out = []
    for g, spec in enumerate(data["agents"]):
        statics = {}
        for mode in spec["modes"]:
            static = copy.deepcopy(adaptive)
            static["agents"][g]["policy"] = f"static:{mode}"
            statics[mode] = f0_by_group(static).get(g, np.empty(0))
        best_mode = max(statics, key=lambda m: statics[m].mean())  # the first of equal means
        note = "run without estimator_warmup or estimator_prior (its allocator grants the rate)" if spec["uplink"] in dropped else ""
        out.append(GroupComparison(path.name, str(spec.get("name", g)), mine.get(g, np.empty(0)), best_mode,
                                   statics[best_mode], note))
    return out


def report(label: str, rows: list[GroupComparison]) -> list[str]:
    lines = [f"{label}: each group against its best static mode (F1, misses scored 0; paired 95 % CI)"]
    for r in rows:
        mean, low, high = r.diff
        flag = "falls short" if r.short else ("too wide to judge" if r.too_wide else "")
        lines.append(f"  {r.file:34s} {r.group:10s} {r.mine.mean():.3f} vs static:{r.best_mode} {r.best.mean():.3f} "
                     f"{mean:+.3f} [{low:+.3f}, {high:+.3f}] {flag}".rstrip() + (f" ({r.note})" if r.note else ""))
    short = sorted({r.file for r in rows if r.short or r.too_wide})
    lines.append(f"  files with a group short or too wide: {len(short)} of {len({r.file for r in rows})}"
                 + (f" ({', '.join(short)})" if short else ""))
    return lines
