"""Huge runs: records go to disk a row group at a time, so memory does not grow with the
number of requests, and the file is the same bytes as writing the whole table at once."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from scoutsim.results import requestsfile
from scoutsim.results.requestsfile import RequestsWriter
from tests.plugins.conftest import MAIN_SCENARIO

def _peak(monkeypatch, out, replications: int) -> int:
    from scoutsim.cli import main

    # Row groups of 4096 rows here (2^20 in real runs) so that a few replications of a few
    # thousand requests each cross many of them.
    monkeypatch.setattr(requestsfile, "ROW_GROUP_ROWS", 4096)
    tracemalloc.start()
    try:
        assert main(["run", str(MAIN_SCENARIO), "--out", str(out), "--no-progress", "--no-plots",
                     "--replications", str(replications), "--duration", "2000"]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_replications(tmp_path, monkeypatch):
    _peak(monkeypatch, tmp_path / "warm", 1)  # caches and lazy imports, once
    small = _peak(monkeypatch, tmp_path / "a", 3)
    large = _peak(monkeypatch, tmp_path / "b", 15)
    table = pd.read_parquet(tmp_path / "b" / "requests.parquet")
    held = int(table.memory_usage(deep=True).sum())  # what keeping the 15 replications would take
    assert len(table) > 40_000
    # Holding the records (as the run did before streaming) would add the 12 extra
    # replications' share of the table, 12/15 of `held`; streaming holds one row group and
    # one replication at a time, whatever the number of replications.
    assert large - small < 0.2 * held, (small, large, held)


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"replication": np.full(n, seed, dtype="int32"), "x": rng.random(n),
                         "mode": pd.array(rng.choice(["bf16", "int8", "scout@0.5"], n), dtype="str")})


def test_row_groups_match_whole_table_write(tmp_path, monkeypatch):
    monkeypatch.setattr(requestsfile, "ROW_GROUP_ROWS", 1000)
    parts = [_table(n, i) for i, n in enumerate([700, 0, 900, 2500, 1])]
    whole = pd.concat(parts, ignore_index=True)
    pq.write_table(__import__("pyarrow").Table.from_pandas(whole, preserve_index=False), tmp_path / "whole.parquet",
                   row_group_size=1000)
    w = RequestsWriter(tmp_path / "streamed.parquet")
    for part in parts:
        w.add(part)
        assert w._buffered < 1000  # never more than one row group waits in memory
    w.close()
    assert (tmp_path / "streamed.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    # 4101 rows in groups of 1000: 4 full ones and 101.
    f = pq.ParquetFile(tmp_path / "streamed.parquet")
    assert [f.metadata.row_group(i).num_rows for i in range(f.num_row_groups)] == [1000, 1000, 1000, 1000, 101]


# Parts written with the default row group give DataFrame.to_parquet's bytes for the whole
# table. The second case has 200,000 distinct floats: a dictionary larger than pyarrow's 1 MB
# page limit, so the writer falls back from dictionary to plain encoding part-way, and where it
# does so must not depend on how the rows were cut into parts (a replication spilled by agent
# range arrives in many).
@pytest.mark.parametrize("sizes", [[300, 500], [70_000, 1, 60_000, 69_999]], ids=["small", "past_dictionary_limit"])
def test_default_row_group_gives_to_parquet_bytes(tmp_path, sizes):
    parts = [_table(n, i) for i, n in enumerate(sizes)]
    pd.concat(parts, ignore_index=True).to_parquet(tmp_path / "a.parquet", index=False)
    w = RequestsWriter(tmp_path / "b.parquet")
    for part in parts:
        w.add(part)
    w.close()
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_no_records_gives_an_empty_table_with_the_columns(tmp_path):
    w = RequestsWriter(tmp_path / "e.parquet")
    w.add(_table(0, 0))
    w.close()
    back = pd.read_parquet(tmp_path / "e.parquet")
    assert list(back.columns) == ["replication", "x", "mode"] and len(back) == 0
