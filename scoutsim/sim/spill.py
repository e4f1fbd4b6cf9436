"""Request records of a replication too large to hold: sorted pieces spilled to disk by
agent range, read back one range at a time.

Records must come out in (agent, request) order (``requests.parquet`` is the same bytes
whatever a run's size), but requests end in time order, so no record can be handed on
before the replication is over. Instead, each spill sorts the records held, cuts them
into :data:`BUCKETS` ranges of agent index and pickles each piece to a temporary directory
(pickle keeps every column's dtype exactly); at the end, the pieces of one range (and what
is still held of it) are read, sorted and handed on, range after range. Memory then holds
at most the spill threshold of records plus about one range: 1/min(agents, BUCKETS) of the
replication when agents make similar numbers of requests. Replications run in worker
processes do not spill (they come back whole, and a worker ended from outside could not
remove its directory).
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

BUCKETS = 64


class SpillStore:
    def __init__(self, agents: int):
        self.agents = max(int(agents), 1)
        self.dir: Path | None = None
        self.pieces: list[list[Path]] = []  # per agent range, once something is spilled
        self.spills = 0

    def bucket_edges(self) -> np.ndarray:
        """First agent index of each range, and one past the last."""
        return np.array([-(-b * self.agents // BUCKETS) for b in range(BUCKETS + 1)])

    def add(self, frame: pd.DataFrame) -> None:
        """Spill a frame sorted by (agent, request)."""
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="scoutsim-records-"))
            # Removed at the latest when the store is collected or the interpreter exits.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self.dir, True)
            self.pieces = [[] for _ in range(BUCKETS)]
        cuts = np.searchsorted(frame["agent"].to_numpy(), self.bucket_edges(), side="left")
        for b in range(BUCKETS):
            lo, hi = cuts[b], cuts[b + 1]
            if hi > lo:
                path = self.dir / f"{b:03d}-{self.spills:06d}.pkl"
                frame.iloc[lo:hi].reset_index(drop=True).to_pickle(path)
                self.pieces[b].append(path)
        self.spills += 1

    def frames(self) -> Iterator[pd.DataFrame]:
        """Every spilled record, range by range, each range sorted by (agent, request)."""
        try:
            for paths in self.pieces:
                if not paths:
                    continue
                parts = [pd.read_pickle(p) for p in paths]
                for p in paths:
                    p.unlink()
                merged = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
                del parts
                order = np.lexsort((merged["request"].to_numpy(), merged["agent"].to_numpy()))
                yield merged.take(order).reset_index(drop=True)
        finally:
            self.close()

    def close(self) -> None:
        if self.dir is not None:
            self._cleanup()
            self.dir = None
            self.pieces = []
