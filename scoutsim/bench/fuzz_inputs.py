"""Hostile inputs for ``scoutsim bench fuzz``: Hypothesis strategies that mutate a small
valid scenario, a trace CSV, a sweep grid and an oracle cache.

Each strategy draws a :class:`Case`: the files to write into a fresh case directory, the
command line to run there, and what the message of a refused case must name (the file and,
where the mutation targets one, the key path). The bases are tiny (one agent, seconds of
simulated time) so that a mutation that happens to be valid runs in milliseconds.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hypothesis import strategies as st

KINDS = ("scenario", "trace", "sweep", "oracle")

# Values that break naive readers: wrong types, non-finite, extreme, unicode, control bytes.
HOSTILE_SCALARS = [None, True, False, 0, -1, -0.0, 1e308, -1e308, 2**63, -2**63, 10**30, 1e-300,
                   float("nan"), float("inf"), float("-inf"), "", " ", "NaN", ".inf", "1e999",
                   "🚀", "\u202eevil", "\x00", "é" * 50, "x" * 2000, [], {}, [1, 2], {"a": 1}]
hostile = st.one_of(
    st.sampled_from(HOSTILE_SCALARS),
    st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(-5, 5), max_size=3),
)
HOSTILE_CELLS = ["nan", "NaN", "inf", "-inf", "1e309", "-5", "-0", "abc", "", " ", "🚀", "0x10",
                 "1,5", "\"", "1e-400", "99999999999999999999999", "\x00"]


def base_scenario(oracle: str = "oracle", channel: dict | None = None) -> dict:
    return {
        "name": "fuzz", "seed": 1, "replications": 1, "duration_s": 6.0, "oracle": oracle,
        "deadline_on": "first_token",
        "uplinks": [{"id": "cell0", "channel": channel or {"kind": "constant", "mbps": 100.0},
                     "allocator": "equal", "sharing": "work_conserving", "latency_ms": 10.0}],
        "cloud": {"slowdown": 1.0, "gpus": 1},
        "agents": [{"count": 2, "edge_model": "qwen2.5-7b", "cloud_model": "qwen2.5-14b", "uplink": "cell0",
                    "edge_slowdown": 8.0, "arrival": {"kind": "poisson", "rate_per_s": 0.5},
                    "deadline_s": 5.0, "policy": "adaptive", "modes": ["int8", "int4", "scout@0.5"],
                    "estimator": "harmonic"}],
    }


@dataclass
class Case:
    kind: str
    mutation: str                                # what was done, for reports
    files: dict[str, bytes]                      # relative path -> content
    argv: list[str]                              # command line, run in the case directory
    must_name: list[str] = field(default_factory=list)  # one of these must be in the message
    key: str | None = None                       # a key path the message should carry
    copy_oracle: bool = False                    # copy the shipped cache to ./oracle first
    oracle_edit: Any = None                      # callable(Path) applied to the copied cache


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _set(data: dict, path: tuple, value: Any, delete: bool = False) -> None:
    node = data
    for p in path[:-1]:
        node = node[p]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def _dump(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


def _text_mutation(draw, text: bytes) -> tuple[str, bytes]:
    how = draw(st.sampled_from(["truncate", "bitflip", "insert", "non-utf8", "empty"]))
    if how == "empty":
        return how, b""
    if how == "non-utf8":
        at = draw(st.integers(0, len(text)))
        return how, text[:at] + b"\xff\xfe" + text[at:]
    at = draw(st.integers(0, max(len(text) - 1, 0)))
    if how == "truncate":
        return f"truncate@{at}", text[:at]
    if how == "bitflip":
        bit = draw(st.integers(0, 7))
        return f"bitflip@{at}.{bit}", text[:at] + bytes([text[at] ^ (1 << bit)]) + text[at + 1:]
    junk = draw(st.text(min_size=1, max_size=4)).encode("utf-8", "surrogatepass")
    return f"insert@{at}", text[:at] + junk + text[at:]


RUN = ["run", "scenario.yaml", "--out", "out", "--no-plots"]


@st.composite
def scenario_case(draw) -> Case:
    data = base_scenario()
    op = draw(st.sampled_from(["set", "set", "set", "delete", "unknown", "duplicate", "text"]))
    if op == "text":
        how, text = _text_mutation(draw, _dump(data))
        return Case("scenario", how, {"scenario.yaml": text}, RUN, ["scenario.yaml"], copy_oracle=True)
    if op == "duplicate":
        path = draw(st.sampled_from([p for p in _paths(data) if len(p) == 1]))
        text = _dump(data) + f"{path[0]}: {json.dumps(data[path[0]])}\n".encode()
        return Case("scenario", f"duplicate {path[0]}", {"scenario.yaml": text}, RUN, ["scenario.yaml"],
                    key=path[0], copy_oracle=True)
    paths = [p for p in _paths(data) if not (p and p[0] == "oracle")]
    path = draw(st.sampled_from(paths))
    if op == "set":
        value = draw(hostile)
        _set(data, path, value)
        desc = f"{_dotted(path)} = {value!r:.60}"
    elif op == "delete":
        _set(data, path, None, delete=True)
        desc = f"delete {_dotted(path)}"
    else:
        parent = path if isinstance(_get(data, path), dict) else path[:-1]
        if not isinstance(_get(data, parent), dict):
            parent = ()
        name = draw(st.text(min_size=1, max_size=8))
        path = parent + (name,)
        _get(data, parent)[name] = draw(hostile)
        desc = f"unknown key {_dotted(path)}"
    # An unknown key is itself the culprit, so its message must name it; a changed or
    # deleted value may be reported where it bites (a renamed uplink id, at the agent that
    # refers to it), so only the file is required.
    key = _dotted(path) if op == "unknown" else None
    if key is not None and not all(str(p).isprintable() for p in path):
        key = None  # printed escaped (repr), which the case cannot spell the same way
    return Case("scenario", desc, {"scenario.yaml": _dump(data)}, RUN, ["scenario.yaml"], key=key,
                copy_oracle=True)


def _get(data: Any, path: tuple) -> Any:
    for p in path:
        data = data[p]
    return data


def _trace_rows(n: int = 8) -> list[list[str]]:
    return [[str(i), str(20 + 10 * (i % 5))] for i in range(n)]


@st.composite
def trace_case(draw) -> Case:
    rows = [["time_s", "mbps"]] + _trace_rows()
    op = draw(st.sampled_from(["cell", "cell", "swap", "duplicate", "header", "column", "text", "missing"]))
    if op == "cell":
        r, c = draw(st.integers(1, len(rows) - 1)), draw(st.integers(0, 1))
        rows[r][c] = draw(st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=6)))
        desc = f"row {r} col {c} = {rows[r][c]!r:.40}"
    elif op == "swap":
        i, j = draw(st.integers(1, len(rows) - 1)), draw(st.integers(1, len(rows) - 1))
        rows[i], rows[j] = rows[j], rows[i]
        desc = f"swap rows {i},{j} (non-monotonic time)"
    elif op == "duplicate":
        i = draw(st.integers(1, len(rows) - 1))
        rows.insert(i, list(rows[i]))
        desc = f"duplicate row {i}"
    elif op == "header":
        rows[0] = draw(st.sampled_from([["time", "mbps"], ["mbps", "time_s"], ["time_s"], [], ["time_s", "mbps", "x"]]))
        desc = f"header {rows[0]}"
    elif op == "column":
        for row in rows[1:]:
            row.append(draw(st.sampled_from(["1", "", "x"])))
        desc = "extra column"
    else:
        desc = op
    text = "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass") + b"\n"
    if op == "text":
        desc, text = _text_mutation(draw, text)
    pool = draw(st.booleans())
    channel = ({"kind": "trace_pool", "runs": ["trace.csv"]} if pool
               else {"kind": "trace", "path": "trace.csv", "loop": True})
    files = {"scenario.yaml": _dump(base_scenario(channel=channel))}
    if op != "missing":
        files["trace.csv"] = text
    return Case("trace", f"{'trace_pool' if pool else 'trace'}: {desc}", files, RUN, ["trace.csv"],
                copy_oracle=True)


GRID_KEYS = ["uplinks.0.channel.mbps", "agents.0.count", "agents[0].deadline_s", "uplinks.0.allocator",
             "agents.0.policy", "duration_s", "agents.7.count", "nosuch.key", "uplinks.x.id", "", ".",
             "agents.0.arrival.rate_per_s", "seed", "agents.0.modes"]


@st.composite
def sweep_case(draw) -> Case:
    grids = []
    for _ in range(draw(st.integers(1, 2))):
        key = draw(st.one_of(st.sampled_from(GRID_KEYS), st.text(max_size=10)))
        values = draw(st.lists(st.one_of(st.sampled_from(["1", "2", "50", "-1", "0", "nan", ".inf", "1e999", "[",
                                                          "]", "{a", "model_aware", "static:int8", "",
                                                          "🚀", "[1,2]"]), st.text(max_size=5)),
                               min_size=0, max_size=3))
        sep = draw(st.sampled_from(["=", "=", ":", ""]))
        grids.append(f"{key}{sep}{','.join(values)}")
    argv = ["sweep", "scenario.yaml", "--out", "out", "--no-progress"]
    for g in grids:
        argv += ["--grid", g]
    return Case("sweep", " ".join(f"--grid {g!r:.50}" for g in grids), {"scenario.yaml": _dump(base_scenario())},
                argv, ["--grid", "scenario.yaml"], copy_oracle=True)


def _rewrite_table(name: str, column: str, row: int, value: Any, drop: bool):
    def edit(cache: Path) -> None:
        df = pd.read_parquet(cache / name)
        if drop:
            df = df.drop(columns=[column])
        else:
            df[column] = df[column].astype(object)
            df.loc[df.index[row % len(df)], column] = value
        buf = io.BytesIO()
        try:
            df.to_parquet(buf, index=False)
        except Exception:  # pyarrow refuses mixed-type columns: store the column as text
            df[column] = df[column].astype(str)
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
        (cache / name).write_bytes(buf.getvalue())
        _rehash(cache)
    return edit


def _rehash(cache: Path) -> None:
    from scoutsim.digest import file_sha256

    meta = json.loads((cache / "meta.json").read_text())
    for name in ("quality.parquet", "timings.parquet"):
        if (cache / name).exists() and isinstance(meta.get("files"), dict):
            meta["files"][name] = file_sha256(cache / name)
    (cache / "meta.json").write_text(json.dumps(meta))


def _bytes_edit(name: str, how: str, at: float, bit: int, rehash: bool):
    def edit(cache: Path) -> None:
        p = cache / name
        if how == "missing":
            p.unlink()
            return
        data = p.read_bytes()
        k = int(at * (len(data) - 1))
        data = data[:k] if how == "truncate" else data[:k] + bytes([data[k] ^ (1 << bit)]) + data[k + 1:]
        p.write_bytes(data)
        if rehash and name != "meta.json":
            _rehash(cache)
    return edit


def _meta_edit(path: tuple, value: Any, delete: bool):
    def edit(cache: Path) -> None:
        meta = json.loads((cache / "meta.json").read_text())
        try:
            _set(meta, path, value, delete)
        except (KeyError, IndexError, TypeError):
            return
        (cache / "meta.json").write_text(json.dumps(meta, allow_nan=True))
    return edit


@st.composite
def oracle_case(draw) -> Case:
    op = draw(st.sampled_from(["cell", "cell", "drop", "bytes", "bytes", "meta", "meta"]))
    table = draw(st.sampled_from(["quality.parquet", "timings.parquet"]))
    columns = {"quality.parquet": ["f1", "em", "context_tokens", "sample_id", "mode", "edge_model", "n"],
               "timings.parquet": ["seconds", "context_tokens", "op", "model"]}[table]
    if op in ("cell", "drop"):
        column = draw(st.sampled_from(columns))
        value = draw(st.sampled_from([math.nan, math.inf, -math.inf, -1.0, 0.0, 1e308, -5, "x", "🚀", None, 2.5]))
        row = draw(st.integers(0, 200))
        edit, desc = _rewrite_table(table, column, row, value, op == "drop"), \
            f"{table} {'drop ' + column if op == 'drop' else f'{column}[{row}] = {value!r}'}"
    elif op == "bytes":
        name = draw(st.sampled_from(["quality.parquet", "timings.parquet", "meta.json"]))
        how = draw(st.sampled_from(["truncate", "bitflip", "missing"]))
        rehash = draw(st.booleans())
        edit = _bytes_edit(name, how, draw(st.floats(0, 1)), draw(st.integers(0, 7)), rehash)
        desc = f"{name} {how}{' (hash updated)' if rehash else ''}"
    else:
        key = draw(st.sampled_from([("schema_version",), ("kind",), ("models",), ("dataset",), ("files",),
                                    ("files", "quality.parquet"), ("device",), ("models", "qwen2.5-7b"),
                                    ("models", "qwen2.5-7b", "layers"), ("models", "qwen2.5-7b", "kv_heads"),
                                    ("models", "qwen2.5-7b", "head_dim"), ("dataset", "mean_context_tokens")]))
        delete = draw(st.booleans())
        value = None if delete else draw(hostile)
        edit = _meta_edit(key, value, delete)
        desc = f"meta.json {'delete ' if delete else ''}{'.'.join(key)}{'' if delete else f' = {value!r:.40}'}"
    return Case("oracle", desc, {"scenario.yaml": _dump(base_scenario())}, RUN, ["oracle"],
                copy_oracle=True, oracle_edit=edit)


STRATEGIES = {"scenario": scenario_case, "trace": trace_case, "sweep": sweep_case, "oracle": oracle_case}
