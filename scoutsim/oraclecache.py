"""Reading oracle caches: the one door between the oracle and the simulator.

An oracle cache is a directory (docs/oracle.md) with ``meta.json``,
``quality.parquet`` and ``timings.parquet``. The oracle builder writes it; the simulator
reads it here and nowhere else. Both halves share the constants below.

A cache is refused, with a message that says why, when a file is missing, its sha256
differs from the digest ``meta.json`` records, its schema version is not
:data:`SCHEMA_VERSION`, or a table lacks a contract column.

Quality is served per sample when the cache has samples (``sample_id >= 0``) and as the
published mean otherwise (``sample_id = -1``). Timings are looked up by linear
interpolation in context tokens; outside the measured range they are extrapolated linearly
from the nearest two points and the look-up is counted in :attr:`OracleCache.extrapolated`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scoutsim import shipped
from scoutsim.digest import file_sha256  # noqa: F401  (the builder's door to it)
from scoutsim.errors import CacheError
from scoutsim.folders import PACKAGE_ROOT as PACKAGE_ROOT  # the checkout or the installed package's parent
from scoutsim.modes import ModeError, canonical

SCHEMA_VERSION = 1
KINDS = ("measured", "published")
DATA_FILES = ("quality.parquet", "timings.parquet")
QUALITY_COLUMNS = ("edge_model", "cloud_model", "mode", "sample_id", "f1", "em", "context_tokens")
TIMING_COLUMNS = ("model", "op", "context_tokens", "seconds")
REQUIRED_OPS = ("prefill", "quantize", "select", "decode_token")
META_KEYS = ("schema_version", "kind", "models", "dataset", "device", "files")



def resolve_cache_dir(name_or_path: str, base: Path | None = None) -> Path:
    """A path as given, else ``oracle_cache/<name>`` beside the scenario, the working
    directory, or the shipped caches (the checkout's or the wheel's)."""
    candidates = [Path(name_or_path)]
    if base is not None:
        candidates += [base / name_or_path, base / "oracle_cache" / name_or_path,
                       base.parent / "oracle_cache" / name_or_path]
    candidates += [Path.cwd() / "oracle_cache" / name_or_path, shipped.folder("oracle_cache") / name_or_path]
    for c in candidates:
        if (c / "meta.json").is_file():
            return c.resolve()
    unfinished = [c for c in candidates if (c / ".partial" / "config.json").is_file()]
    if unfinished:
        raise CacheError(f"{unfinished[0]} holds an oracle build that has not finished (.partial/ but no "
                         "meta.json); rerun its 'oracle build' command to finish it")
    given = Path(name_or_path).parent
    folders = dict.fromkeys([c.parent for c in candidates[1:] if c.parent.name == "oracle_cache" and c.parent.is_dir()]
                            + ([given] if given != Path(".") and given.is_dir() else []))
    try:
        known = sorted({str(d) if f == given else d.name for f in folders for d in f.iterdir()
                        if (d / "meta.json").is_file()})
    except OSError:  # a folder it may not read: name none rather than fail
        known = []
    raise CacheError(
        f"no oracle cache named {name_or_path!r} (looked for meta.json in "
        + ", ".join(str(c) for c in dict.fromkeys(candidates)) + f"); caches found there: {known or 'none'}"
    )


@dataclass
class QualityDraws:
    """Quality of one (edge model, cloud model, mode): per sample, or a mean alone."""

    by_sample: dict[int, float]
    mean: float
    n: int
    em_by_sample: dict[int, float] = field(default_factory=dict)

    @property
    def has_samples(self) -> bool:
        return bool(self.by_sample)


@dataclass
class SampleInfo:
    """What a request learns from the question it drew."""

    context_tokens: np.ndarray  # by position in sample_ids
    context_bytes: np.ndarray
    question_bytes: np.ndarray
    answer_tokens: np.ndarray


class OracleCache:
    def __init__(self, path: Path):
        self.path = path
        self.meta = self._read_meta()
        self._verify_files()
        self.quality = self._read_quality()
        self.timings = self._read_timings()
        self._quality_index = self._index_quality()
        self._timing_index = self._index_timings()
        self.extrapolated = 0

    # ------------------------------------------------------------------ loading
    def _fail(self, what: str) -> None:
        raise CacheError(what, source=str(self.path))

    def _read_meta(self) -> dict:
        try:
            meta = json.loads((self.path / "meta.json").read_text())
        except (OSError, ValueError) as exc:  # ValueError: bad JSON or bytes that are not UTF-8
            self._fail(f"meta.json unreadable: {exc}")
        if not isinstance(meta, dict):
            self._fail(f"meta.json holds a JSON {type(meta).__name__}; expected an object of keys {list(META_KEYS)}")
        missing = [k for k in META_KEYS if k not in meta]
        if missing:
            self._fail(f"meta.json lacks {missing}; expected keys {list(META_KEYS)}")
        if meta["schema_version"] != SCHEMA_VERSION:
            self._fail(f"schema_version {meta['schema_version']!r} but this scoutsim reads {SCHEMA_VERSION}")
        if meta["kind"] not in KINDS:
            self._fail(f"meta.json kind {meta['kind']!r}; expected one of {list(KINDS)}")
        from scoutsim.oraclechecks import check_meta

        check_meta(meta, self._fail)
        return meta

    def _verify_files(self) -> None:
        recorded = self.meta["files"]
        for name in DATA_FILES:
            p = self.path / name
            if not p.is_file():
                self._fail(f"{name} is missing")
            if name not in recorded:
                self._fail(f"meta.json files has no sha256 for {name}")
            actual = file_sha256(p)
            if actual != recorded[name]:
                self._fail(f"{name} sha256 {actual[:12]}… differs from meta.json's {recorded[name][:12]}…; "
                           "the file was changed after the cache was built")

    def _read_table(self, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
        try:
            df = pd.read_parquet(self.path / name)
        except Exception as exc:  # pyarrow raises several types for damaged files
            self._fail(f"{name} unreadable: {(str(exc).splitlines() or [type(exc).__name__])[0]}")
        missing = [c for c in columns if c not in df.columns]
        if missing:
            self._fail(f"{name} lacks columns {missing}; expected {list(columns)}")
        return df

    def _read_quality(self) -> pd.DataFrame:
        df = self._read_table("quality.parquet", QUALITY_COLUMNS)
        from scoutsim.oraclechecks import check_quality

        check_quality(df, self._fail)
        try:
            df["mode"] = [canonical(m) for m in df["mode"]]
        except ModeError as exc:
            self._fail(f"quality.parquet: {exc}")
        if (df["sample_id"] < 0).any() and "n" not in df.columns:
            self._fail("quality.parquet has mean rows (sample_id = -1) but no n column")
        return df

    def _read_timings(self) -> pd.DataFrame:
        df = self._read_table("timings.parquet", TIMING_COLUMNS)
        from scoutsim.oraclechecks import check_timings

        check_timings(df, self._fail)
        if (df["seconds"] <= 0).any() or df["seconds"].isna().any():
            self._fail("timings.parquet has non-positive or missing seconds")
        return df

    def _index_quality(self) -> dict[tuple[str, str, str], QualityDraws]:
        index: dict[tuple[str, str, str], QualityDraws] = {}
        for key, grp in self.quality.groupby(["edge_model", "cloud_model", "mode"], sort=True):
            samples = grp[grp["sample_id"] >= 0]
            if len(samples):
                by = dict(zip(samples["sample_id"].astype(int), samples["f1"].astype(float)))
                em = dict(zip(samples["sample_id"].astype(int), samples["em"].astype(float)))
                index[key] = QualityDraws(by, float(np.mean(list(by.values()))), len(by), em)
            else:
                row = grp.iloc[0]
                index[key] = QualityDraws({}, float(row["f1"]), int(row["n"]))
        return index

    def _index_timings(self) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        index = {}
        for (model, op), grp in self.timings.groupby(["model", "op"], sort=True):
            g = grp.groupby("context_tokens")["seconds"].median().sort_index()
            index[(model, op)] = (g.index.to_numpy(dtype=float), g.to_numpy(dtype=float))
        return index

    # ------------------------------------------------------------------ queries
    @property
    def name(self) -> str:
        return self.path.name

    @property
    def digest(self) -> str:
        return hashlib.sha256("".join(self.meta["files"][n] for n in DATA_FILES).encode()).hexdigest()

    @property
    def means_only(self) -> bool:
        """True when no entry has per-sample values (a cache of published means)."""
        return not any(d.has_samples for d in self._quality_index.values())

    def has_entry(self, edge: str, cloud: str, mode: str) -> bool:
        return (edge, cloud, canonical(mode)) in self._quality_index

    def entries(self) -> list[tuple[str, str, str]]:
        return sorted(self._quality_index)

    def draws(self, edge: str, cloud: str, mode: str) -> QualityDraws:
        return self._quality_index[(edge, cloud, canonical(mode))]

    def has_timing(self, model: str, op: str) -> bool:
        return (model, op) in self._timing_index

    def seconds(self, model: str, op: str, tokens: float) -> float:
        """Measured seconds of ``op`` on ``model`` at ``tokens`` context tokens."""
        x, y = self._timing_index[(model, op)]
        if len(x) == 1:
            # One measured length: scale linearly in tokens for prefill-like ops.
            if tokens != x[0]:
                self.extrapolated += 1
            return float(y[0] if op == "decode_token" else y[0] * tokens / x[0])
        if tokens < x[0] or tokens > x[-1]:
            self.extrapolated += 1
            i = 0 if tokens < x[0] else len(x) - 2
            slope = (y[i + 1] - y[i]) / (x[i + 1] - x[i])
            return float(max(y[i] + slope * (tokens - x[i]), y.min() * 0.5))
        return float(np.interp(tokens, x, y))

    def sample_info(self, edge: str) -> tuple[np.ndarray, SampleInfo] | None:
        """Sample ids measured for an edge model and what each one's prompt is like."""
        rows = self.quality[(self.quality["edge_model"] == edge) & (self.quality["sample_id"] >= 0)]
        if rows.empty:
            return None
        first = rows.drop_duplicates("sample_id").sort_values("sample_id")
        dataset = self.meta["dataset"]
        tokens = first["context_tokens"].to_numpy(dtype=np.int64)
        bpt = float(dataset.get("bytes_per_token", 4.0))

        def column(name: str, default: np.ndarray) -> np.ndarray:
            return first[name].to_numpy(dtype=np.int64) if name in first.columns else default

        info = SampleInfo(
            context_tokens=tokens,
            context_bytes=column("context_bytes", np.ceil(tokens * bpt).astype(np.int64)),
            question_bytes=column("question_bytes", np.full(len(first), int(dataset.get("mean_question_bytes", 64)))),
            answer_tokens=column("answer_tokens", np.full(len(first), int(dataset.get("mean_answer_tokens", 8)))),
        )
        return first["sample_id"].to_numpy(dtype=np.int64), info


