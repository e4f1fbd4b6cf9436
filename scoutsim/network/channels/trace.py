"""Replay of a measured throughput trace as a piecewise-constant capacity.

The contract CSV has a header ``time_s,mbps``; row ``i``'s throughput holds from its
``time_s`` until the next row's. The last row holds for the trace's median sample interval,
which also sets the loop period: a looped trace of ``T`` seconds repeats every
``T + median interval``. ``offset_s`` starts the replay that far into the trace (wrapping
when looping); ``scale`` multiplies every throughput. Without ``loop`` the capacity stays
at the last row's value after the trace ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Literal, Optional

import numpy as np
from pydantic import Field, model_validator

from scoutsim.network.channels.base import CHANNELS, Channel, ChannelConfig
from scoutsim.traces.csvformat import read_trace_csv


@CHANNELS.register("trace")
class TraceChannel(Channel):
    class Config(ChannelConfig):
        kind: Literal["trace"]
        path: str = Field(min_length=1)
        loop: bool = True
        offset_s: float = Field(default=0.0, ge=0)
        scale: float = Field(default=1.0, gt=0)
        # Where a measured trace that cannot be shipped comes from: the arguments of
        # `scoutsim traces import`, so that a missing file's error gives the exact command.
        format: Optional[str] = None
        source: Optional[str] = None
        import_options: list[str] = Field(default_factory=list)

        @model_validator(mode="after")
        def _hint(self):
            if (self.format is None) != (self.source is None):
                raise ValueError("give 'format' and 'source' together (the arguments of traces import)")
            return self

    def __init__(self, times: np.ndarray, mbps: np.ndarray, *, loop: bool = True,
                 offset_s: float = 0.0, scale: float = 1.0):
        self.times = times - times[0]
        self.mbps = mbps * scale
        interval = float(np.median(np.diff(self.times))) if len(self.times) > 1 else 1.0
        self.period = float(self.times[-1] + interval)
        self.loop = loop
        self.offset = float(offset_s) % self.period if loop else float(offset_s)
        self._durations = np.append(np.diff(self.times), interval)

    @staticmethod
    def resolve(config, base_dir: Path) -> Path:
        path = Path(config.path)
        return path if path.is_absolute() else base_dir / path

    @classmethod
    def check(cls, config, base_dir: Path) -> None:
        if config.format is not None:
            from scoutsim.traces.availability import ImportHint, require_trace_file

            require_trace_file(config.path, base_dir,
                               ImportHint(config.format, config.source, tuple(config.import_options)))
        read_trace_csv(cls.resolve(config, base_dir))

    @classmethod
    def from_config(cls, config, base_dir, rng):
        times, mbps = read_trace_csv(cls.resolve(config, base_dir))
        return cls(times, mbps, loop=config.loop, offset_s=config.offset_s, scale=config.scale)

    def changes(self) -> Iterator[tuple[float, float]]:
        start = int(np.searchsorted(self.times, self.offset, side="right")) - 1
        start = max(start, 0)
        yield 0.0, float(self.mbps[start])
        last = float(self.mbps[start])
        if np.all(self.mbps == last):
            return  # a constant trace never changes; looping it would search forever
        base = -self.offset  # sim time of trace time 0 in the current lap
        i = start + 1
        while True:
            if i == len(self.times):
                if not self.loop:
                    return
                i = 0
                base += self.period
            t = base + float(self.times[i])
            if self.mbps[i] != last:
                last = float(self.mbps[i])
                yield t, last
            i += 1

    def mean_mbps(self) -> float:
        return float(np.dot(self.mbps, self._durations) / self._durations.sum())
