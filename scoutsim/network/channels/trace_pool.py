"""Replaying a pool of measured runs as a cell's capacity (channel kind ``trace_pool``).

One measured run replayed identically in every replication makes every replication see
the same bad minute; one run for a whole cell makes every device share the same fading.
This channel draws, from its own random generator, which runs (and where in them) a
replication replays:

* ``per: replication`` (default): each replication (each channel built) replays one run
  drawn from the pool, from a random start offset when ``random_offset`` is true
  (Pensieve's convention), wrapping around at its end when ``loop`` is true.
* ``per: device``: each of the cell's ``devices`` devices replays its own run (distinct
  runs while the pool has enough; otherwise runs repeat with different random offsets),
  and the cell's capacity combines them.

**Phone -> cell capacity model.** A run is one phone's saturating throughput: the rate
that phone gets when the cell's uplink resources are all its own. Under the uplink
scheduler's time sharing, a device given a fraction ``f_i`` of the resources moves
``f_i r_i(t)``; with equal shares among ``n`` active devices the cell moves
``mean_i r_i(t)``. Hence, with ``x_i(t)`` the replayed runs::

    C(t) = scale * mean_i x_i((t + o_i) / time_scale)      (combine: mean, default)
    C(t) = scale * sum_i  x_i((t + o_i) / time_scale)      (combine: sum)

(``o_i`` in simulated seconds: ``offset_s`` plus, with ``random_offset``, a uniform draw
over the replayed run's period; runs loop when ``loop`` is true)

and ``C(t)`` is shared by the cell's transfers as the uplink's ``sharing`` rule says.
``mean`` is the time-sharing model above (exact for equal shares; an approximation
otherwise, as the simulator shares one fungible capacity). ``sum`` models devices that
do not compete for the same resources (each phone power-limited, the cell not). With
``per: replication`` there is a single run and both reduce to ``C = scale * x``: every
device sees the same radio conditions. ``scale`` also expresses a belief that the cell
can carry more (or less) than one phone could, e.g. a phone measured in a loaded cell.
``time_scale > 1`` slows the trace down (each sample lasts ``time_scale`` times longer).

Runs missing from disk fail with the exact ``traces import`` command when the scenario
gives the run's ``format`` and ``source`` (see :mod:`scoutsim.traces.availability`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Optional, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from scoutsim.network.channels.base import CHANNELS, Channel, ChannelConfig
from scoutsim.network.channels.trace import TraceChannel
from scoutsim.traces.csvformat import read_trace_csv
from scoutsim.errors import UserError
from scoutsim.traces.availability import ImportHint, require_trace_file


def _get(config: Any, name: str, default: Any = None) -> Any:
    if isinstance(config, dict):
        return config.get(name, default)
    value = getattr(config, name, default)
    return default if value is None else value


@dataclass(frozen=True)
class Draw:
    path: Path
    offset_s: float  # in replayed (time-scaled) seconds


def pool_files(config: Any, base_dir: Path, *, source: str | None = None) -> list[Path]:
    """Every trace file the block's ``runs`` name, or a UserError with the import command.

    The lead's scenario validation can call this to fail before anything runs.
    """
    runs = _get(config, "runs") or []
    if not runs:
        raise UserError("runs is empty; expected at least one trace CSV", source=source,
                        where="channel.runs")
    files: list[Path] = []
    missing: list[tuple[str, UserError]] = []
    for i, run in enumerate(runs):
        if isinstance(run, (str, Path)):
            path, hint = str(run), None
        else:
            path = _get(run, "path")
            fmt, src = _get(run, "format"), _get(run, "source")
            if (fmt is None) != (src is None):
                raise UserError("give both format and source (the arguments of `traces import`) "
                                "or neither", source=source, where=f"channel.runs[{i}]")
            opts = tuple(str(o) for o in (_get(run, "import_options") or ()))
            hint = ImportHint(fmt, str(src), opts) if fmt else None
        try:
            files += require_trace_file(path, base_dir, hint)
        except UserError as exc:
            missing.append((f"channel.runs[{i}]", exc))
    if len(missing) == 1:
        where, problem = missing[0]
        raise UserError(problem.detail, source=source, where=where)
    if missing:
        # Every missing run in one message, so the user can import them all in one go.
        lines = "\n".join(f"  {where}: {exc.detail}" for where, exc in missing)
        raise UserError(f"{len(missing)} of {len(runs)} runs are missing:\n{lines}", source=source,
                        where="channel.runs")
    return list(dict.fromkeys(files))


class TraceRun(BaseModel):
    """One run of the pool, with where it comes from when it is a measured trace."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: str = Field(min_length=1)        # contract CSV; a glob may name several
    format: Optional[str] = None           # `traces import` FORMAT, for the missing-file hint
    source: Optional[str] = None           # `traces import` SOURCE
    import_options: list[str] = Field(default_factory=list)  # e.g. ["--run", "3"]

    @field_validator("format")
    @classmethod
    def _known_format(cls, value):
        from scoutsim.traces.importers import IMPORTERS

        if value is not None and value not in IMPORTERS:
            raise ValueError(f"unknown trace format {value!r}; expected one of {IMPORTERS.names()}")
        return value

    @model_validator(mode="after")
    def _both_or_neither(self):
        if (self.format is None) != (self.source is None):
            raise ValueError("give both format and source (the arguments of `traces import`) or neither")
        return self