def load_cache(name_or_path: str, base: Path | None = None) -> OracleCache:
    return OracleCache(resolve_cache_dir(name_or_path, base))


# ---------------------------------------------------------------- timing provenance
# A GPU cloud runs these models at least ten times faster than one CPU socket does, so a
# cache timed on a CPU with a cloud slowdown above this models a CPU-class cloud.
CPU_CACHE_MAX_CLOUD_SLOWDOWN = 0.1


def machine_class(meta: dict) -> str:
    """``gpu``, ``cpu`` or ``unknown``: the class of machine the cache's timings come from."""
    hw = meta.get("hardware") or {}
    if hw.get("machine_class") in ("cpu", "gpu"):
        return hw["machine_class"]
    device = meta.get("device")
    if isinstance(device, dict):
        return "gpu" if device.get("type") == "cuda" else "cpu" if device.get("type") == "cpu" else "unknown"
    text = str(device or "").lower()
    return "gpu" if "gpu" in text or "cuda" in text else "cpu" if "cpu" in text else "unknown"


def hardware_summary(meta: dict) -> str:
    """One line: the machine the timings were measured on, as ``meta.json`` records it."""
    hw = meta.get("hardware") or {}
    device = meta.get("device")
    if not hw:
        return f"{device} (no hardware record: CPU model, flags and load unknown)"
    parts = [hw.get("gpu") or hw.get("cpu_model") or "unknown CPU", f"class {hw.get('machine_class', '?')}"]
    flags = hw.get("cpu_flags") or {}
    on = [f for f, v in flags.items() if v]
    if flags:
        parts.append("flags " + (",".join(on) if on else "none of " + ",".join(flags)))
    if hw.get("torch_cpu_capability"):
        parts.append(f"torch kernels {hw['torch_cpu_capability']}")
    if hw.get("torch_threads") is not None:
        parts.append(f"{hw['torch_threads']} torch threads of {hw.get('logical_cpus')} CPUs")
    if hw.get("load_average_1_5_15"):
        parts.append(f"load {hw['load_average_1_5_15'][0]:.2f}")
    if not hw.get("recorded_at_build", True):
        parts.append("recorded after the build: " + hw.get("note", "not at build time"))
        later = hw.get("observed_later") or {}
        if later.get("same_platform_string"):
            parts.append(f"a machine with the same platform string later had {later.get('cpu_model')}")
    return "; ".join(parts)


