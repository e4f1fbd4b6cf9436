"""A plug-in that cannot be found or fails on import: one message naming it, exit 2, nothing written."""

from __future__ import annotations

import yaml

from tests.plugins.conftest import EXAMPLE_SCENARIO, MAIN_SCENARIO, REPO, cli


def _one_line(p) -> str:
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    return lines[0]


def test_unknown_module_is_named(tmp_path):
    p = cli("run", str(MAIN_SCENARIO), "--plugin", "no_such_plugin_mod", "--out", str(tmp_path / "r"))
    assert p.returncode == 2
    line = _one_line(p)
    assert "--plugin" in line and "'no_such_plugin_mod' not found" in line
    assert not (tmp_path / "r").exists()


def test_module_that_raises_is_named_with_its_error(tmp_path):
    bad = tmp_path / "broken_rules.py"
    bad.write_text("import math\nraise RuntimeError('bad table at row 3')\n")
    for command in (["run", str(MAIN_SCENARIO)], ["sweep", str(MAIN_SCENARIO), "--grid", "seed=1,2"]):
        p = cli(*command, "--plugin", str(bad), "--out", str(tmp_path / "r"))
        assert p.returncode == 2, p.stderr
        line = _one_line(p)
        assert "broken_rules.py" in line and "failed to import: RuntimeError: bad table at row 3" in line
        assert not (tmp_path / "r").exists()


def test_missing_dependency_of_a_plugin_is_an_import_failure(tmp_path):
    bad = tmp_path / "needs_dep.py"
    bad.write_text("import not_installed_dependency_xyz\n")
    p = cli("run", str(MAIN_SCENARIO), "--plugin", str(bad), "--out", str(tmp_path / "r"))
    assert p.returncode == 2
    line = _one_line(p)
    assert "needs_dep.py" in line and "ModuleNotFoundError" in line and "not_installed_dependency_xyz" in line


def test_scenario_plugins_key_names_file_and_key(tmp_path, write_scenario_text):
    text = EXAMPLE_SCENARIO.read_text().replace("name: example_plugin", "name: x\nplugins: [./missing_rules.py]")
    path = write_scenario_text(text)
    p = cli("run", str(path), "--out", str(tmp_path / "r"))
    assert p.returncode == 2
    line = _one_line(p)
    assert str(path) in line and "plugins[0]" in line and "missing_rules.py" in line and "not found" in line


def test_plugin_names_unknown_without_the_plugin(tmp_path):
    # The example scenario naming plug-ins that nothing registers (its own names with a suffix:
    # the example package itself may be installed, and entry points load always): every
    # unknown name is reported, exit 2, nothing written.
    text = EXAMPLE_SCENARIO.read_text().replace("oracle: published-squad-v2", f"oracle: {REPO / 'oracle_cache' / 'published-squad-v2'}")
    for name in ("square_wave", "by_deadline", "good_enough", "median"):
        text = text.replace(name, f"{name}_absent")
    scenario = tmp_path / "absent.yaml"
    scenario.write_text(text)
    p = cli("run", str(scenario), "--out", str(tmp_path / "r"))
    assert p.returncode == 2
    line = _one_line(p)
    for name in ("square_wave_absent", "by_deadline_absent", "good_enough_absent", "median_absent"):
        assert name in line
    assert not (tmp_path / "r").exists()


def test_a_policy_that_fails_while_running_is_the_plugins_error(tmp_path):
    # It used to be reported as an internal error of scoutsim (exit 1, "please report it").
    code = ("from scoutsim.decisions.policy import POLICIES, Policy\n"
            "@POLICIES.register('kaboom_t')\nclass Kaboom(Policy):\n"
            "    def decide(self, situation):\n        raise RuntimeError('kaboom')\n"
            "@POLICIES.register('ninety_nine_t')\nclass NinetyNine(Policy):\n"
            "    def decide(self, situation):\n        return 99\n")
    plugin = tmp_path / "my_policies.py"
    plugin.write_text(code)
    scenario = yaml.safe_load(MAIN_SCENARIO.read_text())
    n_modes = len(scenario["agents"][0]["modes"])
    for name, words in (("kaboom_t", ["Kaboom.decide in", "my_policies.py", "raised RuntimeError: kaboom"]),
                        ("ninety_nine_t", ["returned 99", f"expected an option index 0..{n_modes - 1}"])):
        scenario["agents"][0]["policy"] = name
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(dict(scenario, replications=2, duration_s=10)))
        for workers in ("1", "2"):  # raised in a worker process too
            p = cli("run", str(path), "--plugin", str(plugin), "--workers", workers, "--out", str(tmp_path / "r"))
            assert p.returncode == 2, p.stderr
            line = _one_line(p)
            assert all(w in line for w in words), line
            assert not (tmp_path / "r").exists()
