"""Writing an oracle cache atomically, in the format ``scoutsim.oraclecache`` reads.

Every file is written to a temporary name in the same directory, flushed to disk, and
renamed over its final name (``os.replace`` is atomic on POSIX), so a reader or a killed
build never sees half a file. ``meta.json`` is written last and records the sha256 of the
data files, so a directory whose ``meta.json`` is missing or stale is visibly unfinished.

Tables are sorted by their key before writing and written without a pandas index, so the
same rows always give the same bytes.
"""

from __future__ import annotations

import io
import json
import os
import platform
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from scoutsim.folders import umask

from scoutsim.oraclecache import DATA_FILES, KINDS, QUALITY_COLUMNS, SCHEMA_VERSION, TIMING_COLUMNS, file_sha256

QUALITY_KEY = ["edge_model", "cloud_model", "mode", "sample_id"]
TIMING_KEY = ["model", "op", "context_tokens"]


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it 0600; a cache is as readable as any file written
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, obj) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


def atomic_write_parquet(path: Path, df: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    atomic_write_bytes(path, buffer.getvalue())


def quality_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    missing = [c for c in QUALITY_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"quality rows lack {missing}")
    df["sample_id"] = df["sample_id"].astype("int64")
    return df.sort_values(QUALITY_KEY, kind="stable").reset_index(drop=True)


def timing_frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(TIMING_COLUMNS))
    return df.sort_values(TIMING_KEY, kind="stable").reset_index(drop=True)


def library_versions() -> dict:
    versions = {"python": sys.version.split()[0]}
    for mod in ("torch", "transformers", "numpy", "pandas", "pyarrow", "safetensors", "gguf", "accelerate"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # an optional package that is absent is simply not recorded
            pass
    from importlib.metadata import PackageNotFoundError, version
    try:
        versions["scoutsim"] = version("scoutsim")
    except PackageNotFoundError:  # run from a checkout that was never installed
        versions["scoutsim"] = "checkout"
    try:  # the exact code, when built from a git checkout
        import subprocess
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                              text=True, timeout=10)
        if head.returncode == 0:
            versions["scoutsim_git"] = head.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return versions


def device_info(device: str) -> dict:
    import torch

    info = {"type": "cuda" if device.startswith("cuda") else "cpu", "name": device,
            "platform": platform.platform(), "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads()}
    if info["type"] == "cuda":
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def write_meta(out: Path, meta: dict) -> None:
    """``meta.json`` with the sha256 of the data files as they are now on disk: the last
    write of a cache, and the only way its digests are ever (re)computed."""
    atomic_write_json(out / "meta.json", {**meta, "files": {name: file_sha256(out / name) for name in DATA_FILES}})


def write_cache(out: Path, quality: pd.DataFrame, timings: pd.DataFrame, meta: dict, kind: str = "measured") -> None:
    """The one writer of the cache format, for measured builds and published figures
    alike. ``meta`` may carry its own ``created`` (a published cache dates its figures)."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}; expected one of {list(KINDS)}")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_parquet(out / "quality.parquet", quality)
    atomic_write_parquet(out / "timings.parquet", timings)
    write_meta(out, {"schema_version": SCHEMA_VERSION, "kind": kind, **meta,
                     "created": meta.get("created") or datetime.now(timezone.utc).isoformat(timespec="seconds")})
