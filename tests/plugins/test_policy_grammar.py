"""The policy grammar NAME[:ARG][+SUFFIX]...: the built-in names keep their meaning, a
plug-in name parses like them, and a suffix is read only when registered."""

from __future__ import annotations

import pytest

from scoutsim.decisions import policy as policymod
from scoutsim.decisions.policy import POLICIES, Policy, build_policy, parse_policy


def test_builtin_policies_keep_their_meaning():
    assert str(parse_policy("adaptive")) == "adaptive"
    assert parse_policy("adaptive").candidates(["int8", "int4"]) == ["int8", "int4"]
    s = parse_policy("static:q2c@0.75+int8")  # the mode's own '+' is not a suffix
    assert (s.name, s.arg, s.suffixes) == ("static", "q2c@0.75+int8", ())
    assert s.candidates(["bf16"]) == ["q2c@0.75+int8"] and not s.uses_modes
    with pytest.raises(ValueError, match="needs a mode"):
        parse_policy("static")
    with pytest.raises(ValueError, match="takes no argument"):
        parse_policy("adaptive:3")


def test_registered_suffix_is_parsed(monkeypatch):
    monkeypatch.setattr(policymod, "SUFFIXES", type(policymod.SUFFIXES)("policy suffix"))
    with pytest.raises(ValueError, match=r"'\+fallback' is not a policy suffix"):
        parse_policy("adaptive+fallback")
    policymod.SUFFIXES.register("fallback")(object())
    a = parse_policy("adaptive+fallback")
    assert (a.name, a.arg, a.suffixes) == ("adaptive", None, ("fallback",))
    s = parse_policy("static:q2c@0.75+int8+fallback")
    assert (s.arg, s.suffixes, str(s)) == ("q2c@0.75+int8", ("fallback",), "static:q2c@0.75+int8+fallback")


def test_plugin_policy_with_only_decide_gets_the_defaults(monkeypatch):
    monkeypatch.setattr(POLICIES, "_items", dict(POLICIES._items))  # registered for this test only

    @POLICIES.register("first_listed")
    class FirstListed(Policy):  # overrides decide alone
        def decide(self, situation):
            return 0

    p = parse_policy("first_listed")
    assert p.uses_modes and p.candidates(["int4", "bf16"]) == ["int4", "bf16"]
    with pytest.raises(ValueError, match="takes no argument"):
        parse_policy("first_listed:x")
    assert not build_policy("first_listed").reads_in_flight


def test_a_duck_typed_plugin_policy_is_refused(monkeypatch):
    monkeypatch.setattr(POLICIES, "_items", dict(POLICIES._items))

    @POLICIES.register("duck")
    class Duck:  # not a Policy subclass: the agent could not rely on its interface
        def decide(self, situation):
            return 0

    with pytest.raises(ValueError, match="'duck' .* does not derive from scoutsim.decisions.policy.Policy"):
        parse_policy("duck")
    assert issubclass(POLICIES.get("adaptive"), Policy)