def timing_warnings(meta: dict, cloud_slowdowns=(), edge_slowdowns=()) -> list[str]:
    """Warnings when a scenario's ``slowdown`` values imply a machine class other than the
    one the cache's timings were measured on (``slowdown`` scales the oracle's device).

    A CPU-timed cache with a cloud slowdown above :data:`CPU_CACHE_MAX_CLOUD_SLOWDOWN`
    models a cloud no faster than a tenth of that CPU; a GPU-timed cache with an edge
    slowdown below 1 models edge devices faster than a datacenter GPU; a cache without a
    known machine class cannot be checked. Pure: the caller decides where to print.
    """
    cls = machine_class(meta)
    where = hardware_summary(meta)
    out = []
    if cls == "unknown" and (list(cloud_slowdowns) or list(edge_slowdowns)):
        out.append(f"oracle timings come from an unknown machine ({where}); compute times scaled by slowdown "
                   "cannot be checked against a machine class")
    if cls == "cpu":
        slow = sorted({float(s) for s in cloud_slowdowns if float(s) > CPU_CACHE_MAX_CLOUD_SLOWDOWN})
        if slow:
            out.append(f"oracle timings were measured on a CPU ({where}) and the cloud slowdown is "
                       f"{', '.join(f'{s:g}' for s in slow)}: cloud compute is modelled as less than 10x faster "
                       f"than that CPU, not as a GPU; use a slowdown <= {CPU_CACHE_MAX_CLOUD_SLOWDOWN:g}, "
                       "prefill_tokens_per_s, or a cache built on the cloud's GPU")
    if cls == "gpu":
        fast = sorted({float(s) for s in edge_slowdowns if float(s) < 1.0})
        if fast:
            out.append(f"oracle timings were measured on a GPU ({where}) and the edge slowdown is "
                       f"{', '.join(f'{s:g}' for s in fast)}: edge devices faster than that GPU")
    return out
