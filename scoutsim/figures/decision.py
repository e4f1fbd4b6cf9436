"""Decision maps: the best mode over (rate x context length), from first principles.

For an agent group of a scenario, at a rate ``B`` the device has to itself and a prompt of
``n`` tokens, every candidate mode's completion time is what the adaptive policy predicts
(docs/models/compute.md): edge compute + payload bytes / B + one-way latency + cloud
compute, with payloads from :mod:`scoutsim.physics.payload` (model shapes) and compute times from
:mod:`scoutsim.physics.compute` (the oracle's measured timings, scaled by each site's slowdown).
The best mode is the highest oracle quality (mean F1) among those within the deadline,
ties to the faster, exactly the adaptive rule; where none meets the deadline the map says
so. Queueing (edge, uplink sharing, cloud) is left out: this is the single-request view.
"""

from __future__ import annotations

import dataclasses

from pathlib import Path

import numpy as np
from matplotlib.patches import Patch

from scoutsim.figures.style import plt, save

NONE = "none meets the deadline"
NONE_HATCH = "xx"
# Line hatches of four directions, then a plain fill: they stay distinct in greyscale and
# at print size, whereas point textures (dots, small crosses, circles) blur into one
# another, which made the 2nd mode (int8) and the 5th (local) look alike. Point textures
# (besides "none"'s cross-hatch) only past five modes.
MODE_HATCHES = ["//", "\\\\", "||", "--", "", "..", "oo", "++", "**"]


def mode_times(oracle, models, scenario, group, rate_bytes_s: np.ndarray, tokens: int):
    """Per candidate mode: (name, quality, completion seconds at each rate)."""
    from scoutsim.physics.compute import ComputeModel, Site
    from scoutsim.modes import parse_mode
    from scoutsim.physics.journey import request_seconds
    from scoutsim.physics.payload import sent_bytes
    from scoutsim.sim.questions import QuestionPool

    uplink = next(u for u in scenario.uplinks if u.id == group.uplink)
    latency = uplink.latency_ms / 1000.0
    compute = ComputeModel(oracle, group.edge_model, group.cloud_model,
                           Site(group.edge_slowdown, group.edge_prefill_tokens_per_s),
                           Site(scenario.cloud_of(group).slowdown, scenario.cloud_of(group).prefill_tokens_per_s),
                           scenario.deadline_on == "answer")
    pool = QuestionPool(oracle, group.edge_model, group.cloud_model, tokens, group.answer_tokens)
    q = pool.typical_question()
    if group.answer_length is not None:  # an assumed distribution: its mean length
        q = dataclasses.replace(q, answer_tokens=round((group.answer_length.low + group.answer_length.high) / 2))
    shape = models[group.edge_model]
    out = []
    for name in group.candidate_modes:
        mode = parse_mode(name)
        edge = compute.edge_seconds(mode, tokens, q.answer_tokens)
        sends = mode.uses_uplink
        size = sent_bytes(name, group.payload_bytes, shape, mode, tokens, context_bytes=q.context_bytes,
                          question_bytes=q.question_bytes, context_at_cloud=group.context_at_cloud) if sends else 0
        cloud = compute.cloud_seconds(mode, tokens, q.answer_tokens) if sends else 0.0
        t = np.full_like(rate_bytes_s, request_seconds(edge, size, rate_bytes_s, latency, cloud, sends=sends))
        out.append((name, oracle.draws(group.edge_model, group.cloud_model, name).mean, t))
    return out


def best_modes(oracle, models, scenario, group, mbps: np.ndarray, tokens: np.ndarray):
    """Index into the group's modes of the best mode at each (tokens, mbps); -1: none."""
    rate = mbps * 1e6 / 8
    names = list(group.candidate_modes)
    z = np.full((len(tokens), len(mbps)), -1, dtype=int)
    for i, n in enumerate(tokens):
        cands = mode_times(oracle, models, scenario, group, rate, int(n))
        for j in range(len(mbps)):
            ok = [(q, -t[j], k) for k, (_, q, t) in enumerate(cands) if t[j] <= group.deadline_s]
            if ok:
                z[i, j] = max(ok)[2]
    return names, z


def draw_decision_maps(scenario, oracle, out_dir: Path, mbps_range=(1.0, 1000.0), tokens_range=(64, 8192),
                       resolution=(60, 40)) -> list[Path]:
    from scoutsim.physics.models import ModelBook

    models = ModelBook().with_cache_models(oracle.meta.get("models", {}))
    mbps = np.logspace(np.log10(mbps_range[0]), np.log10(mbps_range[1]), resolution[0])
    tokens = np.unique(np.logspace(np.log10(tokens_range[0]), np.log10(tokens_range[1]), resolution[1]).astype(int))
    groups = [g for g in scenario.agents if len(g.candidate_modes) > 1] or list(scenario.agents)
    seen, unique = set(), []
    for g in groups:
        key = (g.edge_model, g.cloud_model, tuple(g.candidate_modes), g.deadline_s, g.edge_slowdown, g.uplink)
        if key not in seen:
            seen.add(key)
            unique.append(g)
    before = oracle.extrapolated
    # One style per mode across all panels, so that a mode looks the same everywhere.
    every = list(dict.fromkeys(m for g in unique for m in g.candidate_modes))
    labels = [NONE] + every
    # Light greys so the black hatches stay visible; "none" is white, cross-hatched.
    shades = ["1.0"] + [f"{0.35 + 0.6 * i / max(len(every) - 1, 1):.3f}" for i in range(len(every))]
    hatches = [NONE_HATCH] + [MODE_HATCHES[i % len(MODE_HATCHES)] for i in range(len(every))]
    levels = np.arange(-1.5, len(every))
    fig, axs = plt.subplots(1, len(unique), figsize=(5.6 * len(unique), 5.2), squeeze=False)
    for ax, g in zip(axs.flat, unique):
        names, z = best_modes(oracle, models, scenario, g, mbps, tokens)
        to_global = np.array([every.index(n) for n in names] + [-1])
        z = to_global[z]  # z == -1 picks the appended -1: "none"
        ax.contourf(mbps, tokens, z, levels=levels, colors=shades, hatches=hatches)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rate available to the device (Mbps)")
        ax.set_ylabel("context length (tokens)")
        ax.set_title(f"{g.name or g.edge_model} -> {g.cloud_model}, deadline {g.deadline_s:g} s", fontsize=9)
        present = sorted(set(z.ravel()))
        handles = [Patch(facecolor=shades[k + 1], hatch=hatches[k + 1], edgecolor="black", label=labels[k + 1])
                   for k in present]
        ax.legend(handles=handles, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=min(3, len(handles)), frameon=False)
    note = "best mode = highest oracle F1 predicted within the deadline (single request, no queueing)"
    if oracle.extrapolated > before:
        note += "; compute times extrapolated beyond the oracle's measured context lengths"
    fig.text(0.01, 0.005, note, fontsize=6.5)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return save(fig, out_dir, "decision_map", tight=False)
