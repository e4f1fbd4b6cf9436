"""Request records: one row per request, the ``requests.parquet`` contract (docs/models/outputs.md).

Contract columns come first, in contract order; scoutsim adds ``group``, ``em``,
``context_tokens``, ``est_rate_mbps`` (the estimate the mode was chosen with) and
``completed`` (False for requests still in flight at the drain limit, and for those a policy
declined, mode ``declined``, f1 NaN: misses with no ``done_s``). Scenarios with a ``+fallback`` policy add
``fallback`` (the mode fallen back to, empty if none; ``f1`` is then that mode's) and
``wasted_bytes`` (bytes of the stopped transfer; ``payload_bytes`` counts them too);
only where a scenario uses the cell model's keys, ``cloud``, ``path`` (with
``topology``/``clouds``), ``grant_s`` (with ``grant_delay_ms``) and ``offset_s`` (with
``offset_ms``: the device's fixed wait after the grant) follow.
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import pandas as pd

from scoutsim.sim.spill import SpillStore

CONTRACT_COLUMNS = (
    "replication", "agent", "request", "edge_model", "cloud_model", "uplink", "arrival_s", "mode",
    "payload_bytes", "tx_start_s", "tx_end_s", "done_s", "latency_s", "deadline_s", "met_deadline",
    "f1", "sample_id",
)
EXTRA_COLUMNS = ("group", "em", "context_tokens", "est_rate_mbps", "completed")
COLUMNS = CONTRACT_COLUMNS + EXTRA_COLUMNS
FALLBACK_COLUMNS = ("fallback", "wasted_bytes")

_DTYPES = {
    "replication": "int32", "agent": "int32", "request": "int64", "arrival_s": "float64",
    "payload_bytes": "int64", "tx_start_s": "float64", "tx_end_s": "float64", "done_s": "float64",
    "latency_s": "float64", "deadline_s": "float64", "met_deadline": "bool", "f1": "float64",
    "sample_id": "int64", "group": "int32", "em": "float64", "context_tokens": "int64",
    "est_rate_mbps": "float64", "completed": "bool", "wasted_bytes": "int64",
}


_AGENT, _REQUEST = COLUMNS.index("agent"), COLUMNS.index("request")  # the rows' order
# A request done this long after its deadline is on time: the gap is the rounding of sums of
# event times (one ulp at t = 600 s is 1.1e-13 s), not physics. A rate granted to end a
# transfer exactly at the deadline (the quality_max allocator does) must not miss by rounding.
DEADLINE_SLACK_S = 1e-9


# Columns of the cell model, present only when a scenario uses its keys (docs/models/cell.md): the
# cloud site, the links crossed ("cell>link>..."), the uplink grant delay paid.
OPTIONAL_COLUMNS = {"cloud": "str", "path": "str", "grant_s": "float64", "offset_s": "float64"}


# A replication holding this many records spills them to disk (scoutsim/sim/spill.py), so
# that its memory does not grow with its number of requests; about 500 bytes a record.
SPILL_ROWS = 1 << 16


class RecordBuffer:
    def __init__(self, replication: int, extra: tuple[str, ...] = (), fallback: bool = False, agents: int = 1):
        self.replication = replication
        self.rows: list[tuple] = []
        self.fallback = fallback
        self.extra = extra
        self.columns = COLUMNS + (FALLBACK_COLUMNS if fallback else ()) + extra
        self.spill = SpillStore(agents)

    def add(self, r) -> None:
        agent = r.agent
        opt = r.option
        draws = (r.fallback or opt).quality
        sid = r.question.sample_id
        f1 = draws.by_sample.get(sid, draws.mean) if draws.has_samples else draws.mean
        em = draws.em_by_sample.get(sid, math.nan) if draws.has_samples else math.nan
        done = r.done
        completed = not math.isnan(done)
        latency = done - r.arrival if completed else math.nan
        self.rows.append((
            self.replication, agent.index, r.number, agent.spec.edge_model, agent.spec.cloud_model,
            agent.uplink_id, r.arrival, opt.name, int(round(r.payload)), r.tx_start, r.tx_end, done,
            latency, agent.deadline_s, bool(completed and latency <= agent.deadline_s + DEADLINE_SLACK_S), f1, sid,
            agent.group, em, r.question.tokens, r.est_rate * 8 / 1e6, completed,
        ))
        if self.fallback:
            self.rows[-1] += (r.fallback.name if r.fallback else "", int(round(r.wasted)))
        if self.extra:
            self.rows[-1] += tuple(_optional(name, r) for name in self.extra)
        if len(self.rows) >= SPILL_ROWS:
            self.spill.add(self._frame())
            self.rows = []

    def parts(self) -> Iterator[pd.DataFrame]:
        """The replication's records in (agent, request) order, as one frame or, after a
        spill, one frame per agent range."""
        if not self.spill.spills:
            yield self._frame()
            return
        if self.rows:
            self.spill.add(self._frame())
            self.rows = []
        yield from self.spill.frames()

    def frame(self) -> pd.DataFrame:
        """The replication's records, whole."""
        if not self.spill.spills:
            return self._frame()
        return pd.concat(list(self.parts()), ignore_index=True)

    def _frame(self) -> pd.DataFrame:
        # Rows ordered by (agent, request), which is unique: the order a stable sort of the
        # frame would give. Typed columns are built straight from the rows in the order they
        # were added (memory order), then reordered by one permutation of those two columns:
        # sorting the row tuples first would walk 10^5 rows in random memory order, and
        # pandas' per-row record parsing would cost more still.
        columns = list(zip(*self.rows)) if self.rows else [()] * len(self.columns)
        order = np.lexsort((np.array(columns[_REQUEST], dtype=np.int64), np.array(columns[_AGENT], dtype=np.int64)))
        data = {}
        for name, values in zip(self.columns, columns):
            dtype = _DTYPES.get(name) or OPTIONAL_COLUMNS.get(name)
            dtype = None if dtype == "str" else dtype
            if dtype:
                data[name] = np.array(values, dtype=dtype)[order]
            else:
                data[name] = pd.array(np.array(values, dtype=object)[order], dtype="str")
        return pd.DataFrame(data)


def _optional(name: str, r):
    agent = r.agent
    if name in ("grant_s", "offset_s"):  # paid by requests that used the uplink
        return getattr(agent, name) if not math.isnan(r.tx_start) else 0.0
    return getattr(agent, "cloud_id" if name == "cloud" else name)


def misses_scored_zero(df: pd.DataFrame) -> np.ndarray:
    return np.where(df["met_deadline"].to_numpy(), df["f1"].to_numpy(), 0.0)
