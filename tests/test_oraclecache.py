"""The oracle-cache reader: refuses damaged caches, serves means and samples, interpolates."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from scoutsim.errors import CacheError
from scoutsim.oraclecache import OracleCache, file_sha256
from tests.conftest import ROOT

PUBLISHED = ROOT / "oracle_cache" / "published-squad-v2"


@pytest.fixture
def cache_copy(tmp_path):
    dst = tmp_path / "cache"
    shutil.copytree(PUBLISHED, dst)
    return dst


def rewrite_meta(path, **changes):
    meta = json.loads((path / "meta.json").read_text())
    meta.update(changes)
    (path / "meta.json").write_text(json.dumps(meta))


def test_published_cache_serves_means_with_their_sample_size():
    c = OracleCache(PUBLISHED)
    d = c.draws("qwen2.5-7b", "qwen2.5-14b", "int4")
    assert not d.has_samples
    assert d.mean == pytest.approx(0.776 * 0.687, abs=1e-6) and d.n == 200
    assert c.has_entry("qwen2.5-7b", "qwen2.5-14b", "scout@0.50")  # canonical spelling


def test_changed_data_file_is_refused(cache_copy):
    df = pd.read_parquet(cache_copy / "quality.parquet")
    df.loc[0, "f1"] = 0.99
    df.to_parquet(cache_copy / "quality.parquet", index=False)
    with pytest.raises(CacheError, match="quality.parquet sha256 .* differs"):
        OracleCache(cache_copy)


def test_other_schema_version_is_refused(cache_copy):
    rewrite_meta(cache_copy, schema_version=99)
    with pytest.raises(CacheError, match="schema_version 99"):
        OracleCache(cache_copy)


def test_missing_column_is_refused(cache_copy):
    df = pd.read_parquet(cache_copy / "timings.parquet").drop(columns=["op"])
    df.to_parquet(cache_copy / "timings.parquet", index=False)
    rewrite_meta(cache_copy, files={"quality.parquet": file_sha256(cache_copy / "quality.parquet"),
                                    "timings.parquet": file_sha256(cache_copy / "timings.parquet")})
    with pytest.raises(CacheError, match="lacks columns \\['op'\\]"):
        OracleCache(cache_copy)


def test_timings_interpolate_and_extrapolate_linearly(cache_copy):
    rows = pd.DataFrame([("m", "prefill", 100, 1.0), ("m", "prefill", 300, 3.0), ("m", "prefill", 300, 5.0),
                         ("m", "decode_token", 100, 0.5)], columns=["model", "op", "context_tokens", "seconds"])
    rows.to_parquet(cache_copy / "timings.parquet", index=False)
    rewrite_meta(cache_copy, files={"quality.parquet": file_sha256(cache_copy / "quality.parquet"),
                                    "timings.parquet": file_sha256(cache_copy / "timings.parquet")})
    c = OracleCache(cache_copy)
    # The two repeats at 300 tokens have median 4.0.
    assert c.seconds("m", "prefill", 200) == pytest.approx(2.5)
    assert c.extrapolated == 0
    assert c.seconds("m", "prefill", 500) == pytest.approx(4.0 + 1.5 * 2)
    assert c.extrapolated == 1
    assert c.seconds("m", "decode_token", 1000) == pytest.approx(0.5)


def test_published_cache_rebuilds_identically(tmp_path):
    import subprocess
    import sys

    data = ROOT / "tests" / "fixtures" / "data" / "squad_v2_dev_cs224n_split" / "dev-v2.0.json"
    out = tmp_path / "rebuilt"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_published_oracle.py"), "--out", str(out),
                    "--data", str(data)], check=True, capture_output=True)
    for name in ("quality.parquet", "timings.parquet"):
        assert file_sha256(out / name) == file_sha256(PUBLISHED / name)


def test_published_cache_builds_from_a_squad_fixture(tmp_path):
    """The published cache's builder on a three-question SQuAD v2 file (committed fixture):
    contexts of 170, 170 and 340 bytes (one per question), questions of 4, 12 and 4 bytes,
    answers "Ada" and "home" (the third question has none). With the study's mean context
    of 170 tokens: mean context 680 / 3 = 226.7 -> 227 B, 1.3333 bytes per token, mean
    question 20 / 3 -> 7 B, mean answer 3.5 B / 1.3333 = 2.6 -> 3 tokens + 1 end token = 4."""
    import subprocess
    import sys

    data = ROOT / "tests" / "fixtures" / "squad_v2_tiny.json"
    out = tmp_path / "built"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_published_oracle.py"), "--out", str(out),
                    "--data", str(data)], check=True, capture_output=True)
    cache = OracleCache(out)  # the simulator's reader accepts it: hashes, schema, contents
    ds = cache.meta["dataset"]
    assert ds["mean_context_bytes"] == 227 and ds["bytes_per_token"] == pytest.approx(1.3333)
    assert ds["mean_question_bytes"] == 7 and ds["mean_answer_tokens"] == 4
    assert ds["text_statistics_from"]["questions"] == 3
    # Quality and timings are the study's published figures, independent of the data file.
    for name in ("quality.parquet", "timings.parquet"):
        assert file_sha256(out / name) == file_sha256(PUBLISHED / name)


def test_a_missing_cache_names_its_neighbours_and_an_unfinished_build_says_so(tmp_path):
    import shutil

    from scoutsim.errors import CacheError
    from scoutsim.oraclecache import resolve_cache_dir
    from scoutsim.shipped import folder
    shutil.copytree(folder("oracle_cache") / "published-squad-v2", tmp_path / "mine")
    with pytest.raises(CacheError, match=r"caches found there: \[.*mine'\]"):
        resolve_cache_dir(str(tmp_path / "nope"))
    (tmp_path / "half" / ".partial").mkdir(parents=True)
    (tmp_path / "half" / ".partial" / "config.json").write_text("{}")
    with pytest.raises(CacheError, match="has not finished .*rerun its 'oracle build' command"):
        resolve_cache_dir(str(tmp_path / "half"))
