"""The oracle build on a local Ray instance gives the local build's cache."""

import sys

import pytest

pytest.importorskip("torch")

from scoutsim.errors import UserError  # noqa: E402
from scoutsim.oracle import distributed  # noqa: E402

from .buildcli import _cmd, _run  # noqa: E402
from .tiny import FICTIONAL  # noqa: E402


def test_ray_build_equals_local_build(reference_build, tiny_pair_dir, tmp_path):
    pytest.importorskip("ray", reason="the ray executor is an optional extra ('distributed') not installed here")
    out = tmp_path / "tiny-ray"
    res = _run(_cmd(tiny_pair_dir, out, extra=("--executor", "ray", "--workers", "2")))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "on 2 workers" in res.stdout  # the samples really went to Ray, not the local loop
    assert len(list((out / ".partial" / "samples").glob("*.json"))) == 8  # the local build's shard store
    assert (out / "quality.parquet").read_bytes() == (reference_build / "quality.parquet").read_bytes()


def test_worker_that_cannot_see_the_files_says_so(tmp_path):
    pytest.importorskip("ray", reason="the ray executor is an optional extra ('distributed') not installed here")
    from scoutsim.oracle import build, data

    # The driver checks the paths itself, so only a worker on a node without them (a
    # cluster lacking a shared file system) meets this; here the driver's check is skipped.
    ghost = tmp_path / "ghost-model"
    spec = build.BuildSpec(out=tmp_path / "out", edge=("e", ghost), cloud=("e", ghost), dataset=FICTIONAL,
                           samples=2, progress=False)
    (tmp_path / "out").mkdir()
    samples = data.draw(data.read_dataset(FICTIONAL), 2, 0, True)
    with pytest.raises(UserError, match=r"cannot see \['[^']*ghost-model'\]; every node needs"):
        distributed.build_samples(spec, distributed.Executor("ray", workers=1), samples, ["bf16"], [], {},
                                  log=lambda *_: None)


def test_chunks_cover_every_sample_once():
    items = list(range(10))
    for n in (1, 3, 4, 10, 25):
        parts = distributed.chunks(items, n)
        assert [x for p in parts for x in p] == items and all(parts) and len(parts) <= n


def test_executor_flags_are_checked(tiny_pair_dir, tmp_path):
    with pytest.raises(UserError, match="unknown executor"):
        distributed.Executor("dask").check()
    res = _run(_cmd(tiny_pair_dir, tmp_path / "x", extra=("--workers", "2")))
    assert res.returncode == 2 and "--executor ray only" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x").exists()  # refused before anything was written


def test_missing_ray_is_one_clear_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what an absent package looks like to import
    with pytest.raises(UserError, match=r"pip install 'scoutsim\[distributed\]'"):
        distributed.Executor("ray").check()
