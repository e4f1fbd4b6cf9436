"""Output identity: the same seed must give the same ``requests.parquet``, byte for byte.

Optimising the event loop must not change a single output value. ``save`` runs the
identity scenarios (:func:`scoutsim.bench.scenarios.identity_cases`) and writes each one's
``requests.parquet`` into a directory; ``check`` runs them again and compares bytes, and
where the bytes differ, every column exactly (NaN equal to NaN), naming what differs.

With ``rtol`` > 0, float columns may differ by that much relative (the virtual-time uplink
computes the same finish times by other float arithmetic, so they move in the
last bits); every other column must still be equal, and the largest relative difference of
each float column is reported either way.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
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


def largest_relative_difference(a: pd.Series, b: pd.Series) -> float:
    """max |a - b| / |a| over the rows where both are numbers (0 where a = b = 0)."""
    x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if not len(x):
        return 0.0
    scale = np.where(x == 0, 1.0, np.abs(x))
    return float(np.max(np.abs(x - y) / scale))


def compare(expected: pd.DataFrame, got: pd.DataFrame, rtol: float = 0.0) -> list[str]:
    """What differs between two request tables; empty when every column is equal (float
    columns within ``rtol`` relative, exactly when it is 0)."""
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
        if rtol > 0 and pd.api.types.is_float_dtype(a):
            worst = largest_relative_difference(a, b)
            if bool(same.all()) or (worst <= rtol and bool((a.isna() == b.isna()).all())):
                if not bool(same.all()):
                    problems.append(f"{col}: {int((~same).sum())} rows differ, largest relative difference "
                                    f"{worst:.1e} (within {rtol:g})")
                continue
        if not bool(same.all()):
            first = int((~same).to_numpy().argmax())
            problems.append(f"{col}: {int((~same).sum())} rows differ, first at row {first}: "
                            f"{a.iloc[first]!r} vs {b.iloc[first]!r}")
    return problems


def check(directory: Path, scratch: Path, only: list[str] | None = None,
          rtol: float = 0.0) -> dict[str, tuple[bool, list[str]]]:
    """Per scenario: (equal, notes): equal when identical, or within ``rtol``; notes say what differs."""
    scratch.mkdir(parents=True, exist_ok=True)
    report: dict[str, tuple[bool, list[str]]] = {}
    for name, data in identity_cases().items():
        if only and name not in only:
            continue
        ref = directory / f"{name}.parquet"
        if not ref.is_file():
            raise UserError(f"no saved output {ref}; run with --save first")
        path = scratch / f"{name}.parquet"
        _write(simulate(resolve(data)), path)
        if path.read_bytes() == ref.read_bytes():
            report[name] = (True, [])
        else:
            problems = compare(pd.read_parquet(ref), pd.read_parquet(path), rtol)
            within = rtol > 0 and all("(within" in p for p in problems)
            report[name] = (within, problems or ["bytes differ although every column is equal (parquet metadata?)"])
    return report
