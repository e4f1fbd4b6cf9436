"""Rows of an oracle cache that are equal by construction must be equal in the cache.

By the mode grammar (docs/models/payload.md), several (edge, cloud, mode) keys name the same computation:

1. ``local`` is the edge model answering from its own full cache, which is ``bf16``: the
   edge model decoding its own unmodified KV (the cloud only receives it).
2. A KV mode (``bf16``, ``intK``, ``mixed_int4``, ``<sel>@<r>+<precision>``) and ``local``
   are decoded by the *edge's* model, so they do not depend on the cloud model: the same
   edge and mode under two clouds is one computation.
3. ``text`` is the cloud model prefilling the whole prompt itself: the cloud's ``bf16``
   when it is its own edge.
4. ``scout@r`` with the cloud as its own edge picks its own Q2C positions and decodes with
   the rest masked: ``q2c@r+bf16`` on that model.

:func:`check` compares every such pair present in a cache: per sample where both sides
have samples (exactly; they are the same decoder output), else by their means (to the
six decimals the published cache stores). It returns one message per disagreement, so a
test can assert that every shipped cache returns none.
"""

from __future__ import annotations

import pandas as pd

from scoutsim.modes import parse_mode

MEAN_TOLERANCE = 1e-6  # published means are stored rounded to 6 decimals


def _values(quality: pd.DataFrame) -> dict[tuple[str, str, str], pd.Series | float]:
    """Per key: F1 by sample id, or the mean when the key has only a mean row."""
    out = {}
    for key, g in quality.groupby(["edge_model", "cloud_model", "mode"], sort=True):
        samples = g[g["sample_id"] >= 0]
        out[key] = samples.set_index("sample_id")["f1"].astype(float) if len(samples) else float(g["f1"].iloc[0])
    return out


def equal_pairs(keys) -> list[tuple[tuple[str, str, str], tuple[str, str, str], str]]:
    """(key, key, rule) for every pair of present keys that are one computation."""
    keys = set(keys)
    pairs = []
    for edge, cloud, mode in sorted(keys):
        parsed = parse_mode(mode)
        if mode == "local" and (edge, cloud, "bf16") in keys:
            pairs.append(((edge, cloud, "local"), (edge, cloud, "bf16"),
                          "local is the edge model on its own full cache, i.e. bf16"))
        if parsed.kind in ("kv", "local"):
            for other in sorted(k for k in keys if k[0] == edge and k[2] == mode and k[1] > cloud):
                pairs.append(((edge, cloud, mode), other, f"{mode} is decoded by the edge's model, whatever the cloud"))
        if mode == "text" and (cloud, cloud, "bf16") in keys:
            pairs.append(((edge, cloud, "text"), (cloud, cloud, "bf16"),
                          "text is the cloud model on the full prompt, i.e. its own bf16"))
        if parsed.kind == "scout" and edge == cloud:
            q2c = str(parse_mode(f"q2c@{parsed.retention:g}+bf16"))
            if (edge, cloud, q2c) in keys:
                pairs.append(((edge, cloud, mode), (edge, cloud, q2c),
                              "a model scouting for itself applies its own Q2C selection"))
    return pairs


def _describe(key) -> str:
    return f"{key[2]} ({key[0]} -> {key[1]})"


def check(quality: pd.DataFrame) -> list[str]:
    """Messages for every pair of rows that should be equal by construction and are not."""
    values = _values(quality)
    problems = []
    for a, b, rule in equal_pairs(values):
        va, vb = values[a], values[b]
        if isinstance(va, pd.Series) and isinstance(vb, pd.Series):
            both = pd.concat([va, vb], axis=1, join="inner")
            differ = both[both.iloc[:, 0] != both.iloc[:, 1]]
            if len(differ):
                problems.append(f"{_describe(a)} and {_describe(b)} differ on {len(differ)} of {len(both)} shared "
                                f"samples (e.g. sample {differ.index[0]}: {differ.iloc[0, 0]:.4f} vs "
                                f"{differ.iloc[0, 1]:.4f}), but {rule}")
            continue
        ma = float(va.mean()) if isinstance(va, pd.Series) else va
        mb = float(vb.mean()) if isinstance(vb, pd.Series) else vb
        if abs(ma - mb) > MEAN_TOLERANCE:
            problems.append(f"{_describe(a)} has mean F1 {ma:.6f} and {_describe(b)} {mb:.6f}, but {rule}")
    return problems
