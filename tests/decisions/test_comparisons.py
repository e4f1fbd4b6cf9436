"""The shipped comparison folders: no policy beats the clairvoyant bound, and adaptive with
the options each file's comment recommends is not worse than the best static mode of its
own mode list by more than the paired confidence interval.

Replications and durations are cut from the shipped ones to keep CI to seconds; the seeds
and streams are the files' own, so the comparisons stay paired.
"""

from __future__ import annotations


import numpy as np
import pytest
import yaml

from scoutsim.bench import comparisons
from scoutsim.config.loader import scenario_from_dict
from scoutsim.sim.clairvoyant import bound, f1_misses_zero, instance
from tests.conftest import ROOT
from tests.decisions.helpers import per_replication, run

# The bound test's cut replications and durations, per folder; the comparison's are
# comparisons.FOLDERS (the allocator files' own 600 s; scoutsim/bench/comparisons.py says why).
BOUND_RUNS = {"compare_policies": (10, 300), "compare_allocators": (4, 40)}


def files(folder):
    return comparisons.folder_files(ROOT, folder)


@pytest.mark.parametrize("folder", sorted(BOUND_RUNS))
def test_no_policy_beats_the_clairvoyant_bound(folder):
    reps, duration = BOUND_RUNS[folder]
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


# The policy files differ only in the policy the recommendation replaces: one case stands for
# them all. The allocator files differ in allocator and sharing: each is its own case.
CASES = comparisons.comparison_files(ROOT)
# Known shortfalls, measured at this test's 12 x 600 s and stated in the files' comments: the
# recommendation is the generated family's (expected_f1:in_flight,decline,cloud_priced,own_edge,predictive,live with
# cloud_aware: probe and estimator_prior: offer, README), not one
# tuned per file, and on these hand-built allocator files it is below the best static mode by 0.002 to 0.075 F1 (on
# reserved slices expected_f1 never tries int8: a mode never sent keeps the prior's wide spread).
# (quality_max plans a device's weight from the modes it can send, not from its policy's
# candidates, scoutsim/sim/world.py planning_options: a static mode is compared on the
# allocation the adaptive device got. Planned from the policy's one mode, a static-int4
# Mistral-7B was given 11.2 Mbps where the adaptive one got the floor slice, and no mode choice
# could match a slice it was not given.)
# Strict: a file added here must fail.
SHORTFALLS: set[str] = {
    "deadline_reserved.yaml", "deadline_work_conserving.yaml", "equal_reserved.yaml", "equal_work_conserving.yaml",
    "joint_reserved.yaml", "model_aware_reserved.yaml", "quality_max_reserved.yaml", "quality_max_work_conserving.yaml"}


def case_param(folder, path):
    marks = [pytest.mark.xfail(strict=True, reason="adaptive below the best static mode (see the file's comment)")] \
        if path.name in SHORTFALLS else []
    return pytest.param(folder, path, marks=marks, id=f"{folder}/{path.name}")


# "Not worse beyond the paired CI" means something only if the interval is narrow: with too
# few replications a wide interval would let any shortfall pass (comparisons.RESOLUTION_F1).
# `python -m scoutsim bench decisions --comparisons` prints the same comparison for every file.
@pytest.mark.parametrize("folder,path", [case_param(f, p) for f, p in CASES])
def test_adaptive_is_not_worse_than_the_best_static_mode(folder, path):
    for c in comparisons.compare(path, None, ROOT, *comparisons.FOLDERS[folder]):
        mean, low, high = c.diff
        where = (f"{path.name} {c.group}: adaptive {c.mine.mean():.3f} vs static:{c.best_mode} {c.best.mean():.3f} "
                 f"({mean:+.3f}, CI [{low:.3f}, {high:.3f}])")
        assert not c.too_wide, f"interval too wide to judge: {where}"
        assert not c.short, where
