"""The shipped comparison folders: no policy beats the clairvoyant bound, and adaptive with
the options each file's comment recommends is not worse than the best static mode of its
own mode list by more than the paired confidence interval.

Replications and durations are cut from the shipped ones to keep CI to seconds; the seeds
and streams are the files' own, so the comparisons stay paired.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import yaml

from scoutsim.config.loader import scenario_from_dict
from scoutsim.sim.clairvoyant import bound, f1_misses_zero, instance
from tests.conftest import ROOT
from tests.decisions.helpers import paired_ci, per_replication, run

FOLDERS = {
    # folder: (replications, duration for the adaptive-vs-static test; same for the bound)
    "compare_policies": ((20, 600), (10, 300)),
    # The allocator files' own 600 s: the recommended expected_f1 learns each mode's errors and
    # on-time record from its own transfers, in the first tens of seconds, a quarter of a 120 s
    # run but a twentieth of the files' horizon; at 12 x 120 s the earlier deficits of 0.005
    # F1 at 20 x 600 s went unseen. 12 replications resolve 0.005 F1 (half-widths about 0.002 on
    # the 7Bs) in about 5 s a file.
    "compare_allocators": ((12, 600), (4, 40)),
}


def files(folder):
    return sorted((ROOT / "scenarios" / folder).glob("*.yaml"))


def recommended(path) -> dict:
    """The file's machine-readable recommendation: a comment line `# recommended: {...}`."""
    m = re.search(r"^# recommended: (\{.*\})$", path.read_text(), re.M)
    assert m, f"{path.name} has no '# recommended:' line"
    return yaml.safe_load(m.group(1))


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_policy_beats_the_clairvoyant_bound(folder):
    reps, duration = FOLDERS[folder][1]
    paths = files(folder)
    data = [yaml.safe_load(p.read_text()) for p in paths]
    resolved = [scenario_from_dict(dict(d, replications=reps, duration_s=duration), source=p.name, base_dir=ROOT)
                for p, d in zip(paths, data)]
    # The files differ only in what they compare, so one bound serves them all.
    assert all(instance(r, 0) == instance(resolved[0], 0) for r in resolved[1:])
    best = f1_misses_zero(bound(resolved[0], time_limit_s=60))
    for p, d in zip(paths, data):
        got = per_replication(run(d, replications=reps, duration_s=duration), "f0")
        assert np.all(got <= best + 1e-9), (p.name, got - best)


def groups_static_vs_adaptive(path, reps, duration):
    data = yaml.safe_load(path.read_text())
    rec = recommended(path)
    adaptive = copy.deepcopy(data)
    for g in adaptive["agents"]:
        g.update(rec)
    adaptive_df = run(adaptive, replications=reps, duration_s=duration)
    for gi, g in enumerate(data["agents"]):
        mine = per_replication(adaptive_df[adaptive_df["group"] == gi], "f0")
        best = None
        for mode in g["modes"]:
            static = copy.deepcopy(adaptive)
            static["agents"][gi]["policy"] = f"static:{mode}"
            df = run(static, replications=reps, duration_s=duration)
            f0 = per_replication(df[df["group"] == gi], "f0")
            if best is None or f0.mean() > best[1].mean():
                best = (mode, f0)
        yield g.get("name", gi), mine, best


# The policy files differ only in the policy the recommendation replaces: one case stands for
# them all. The allocator files differ in allocator and sharing: each is its own case.
CASES = [("compare_policies", files("compare_policies")[0])] + [("compare_allocators", p) for p in files("compare_allocators")]
# Known shortfalls, measured at this test's 12 x 600 s and stated in the files' comments: the
# recommendation is the generated family's (expected_f1:in_flight with cloud_aware: probe, README), not one
# tuned per file, and on these hand-built allocator files it is below the best static mode by 0.002 to 0.065 F1 (on
# reserved slices expected_f1 never tries int8: a mode never sent keeps the prior's wide spread).
# (quality_max plans a device's weight from the modes it can send, not from its policy's
# candidates, scoutsim/sim/world.py planning_options: a static mode is compared on the
# allocation the adaptive device got. Planned from the policy's one mode, a static-int4
# Mistral-7B was given 11.2 Mbps where the adaptive one got the floor slice, and no mode choice
# could match a slice it was not given.)
# Strict: a file added here must fail.
SHORTFALLS: set[str] = {
    "deadline_reserved.yaml", "deadline_work_conserving.yaml", "equal_reserved.yaml", "equal_work_conserving.yaml",
    "joint_reserved.yaml", "model_aware_reserved.yaml", "model_aware_work_conserving.yaml",
    "quality_max_reserved.yaml", "quality_max_work_conserving.yaml"}


def case_param(folder, path):
    marks = [pytest.mark.xfail(strict=True, reason="adaptive below the best static mode (see the file's comment)")] \
        if path.name in SHORTFALLS else []
    return pytest.param(folder, path, marks=marks, id=f"{folder}/{path.name}")


# "Not worse beyond the paired CI" means something only if the interval is narrow: with too
# few replications a wide interval would let any shortfall pass. The comparison must resolve
# 0.03 F1 (4 % of the 7B's full-KV 0.776), the smallest difference the files' comments call
# a shortfall being 0.005 and their half-widths about 0.002 on the 7Bs.
RESOLUTION_F1 = 0.03


@pytest.mark.parametrize("folder,path", [case_param(f, p) for f, p in CASES])
def test_adaptive_is_not_worse_than_the_best_static_mode(folder, path):
    reps, duration = FOLDERS[folder][0]
    for name, mine, (mode, best) in groups_static_vs_adaptive(path, reps, duration):
        mean, low, high = paired_ci(mine, best)
        where = (f"{path.name} {name}: adaptive {mine.mean():.3f} vs static:{mode} {best.mean():.3f} "
                 f"({mean:+.3f}, CI [{low:.3f}, {high:.3f}])")
        assert (high - low) / 2 <= RESOLUTION_F1, f"interval too wide to judge: {where}"
        assert high >= 0, where
