"""docs/scenarios.md and `scoutsim schema` are generated from the pydantic schema: the doc
must be current, every key documented, and the JSON Schema must accept every shipped
scenario and reject what the simulator rejects."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pydantic
import pytest
import yaml

from scoutsim.network.channels import CHANNELS
from scoutsim.cli import main
from scoutsim.config.reference import json_schema, markdown
from scoutsim.config.schema import AgentGroup, Cloud, Scenario, Tcp, Uplink

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scenarios.md"
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml"))


def test_doc_is_current():
    assert DOC.read_text() == markdown(), (
        "docs/scenarios.md is stale: run `python -m scoutsim schema --markdown > docs/scenarios.md`")


def test_every_key_of_every_model_and_channel_kind_is_in_the_doc():
    text = DOC.read_text()
    # The project's own keys and channel kinds; a plug-in loaded in this session (the example
    # package's square_wave, say) is documented by its author, not here.
    builtin = [k for k in CHANNELS.names() if CHANNELS.get(k).__module__.startswith("scoutsim.")]
    assert {"constant", "markov", "trace", "trace_pool"} <= set(builtin)
    models = [Scenario, Uplink, Tcp, Cloud, AgentGroup] + [CHANNELS.get(k).Config for k in builtin]
    for model in models:
        for key in model.model_fields:
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} missing from docs/scenarios.md"
    for kind in builtin:
        assert f"`uplinks[].channel` with `kind: {kind}`" in text


def test_schema_command_prints_the_json_schema(capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json_schema()
    jsonschema.Draft202012Validator.check_schema(printed)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_json_schema_accepts_shipped_scenarios(path):
    jsonschema.validate(yaml.safe_load(path.read_text()), json_schema())


# Each edit, and where both validators must say the problem is: the schema's path of the
# offending value, and pydantic's error naming that key with what was wrong.
@pytest.mark.parametrize("edit,path,pydantic_says", [
    (lambda d: d.update(bogus=1), [], r"bogus\n\s+Extra inputs are not permitted"),     # unknown top-level key
    (lambda d: d["uplinks"][0]["channel"].update(kind="wavelet"),                      # unregistered kind
     ["uplinks", 0, "channel"], r"uplinks\.0\.channel\n.*unknown channel kind 'wavelet'"),
    (lambda d: d["uplinks"][0]["channel"].update(mbps_typo=3),                         # key of no kind
     ["uplinks", 0, "channel"], r"uplinks\.0\.channel\n.*mbps_typo: unknown key"),
    (lambda d: d["agents"][0].update(deadline_s=-1),                                   # bound
     ["agents", 0, "deadline_s"], r"agents\.0\.deadline_s\n\s+Input should be greater than 0"),
    (lambda d: d["agents"][0]["arrival"].update(kind="bursty"),
     ["agents", 0, "arrival"], r"agents\.0\.arrival\n.*'bursty'"),
    (lambda d: d.pop("oracle"), [], r"oracle\n\s+Field required"),                     # required key
])
def test_json_schema_rejects_what_the_simulator_rejects(edit, path, pydantic_says):
    data = yaml.safe_load((ROOT / "scenarios" / "8agents_100mbps.yaml").read_text())
    edit(data)
    with pytest.raises(jsonschema.ValidationError) as info:
        jsonschema.validate(data, json_schema())
    assert list(info.value.absolute_path) == path
    with pytest.raises(pydantic.ValidationError, match=pydantic_says):
        Scenario.model_validate(data)