@CHANNELS.register("trace_pool")
class TracePoolChannel(Channel):
    class Config(ChannelConfig):
        kind: Literal["trace_pool"]
        runs: list[Union[str, TraceRun]] = Field(min_length=1)
        per: Literal["replication", "device"] = "replication"
        devices: Optional[int] = Field(default=None, ge=1)
        combine: Literal["mean", "sum"] = "mean"
        random_offset: bool = True
        offset_s: float = Field(default=0.0, ge=0)  # simulated seconds, after time_scale
        loop: bool = True
        scale: float = Field(default=1.0, gt=0)
        time_scale: float = Field(default=1.0, gt=0)

        @model_validator(mode="after")
        def _devices(self):
            if self.per == "device" and self.devices is None:
                raise ValueError("per: device needs devices: N (the number of devices on the uplink)")
            return self

    def __init__(self, traces: dict[Path, tuple[np.ndarray, np.ndarray]], rng: np.random.Generator,
                 *, per: str = "replication", devices: int | None = None, combine: str = "mean",
                 random_offset: bool = True, offset_s: float = 0.0, loop: bool = True,
                 scale: float = 1.0, time_scale: float = 1.0):
        # The scenario block (Config) has checked the options; what is left is the pool's size.
        n = devices if per == "device" and devices is not None else 1
        paths = list(traces)
        if n > len(paths) and not random_offset:
            raise UserError(f"{n} devices but only {len(paths)} run(s) and random_offset is false: "
                            "devices would replay identical series; add runs or set "
                            "random_offset: true", where="channel")
        self.combine, self.scale, self.loop = combine, float(scale), bool(loop)
        if n <= len(paths):
            chosen = [paths[i] for i in rng.choice(len(paths), size=n, replace=False)]
        else:
            reps = -(-n // len(paths))
            chosen = [paths[i] for i in np.concatenate([rng.permutation(len(paths))
                                                        for _ in range(reps)])[:n]]
        self.parts: list[TraceChannel] = []
        self.draws: list[Draw] = []
        for path in chosen:
            times, mbps = traces[path]
            stretched = (np.asarray(times) - times[0]) * time_scale
            offset = float(offset_s)
            if random_offset:
                step = float(np.median(np.diff(stretched))) if len(stretched) > 1 else time_scale
                offset += float(rng.uniform(0.0, stretched[-1] + step))  # TraceChannel's period
            part = TraceChannel(stretched, mbps, loop=loop, offset_s=offset)
            self.parts.append(part)
            self.draws.append(Draw(path, part.offset))

    @classmethod
    def check(cls, config, base_dir: Path) -> None:
        """Fail before anything runs: every run present (else the import command) and valid."""
        for path in pool_files(config, Path(base_dir)):
            read_trace_csv(path)

    @classmethod
    def from_config(cls, config, base_dir, rng):
        traces = {p: read_trace_csv(p) for p in pool_files(config, Path(base_dir))}
        return cls(traces, rng, per=config.per, devices=config.devices, combine=config.combine,
                   random_offset=config.random_offset, offset_s=config.offset_s, loop=config.loop,
                   scale=config.scale, time_scale=config.time_scale)

    def _value(self, current: list[float]) -> float:
        total = float(sum(current))
        return self.scale * (total / len(current) if self.combine == "mean" else total)

    def changes(self) -> Iterator[tuple[float, float]]:
        streams = [part.changes() for part in self.parts]
        current = []
        heap: list[tuple[float, int, float]] = []  # (time, part, rate)
        for i, s in enumerate(streams):
            t0, v0 = next(s)
            current.append(v0)
            self._push(heap, streams, i)
        last = self._value(current)
        yield 0.0, last
        while heap:
            t = heap[0][0]
            # Apply every part that changes at this instant before emitting one value.
            while heap and heap[0][0] <= t:
                _, i, v = heapq.heappop(heap)
                current[i] = v
                self._push(heap, streams, i)
            value = self._value(current)
            if value != last:
                last = value
                yield t, value

    @staticmethod
    def _push(heap, streams, i):
        nxt = next(streams[i], None)
        if nxt is not None:
            heapq.heappush(heap, (nxt[0], i, nxt[1]))

    def mean_mbps(self) -> float:
        means = [part.mean_mbps() for part in self.parts]
        return self.scale * (float(np.mean(means)) if self.combine == "mean" else float(np.sum(means)))
