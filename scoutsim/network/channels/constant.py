from __future__ import annotations

from typing import Iterator, Literal

from pydantic import Field

from scoutsim.network.channels.base import CHANNELS, Channel, ChannelConfig


@CHANNELS.register("constant")
class ConstantChannel(Channel):
    class Config(ChannelConfig):
        kind: Literal["constant"]
        mbps: float = Field(gt=0)

    def __init__(self, mbps: float):
        self.mbps = float(mbps)

    @classmethod
    def from_config(cls, config, base_dir, rng):
        return cls(config.mbps)

    def changes(self) -> Iterator[tuple[float, float]]:
        yield 0.0, self.mbps

    def mean_mbps(self) -> float:
        return self.mbps
