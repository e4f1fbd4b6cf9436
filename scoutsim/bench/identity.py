"""Output identity: the same seed must give the same ``requests.parquet``, byte for byte.

Optimising the event loop must not change a single output value. ``save`` runs the
identity scenarios (:func:`scoutsim.bench.scenarios.identity_cases`) and writes each one's
``requests.parquet`` into a directory; ``check`` runs them again and compares bytes, and
where the bytes differ, every column exactly (NaN equal to NaN), naming what differs.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from scoutsim.bench.scenarios import identity_cases, resolve
from scoutsim.errors import UserError
from scoutsim.sim.runner import simulate


def _write(df: pd.DataFrame, path: Path) -> str:
    # The same call `scoutsim run` makes (scoutsim/results/output.py), so bytes mean the same here.
    df.to_parquet(path, index=False)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(directory: Path, only: list[str] | None = None) -> dict[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, data in identity_cases().items():
        if only and name not in only:
            continue
        out[name] = _write(simulate(resolve(data)), directory / f"{name}.parquet")
    return out


def compare(expected: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """What differs between two request tables; empty when every column is exactly equal."""
    if list(expected.columns) != list(got.columns):
        return [f"columns differ: {list(expected.columns)} vs {list(got.columns)}"]
    if len(expected) != len(got):
        return [f"row counts differ: {len(expected)} vs {len(got)}"]
    problems = []
    for col in expected.columns:
        a, b = expected[col], got[col]
        if a.dtype != b.dtype:
            problems.append(f"{col}: dtype {a.dtype} vs {b.dtype}")
            continue
        same = (a == b) | (a.isna() & b.isna())
        if not bool(same.all()):
            first = int((~same).to_numpy().argmax())
            problems.append(f"{col}: {int((~same).sum())} rows differ, first at row {first}: "
                            f"{a.iloc[first]!r} vs {b.iloc[first]!r}")
    return problems


def check(directory: Path, scratch: Path, only: list[str] | None = None) -> dict[str, list[str]]:
    """Per scenario: [] when identical, else what differs."""
    scratch.mkdir(parents=True, exist_ok=True)
    report = {}
    for name, data in identity_cases().items():
        if only and name not in only:
            continue
        ref = directory / f"{name}.parquet"
        if not ref.is_file():
            raise UserError(f"no saved output {ref}; run with --save first")
        path = scratch / f"{name}.parquet"
        _write(simulate(resolve(data)), path)
        if path.read_bytes() == ref.read_bytes():
            report[name] = []
        else:
            problems = compare(pd.read_parquet(ref), pd.read_parquet(path))
            report[name] = problems or ["bytes differ although every column is equal (parquet metadata?)"]
    return report
