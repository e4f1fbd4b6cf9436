"""Every kind of invalid scenario: exit status 2, one message naming the file and the key
path, and nothing written."""

from __future__ import annotations

import copy

import pytest

from scoutsim.cli import main
from tests.conftest import small_scenario


def mutate(path, value):
    data = small_scenario()
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


DELETE = object()

CASES = [
    ("unknown top-level key", mutate(("colour",), "red"), "colour: unknown key"),
    ("unknown nested key", mutate(("agents", 0, "edge_slowdwn"), 2.0), "agents[0].edge_slowdwn: unknown key"),
    ("wrong type", mutate(("duration_s",), "long"), "duration_s"),
    ("missing key", mutate(("agents", 0, "deadline_s"), DELETE), "agents[0].deadline_s: required key is missing"),
    ("unknown model", mutate(("agents", 0, "edge_model"), "gpt-9"), "agents[0].edge_model: unknown model 'gpt-9'"),
    ("unknown mode", mutate(("agents", 0, "modes"), ["bf16", "int9"]), "agents[0].modes"),
    ("retention out of range", mutate(("agents", 0, "modes"), ["q2c@1.5+int8"]), "retention"),
    ("retention zero", mutate(("agents", 0, "policy"), "static:scout@0"), "agents[0].policy"),
    ("unknown allocator", mutate(("uplinks", 0, "allocator"), "fastest_first"), "uplinks[0].allocator"),
    ("unknown estimator", mutate(("agents", 0, "estimator"), "psychic"), "agents[0].estimator"),
    ("negative warm-up", mutate(("agents", 0, "estimator_warmup"), {"bytes": -1}),
     "agents[0].estimator_warmup.bytes"),
    ("warm-up not a mapping", mutate(("agents", 0, "estimator_warmup"), 5), "agents[0].estimator_warmup"),
    ("warm-up of an oracle", {**mutate(("agents", 0, "estimator_warmup"), {}),
                              "agents": [dict(small_scenario()["agents"][0], estimator="oracle", estimator_warmup={})]},
     "learns nothing from transfers"),
    ("warm-up of a granted rate", {**mutate(("uplinks", 0, "allocator"), "joint"),
                                   "agents": [dict(small_scenario()["agents"][0], estimator_warmup={})]},
     "agents[0].estimator_warmup: uplink 'cell'"),
    ("unknown prior", mutate(("agents", 0, "estimator_prior"), "guess"), "agents[0].estimator_prior"),
    ("offered prior of an oracle", {**small_scenario(),
                                    "agents": [dict(small_scenario()["agents"][0], estimator="oracle", estimator_prior="offer")]},
     "learns nothing from transfers"),
    ("offered prior of a granted rate", {**mutate(("uplinks", 0, "allocator"), "joint"),
                                         "agents": [dict(small_scenario()["agents"][0], estimator_prior="offer")]},
     "agents[0].estimator_prior: uplink 'cell'"),
    ("unknown sharing", mutate(("uplinks", 0, "sharing"), "round_robin"), "uplinks[0].sharing"),
    ("negative rate", mutate(("agents", 0, "arrival"), {"kind": "poisson", "rate_per_s": -1}),
     "agents[0].arrival.rate_per_s"),
    ("unknown arrival kind", mutate(("agents", 0, "arrival"), {"kind": "bursty"}), "agents[0].arrival"),
    ("negative capacity", mutate(("uplinks", 0, "channel"), {"kind": "constant", "mbps": -5}),
     "uplinks[0].channel"),
    ("unknown channel kind", mutate(("uplinks", 0, "channel"), {"kind": "carrier_pigeon"}), "uplinks[0].channel"),
    ("transition rows", mutate(("uplinks", 0, "channel"),
                               {"kind": "markov", "states_mbps": [10, 100], "transition": [[0.5, 0.4], [0.5, 0.5]]}),
     "sums to 0.9"),
    ("transition shape", mutate(("uplinks", 0, "channel"),
                                {"kind": "markov", "states_mbps": [10, 100], "transition": [[1.0]]}),
     "2x2"),
    ("unknown uplink", mutate(("agents", 0, "uplink"), "cell9"), "agents[0].uplink: no uplink with id 'cell9'"),
    ("oracle entry missing", mutate(("agents", 0, "modes"), ["bf16", "h2o@0.5+int8"]),
     "agents[0].modes[1]: oracle published-squad-v2 has no quality"),
    ("oracle missing", mutate(("oracle",), "no-such-cache"), "oracle: no oracle cache named 'no-such-cache'"),
    ("scout across tokenizers", mutate(("agents", 0, "edge_model"), "mistral-7b"), "scout needs edge and cloud"),
    ("adaptive without modes", mutate(("agents", 0, "modes"), []), "agents[0]"),
    ("missing trace", mutate(("uplinks", 0, "channel"), {"kind": "trace", "path": "nowhere.csv"}),
     "uplinks[0].channel"),
    ("missing real trace says how to import it",
     mutate(("uplinks", 0, "channel"), {"kind": "trace", "path": "real/run1.csv", "format": "umn", "source": "run1.log"}),
     "import it first with:  python -m scoutsim traces import umn"),
    ("stated payload of local", mutate(("agents", 0, "payload_bytes"), {"local": 10}),
     "agents[0].payload_bytes: payload_bytes.local: local sends nothing"),
    ("stated payload not positive", mutate(("agents", 0, "payload_bytes"), {"int8": 0}),
     "payload_bytes.int8: expected a positive number of bytes, got 0"),
    ("stated payload of an unknown mode", mutate(("agents", 0, "payload_bytes"), {"int9": 5}), "payload_bytes"),
    ("stated payload as a boolean", mutate(("agents", 0, "payload_bytes"), {"int8": True}),
     "payload_bytes.int8: expected a number of bytes, got True"),
    ("import hint half given", mutate(("uplinks", 0, "channel"), {"kind": "trace", "path": "x.csv", "format": "umn"}),
     "give 'format' and 'source' together"),
    # Two groups of one name shared one summary row, and one group's numbers were lost.
    ("group name twice", {**small_scenario(), "agents": [dict(small_scenario()["agents"][0], name="edge"),
                                                         dict(small_scenario()["agents"][0], name="edge")]},
     "agents[1].name: group name 'edge' is also agents[0]'s"),
    ("group named all", mutate(("agents", 0, "name"), "all"), "agents[0].name: group name 'all' is the summary's"),
    ("cloud_aware of neither kind", mutate(("agents", 0, "cloud_aware"), "maybe"),
     "agents[0].cloud_aware: expected true, false, 'exact' or 'probe' (got 'maybe')"),
    ("unknown oracle lists the caches there are", mutate(("oracle",), "no-such-cache"), "published-squad-v2"),
]


