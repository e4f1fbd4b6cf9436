"""meta.json says which code made a result: scoutsim's version and commit, and each plug-in's code."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from scoutsim import __version__, plugins
from scoutsim.cli import main
from scoutsim.results import provenance

from conftest import ROOT

SHORT = ["--duration", "3", "--replications", "1", "--no-plots", "--no-progress"]


def test_a_run_records_its_code_and_its_plugins(tmp_path, monkeypatch):
    # A one-file plug-in (what it registers does not matter: loading it is what is recorded).
    plugin = tmp_path / "provenance_probe.py"
    plugin.write_text("PROBE = 'registers nothing'\n")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r"
    assert main(["run", str(ROOT / "scenarios" / "8agents_100mbps.yaml"), "--out", str(out), "--plugin",
                 str(plugin), *SHORT]) == 0
    meta = json.loads((out / "meta.json").read_text())
    assert meta["written_by"] == "scoutsim"
    mine = [p for p in meta["plugins"] if p["module"] == "provenance_probe"]
    assert mine == [{"module": "provenance_probe", "file": str(plugin.resolve()),
                     "sha256": hashlib.sha256(plugin.read_bytes()).hexdigest()}]
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    code = meta["code"]
    assert code["version"] == __version__
    if head.returncode == 0:  # this checkout is a git checkout: its commit, and a real flag
        assert code["commit"] == head.stdout.strip() and isinstance(code["dirty"], bool)


def test_a_package_plugin_hash_covers_every_python_file(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("A = 1\n")
    (pkg / "sub" / "b.py").write_text("B = 2\n")
    want = hashlib.sha256(b"__init__.py\0A = 1\n" + b"sub/b.py\0B = 2\n").hexdigest()
    assert plugins.code_sha256(pkg) == want
    (pkg / "sub" / "b.py").write_text("B = 3\n")
    assert plugins.code_sha256(pkg) != want


def test_without_git_the_commit_is_unknown_and_nothing_fails(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(provenance.subprocess, "run", no_git)
    provenance._checkout_state.cache_clear()
    assert provenance.code_version() == {"version": __version__, "commit": None, "dirty": None}
    provenance._checkout_state.cache_clear()


def test_a_package_inside_another_repository_claims_no_commit(tmp_path, monkeypatch):
    # scoutsim installed into a folder that some other repository contains: that
    # repository's HEAD is not scoutsim's commit.
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    inner = tmp_path / "site-packages"
    inner.mkdir()
    monkeypatch.setattr(provenance, "PACKAGE_ROOT", inner)
    provenance._checkout_state.cache_clear()
    assert provenance.code_version()["commit"] is None
    provenance._checkout_state.cache_clear()


def test_a_benchmark_report_names_its_code(monkeypatch):
    # Report headers (bench, bench decisions) carry the phrase, so that a number printed
    # there can be traced to the commit that made it.
    from scoutsim.bench.suite import header

    cases = {("0123456789abcdef0123", False): "commit 0123456789ab",
             ("0123456789abcdef0123", True): "commit 0123456789ab with uncommitted changes",
             (None, None): "commit unknown"}
    for state, phrase in cases.items():
        monkeypatch.setattr(provenance, "_checkout_state", lambda state=state: state)
        assert provenance.describe() == f"scoutsim {__version__}, {phrase}"
        assert header().endswith(f"; scoutsim {__version__}, {phrase}")
