"""Content checks of an oracle cache, beyond its hashes: types and ranges of ``meta.json``
and of the two tables, so that a cache damaged by hand (or by a bug in another writer)
is refused with a message naming the file, the key or column and what was expected,
instead of failing later inside the simulator. Called by :mod:`scoutsim.oraclecache`.

Each function takes ``fail(message)``, which raises the cache's error.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import numpy as np
import pandas as pd

Fail = Callable[[str], None]
MODEL_INTS = ("layers", "kv_heads", "head_dim", "attention_heads")
# Far above any real model (hundreds of layers, heads of a few hundred dimensions), far
# below where payload arithmetic overflows a float.
MODEL_MAX = 10**5
# (lowest, highest) of the data set's means: token counts are whole tokens, at least one.
DATASET_NUMBERS = {"n": (1, 1e9), "mean_context_tokens": (1, 1e9), "mean_answer_tokens": (1, 1e9),
                   "mean_context_bytes": (0, 1e12), "mean_question_bytes": (0, 1e12),
                   "bytes_per_token": (1e-3, 1e3)}


def _positive_int(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool) and value >= 1) or (
        isinstance(value, float) and math.isfinite(value) and value >= 1 and value.is_integer())


def _positive_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def check_meta(meta: Any, fail: Fail) -> None:
    """Types of the meta.json keys the simulator reads (the key names are checked by the reader)."""
    files = meta.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
                                              for v in files.values()):
        fail("meta.json files: expected a mapping of file name -> sha256 (64 lowercase hex digits)")
    models = meta.get("models")
    if not isinstance(models, dict):
        fail(f"meta.json models: expected a mapping of model name -> shape, got {type(models).__name__}")
    for name, entry in models.items():
        where = f"meta.json models.{name}"
        if not isinstance(entry, dict):
            fail(f"{where}: expected a mapping with {', '.join(MODEL_INTS)}")
        for key in MODEL_INTS:
            if not _positive_int(entry.get(key)) or entry[key] > MODEL_MAX:
                fail(f"{where}.{key}: expected an integer in [1, {MODEL_MAX}], got {entry.get(key)!r:.60}")
        if "parameters" in entry and not (_positive_number(entry["parameters"]) or entry["parameters"] == 0):
            fail(f"{where}.parameters: expected a number >= 0, got {entry['parameters']!r:.60}")
        for key in ("family", "dtype"):
            if key in entry and not isinstance(entry[key], str):
                fail(f"{where}.{key}: expected a string, got {entry[key]!r:.60}")
        protected = entry.get("protected_layers", [])
        if not isinstance(protected, list) or not all(
                isinstance(x, int) and not isinstance(x, bool) and 0 <= x < entry["layers"] for x in protected):
            fail(f"{where}.protected_layers: expected a list of layer indices in [0, {int(entry['layers'])})")
    dataset = meta.get("dataset")
    if not isinstance(dataset, dict):
        fail(f"meta.json dataset: expected a mapping, got {type(dataset).__name__}")
    for key, (lo, hi) in DATASET_NUMBERS.items():
        value = dataset.get(key)
        if value is not None and not ((_positive_number(value) or value == 0) and lo <= value <= hi):
            fail(f"meta.json dataset.{key}: expected a number in [{lo:g}, {hi:g}], got {value!r:.60}")


def _strings(df: pd.DataFrame, name: str, columns: tuple[str, ...], fail: Fail) -> None:
    for col in columns:
        bad = ~df[col].map(lambda v: isinstance(v, str) and v != "")
        if bad.any():
            fail(f"{name} column {col!r} row {int(np.argmax(bad.to_numpy()))}: expected a non-empty string, "
                 f"got {df[col].iloc[int(np.argmax(bad.to_numpy()))]!r:.40}")


def _numbers(df: pd.DataFrame, name: str, col: str, fail: Fail, *, lo: float, hi: float = math.inf,
             lo_open: bool = False, integer: bool = False, rows: np.ndarray | None = None,
             nan_ok: bool = False) -> None:
    if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
        fail(f"{name} column {col!r} has type {df[col].dtype}; expected numbers")
    x = df[col].to_numpy(dtype=float)
    sel = np.ones(len(x), bool) if rows is None else rows
    nan = np.isnan(x)
    ok = (x > lo if lo_open else x >= lo) & (x <= hi) & (~integer | (np.mod(np.nan_to_num(x), 1) == 0))
    ok |= nan & nan_ok
    bad = sel & ~ok
    if bad.any():
        i = int(np.argmax(bad))
        rng = f"{'(' if lo_open else '['}{lo:g}, {hi:g}]"
        fail(f"{name} column {col!r} row {i}: {float(x[i])!r}; expected a finite {'integer' if integer else 'number'} "
             f"in {rng}")


def check_quality(df: pd.DataFrame, fail: Fail) -> None:
    name = "quality.parquet"
    _strings(df, name, ("edge_model", "cloud_model", "mode"), fail)
    _numbers(df, name, "sample_id", fail, lo=-1, hi=2**53, integer=True)
    samples = df["sample_id"].to_numpy(dtype=float) >= 0
    _numbers(df, name, "f1", fail, lo=0, hi=1)
    _numbers(df, name, "em", fail, lo=0, hi=1, nan_ok=True)  # a published mean may not give EM
    _numbers(df, name, "context_tokens", fail, lo=1, hi=2**31, integer=True, rows=samples)
    if "n" in df.columns and (~samples).any():
        _numbers(df, name, "n", fail, lo=1, hi=2**53, integer=True, rows=~samples)
    for col in ("context_bytes", "question_bytes", "answer_tokens"):
        if col in df.columns:
            _numbers(df, name, col, fail, lo=0, hi=2**53, integer=True, rows=samples)


def check_timings(df: pd.DataFrame, fail: Fail) -> None:
    name = "timings.parquet"
    _strings(df, name, ("model", "op"), fail)
    _numbers(df, name, "context_tokens", fail, lo=0, hi=2**31, lo_open=True)
    _numbers(df, name, "seconds", fail, lo=0, hi=1e9, lo_open=True)
