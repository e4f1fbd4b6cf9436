from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
from pydantic import BaseModel, ConfigDict

from scoutsim.registry import Registry


class ChannelConfig(BaseModel):
    """Base of every channel kind's scenario block: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # NaN passes bounds
    if TYPE_CHECKING:
        kind: str  # every kind's Config declares its own literal


class Channel:
    """Piecewise-constant capacity. Subclasses implement :meth:`changes`, declare their
    scenario block as a nested ``Config(ChannelConfig)`` and build from it in
    ``from_config(config, base_dir, rng)``."""

    Config: type[ChannelConfig]

    @classmethod
    def from_config(cls, config: Any, base_dir: Path, rng: np.random.Generator) -> Channel:
        raise NotImplementedError

    def changes(self) -> Iterator[tuple[float, float]]:
        raise NotImplementedError

    def mean_mbps(self) -> float:
        """Long-run mean capacity: what planning-time allocators and priors assume."""
        raise NotImplementedError


CHANNELS: Registry[type[Channel]] = Registry("channel kind")


def build_channel(config: Any, base_dir: Path, rng: np.random.Generator) -> Channel:
    cls = CHANNELS.get(config.kind)
    return cls.from_config(config, base_dir, rng)
