"""The unit of an oracle build, shared by the local loop (``build``) and the Ray workers
(``distributed``): load the model pair, and build one sample's shard.

It lives apart from ``build`` so that ``distributed`` need not import ``build`` (which
imports ``distributed`` to hand it the samples): no import cycle.
"""

from __future__ import annotations

from pathlib import Path

from scoutsim.oracle import data, modelio, runner, writer


def load_pair(spec, device: str) -> tuple[modelio.LoadedModel, modelio.LoadedModel]:
    """The (edge, cloud) models of a ``build.BuildSpec``, on ``device``."""
    edge = modelio.load(*spec.edge, dtype=spec.dtype, device=device)
    same = spec.cloud == spec.edge  # one model playing both roles (a self-pair) is loaded once
    cloud = edge if same else modelio.load(*spec.cloud, dtype=spec.dtype, device=device)
    return edge, cloud


def build_sample(edge, cloud, sample: data.Sample, modes, cloud_modes, spec, shards: Path) -> None:
    """Every mode's rows of one sample, stored as its shard: the unit of resumption,
    whichever executor runs it."""
    rows = runner.run_sample(edge, cloud, sample, modes, cloud_modes, spec.seed, spec.max_new_tokens)
    writer.atomic_write_json(shards / f"{sample.sample_id}.json", rows)