@pytest.mark.parametrize("label,data,expected", CASES, ids=[c[0] for c in CASES])
def test_invalid_scenario_exit_2_with_key_path(label, data, expected, write_scenario, tmp_path, capsys):
    path = write_scenario(data)
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err
    assert expected in err
    assert "Traceback" not in err
    assert err.count("\n") == 1  # one message
    assert not out.exists()


def test_yaml_syntax_error_names_line(write_scenario, tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nagents: [\n  - {count: 1\n")
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "line" in err


def test_bad_cli_flag_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "x.yaml", "--replications", "many"])
    assert exc.value.code == 2


def test_override_validated_like_the_file(write_scenario, capsys):
    path = write_scenario(small_scenario())
    assert main(["run", str(path), "--replications", "0"]) == 2
    assert "replications" in capsys.readouterr().err


def test_valid_scenario_passes(write_scenario, tmp_path):
    data = copy.deepcopy(small_scenario(duration_s=5, replications=1))
    assert main(["run", str(write_scenario(data)), "--out", str(tmp_path / "ok"), "--no-plots"]) == 0


def test_an_unknown_flag_is_told_by_the_command_that_was_given(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "x.yaml", "--replicatons", "2"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "scoutsim run: error: unrecognized arguments: --replicatons 2" in err
    assert "usage: scoutsim run" in err  # the usage that lists --replications



def test_cloud_aware_takes_what_any_boolean_key_takes():
    # Before its one-line message, cloud_aware took 0/1 and yes/no as every boolean key does; it still does.
    from scoutsim.config.schema import AgentGroup
    group = small_scenario()["agents"][0]
    for given, read in ((1, True), (0, False), ("yes", True), ("off", False), ("probe", "probe"), ("exact", "exact")):
        assert AgentGroup(**{**group, "cloud_aware": given}).cloud_aware == read
