"""A scoutsim plug-in: importing this module registers one allocator, one policy, one
estimator and one channel kind (see README.md beside the package)."""

from __future__ import annotations

import statistics
from collections import deque
from typing import Iterator, Literal

from pydantic import Field, model_validator

from scoutsim.decisions.allocators import ALLOCATORS, Allocator
from scoutsim.decisions.estimators import ESTIMATORS, Estimator
from scoutsim.decisions.policy import POLICIES, Policy
from scoutsim.network.channels.base import CHANNELS, Channel, ChannelConfig


@ALLOCATORS.register("by_deadline")
class ByDeadline(Allocator):
    """Weight ``1 / deadline_s``: an agent with half the deadline gets twice the share."""

    def weights(self, demands, mean_capacity):
        return [1.0 / d.deadline_s for d in demands]


@POLICIES.register("good_enough")
class GoodEnough(Policy):
    """``good_enough:<f1>``: the fastest mode whose expected F1 is at least ``<f1>`` (deadline
    or not); when no mode is that good, the best one."""

    @classmethod
    def parse_arg(cls, arg):
        try:
            value = float(arg)
        except (TypeError, ValueError):
            raise ValueError(f"needs a minimum F1 in [0, 1]: good_enough:<f1> (got {arg!r})") from None
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"needs a minimum F1 in [0, 1] (got {value:g})")
        return f"{value:g}"

    def __init__(self, arg: str):
        self.floor = float(arg)

    def decide(self, situation):
        seconds, qualities = situation.seconds, situation.qualities
        good = [i for i, q in enumerate(qualities) if q >= self.floor]
        if good:
            return min(good, key=seconds.__getitem__)
        return max(range(len(qualities)), key=qualities.__getitem__)


@ESTIMATORS.register("median")
class Median(Estimator):
    """Median of the last five observed throughputs; the prior until the first."""

    WINDOW = 5

    def __init__(self, prior, probe):
        super().__init__(prior, probe)
        self.samples: deque[float] = deque(maxlen=self.WINDOW)

    def observe(self, nbytes, seconds):
        if seconds > 0 and nbytes > 0:
            self.samples.append(nbytes / seconds)

    def estimate(self):
        return statistics.median(self.samples) if self.samples else self.prior


@CHANNELS.register("square_wave")
class SquareWave(Channel):
    """``high_mbps`` during the first half of each period, ``low_mbps`` during the second."""

    class Config(ChannelConfig):
        kind: Literal["square_wave"]
        high_mbps: float = Field(gt=0)
        low_mbps: float = Field(gt=0)
        period_s: float = Field(gt=0)

        @model_validator(mode="after")
        def _order(self):
            if self.low_mbps > self.high_mbps:
                raise ValueError("low_mbps must not exceed high_mbps")
            return self

    def __init__(self, high_mbps: float, low_mbps: float, period_s: float):
        self.high, self.low, self.period = float(high_mbps), float(low_mbps), float(period_s)

    @classmethod
    def from_config(cls, config, base_dir, rng):
        return cls(config.high_mbps, config.low_mbps, config.period_s)

    def changes(self) -> Iterator[tuple[float, float]]:
        k = 0
        while True:  # the uplink reads changes lazily, as simulated time reaches them
            yield k * self.period / 2, (self.high if k % 2 == 0 else self.low)
            k += 1

    def mean_mbps(self) -> float:
        return (self.high + self.low) / 2
