"""``requests.parquet`` written as replications arrive, never the whole table at once.

Records are buffered and written in row groups of exactly :data:`ROW_GROUP_ROWS` rows
(pyarrow's default, 2^20), the last one shorter: the row groups ``DataFrame.to_parquet``
would write for the whole table, so the file is byte-identical to writing it in one piece,
while memory holds at most one row group (as Arrow columns, about 150 bytes a request; twice
that while it is written) plus one replication's records.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROW_GROUP_ROWS = 1024 * 1024


class RequestsWriter:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer: pq.ParquetWriter | None = None
        self._empty: pd.DataFrame | None = None

    def add(self, frame: pd.DataFrame) -> None:
        if self._empty is None:
            self._empty = frame.iloc[:0]
        if len(frame) == 0:
            return
        self._buffer.append(pa.Table.from_pandas(frame, preserve_index=False))
        self._buffered += len(frame)
        self.rows += len(frame)
        if self._buffered >= ROW_GROUP_ROWS:
            self._flush(final=False)

    def _write(self, table: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema)
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)

    def _flush(self, final: bool) -> None:
        table = pa.concat_tables(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        full = len(table) // ROW_GROUP_ROWS * ROW_GROUP_ROWS
        cut = len(table) if final else full
        if cut:
            # One chunk, as a whole table's: where the writer gives up dictionary encoding (a
            # column's dictionary past 1 MB) depends on the chunks it is handed.
            self._write(table.slice(0, cut).combine_chunks())
        rest = table.slice(cut).combine_chunks()  # its own copy: the written rows are freed
        self._buffer = [rest] if len(rest) else []
        self._buffered = len(rest)

    def close(self) -> None:
        """Write what is buffered and the file's footer (a table without rows if none came)."""
        if self._buffer:
            self._flush(final=True)
        if self._writer is None:
            empty = self._empty if self._empty is not None else pd.DataFrame()
            self._write(pa.Table.from_pandas(empty, preserve_index=False))
        assert self._writer is not None  # _write made it
        self._writer.close()
