"""Mode selection: which mode a request is sent in.

A policy sees, at the request's arrival, every candidate mode's predicted completion time
(edge queue + edge compute + payload / estimated rate + one-way latency + cloud compute)
and expected quality (the oracle's mean F1 for the mode), and returns one mode.

* ``static:<mode>`` always sends that mode.
* ``adaptive`` takes the highest expected quality among the modes predicted to meet the
  deadline (ties: the faster); when none is, the fastest (DESIGN.md). The cloud's queue is
  not known to the agent and is not part of the prediction.

Policies register by name in ``POLICIES`` (plug-ins too, see :mod:`scoutsim.plugins`). A
scenario's ``policy:`` is ``NAME[:ARG][+SUFFIX]...`` and builds ``POLICIES.get(NAME)(ARG)``
(``POLICIES.get(NAME)()`` without an argument). ``ARG`` belongs to the policy: its class
checks and canonicalises it in :meth:`Policy.parse_arg` and says which modes the agent may
send in :meth:`Policy.candidates` (``static`` takes a mode, which may itself hold ``+``, as in
``static:q2c@0.75+int8``). Suffixes are the names registered in ``SUFFIXES`` (the contract's
``+fallback`` belongs there); only a trailing ``+NAME`` with a registered ``NAME`` is read as a
suffix, so a mode argument is never cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoutsim.modes import ModeError, parse_mode
from scoutsim.registry import Registry

POLICIES: Registry[type] = Registry("policy")
SUFFIXES: Registry[object] = Registry("policy suffix")
# The contract's one suffix (DESIGN.md, "Decisions"): the agent watches a KV transfer in
# flight and stops it when it can no longer be on time (scoutsim.sim.fallback); the choice
# of mode itself is the base policy's.
SUFFIXES.register("fallback")("stop a transfer that can no longer meet its deadline and fall back "
                              "to a cheaper mode")


@dataclass(frozen=True)
class Forecast:
    mode: str
    seconds: float  # predicted arrival-to-done time
    quality: float  # expected F1


class Policy:
    uses_modes = True  # chooses among the agent group's ``modes`` list, which must not be empty

    @classmethod
    def parse_arg(cls, arg: str | None) -> str | None:
        """The canonical form of ``NAME:ARG``'s argument (None: none given); ValueError when
        the policy cannot take it."""
        if arg is not None:
            raise ValueError("takes no argument")
        return None

    @classmethod
    def candidates(cls, arg: str | None, modes: list[str]) -> list[str]:
        """The modes an agent with this policy may send."""
        return list(modes)

    def choose(self, forecasts: list[Forecast], deadline_s: float) -> int:
        raise NotImplementedError

    def pick(self, modes: list[str], seconds: list[float], qualities: list[float], deadline_s: float) -> int:
        """:meth:`choose` on forecasts given as parallel lists, which is how the simulator
        asks (one request makes no objects for it). Policies may override it to be faster;
        it must return what :meth:`choose` would."""
        return self.choose([Forecast(m, s, q) for m, s, q in zip(modes, seconds, qualities)], deadline_s)


@POLICIES.register("static")
class Static(Policy):
    uses_modes = False

    @classmethod
    def parse_arg(cls, arg):
        if not arg:
            raise ValueError("needs a mode: static:<mode>")
        try:
            return str(parse_mode(arg))
        except ModeError as exc:
            raise ValueError(str(exc)) from None

    @classmethod
    def candidates(cls, arg, modes):
        return [arg]

    def __init__(self, mode: str):
        self.mode = mode

    def choose(self, forecasts, deadline_s):
        return 0  # a static agent's only candidate

    def pick(self, modes, seconds, qualities, deadline_s):
        return 0


@POLICIES.register("adaptive")
class Adaptive(Policy):
    def __init__(self, arg: str | None = None):
        pass

    def choose(self, forecasts, deadline_s):
        return self.pick([f.mode for f in forecasts], [f.seconds for f in forecasts],
                         [f.quality for f in forecasts], deadline_s)

    def pick(self, modes, seconds, qualities, deadline_s):
        best = -1
        for i, s in enumerate(seconds):
            if s <= deadline_s and (best < 0 or (qualities[i], -s) > (qualities[best], -seconds[best])):
                best = i
        if best >= 0:
            return best
        return min(range(len(seconds)), key=seconds.__getitem__)


@dataclass(frozen=True)
class PolicySpec:
    name: str
    arg: str | None
    suffixes: tuple[str, ...] = ()

    @property
    def cls(self) -> type:
        return POLICIES.get(self.name)

    def candidates(self, modes: list[str]) -> list[str]:
        return _hook(self.cls, "candidates", Policy.candidates)(self.arg, modes)

    @property
    def uses_modes(self) -> bool:
        return bool(getattr(self.cls, "uses_modes", True))

    def __str__(self) -> str:
        return self.name + ("" if self.arg is None else f":{self.arg}") + "".join(f"+{s}" for s in self.suffixes)


def _hook(cls: type, name: str, default):
    # A plug-in policy need not subclass Policy: the hooks' defaults apply when it lacks them.
    found = getattr(cls, name, None)
    return found if found is not None else (lambda *args: default.__func__(cls, *args))


def parse_policy(text: str) -> PolicySpec:
    """``NAME[:ARG][+SUFFIX]...`` -> its parts, canonical; ValueError naming what is wrong."""
    body, suffixes = text, []
    while True:
        head, plus, tail = body.rpartition("+")
        if not plus or tail not in SUFFIXES:
            break
        suffixes.insert(0, tail)
        body = head
    name, colon, arg = body.partition(":")
    if name not in POLICIES:
        extra = "" if "+" not in name else f"; '+{name.split('+', 1)[1]}' is not a policy suffix " \
                                           f"(known: {SUFFIXES.names()})"
        raise ValueError(f"unknown policy {name!r}{extra}; expected NAME or NAME:ARG with NAME one of "
                         f"{POLICIES.names()} (static:<mode> sends one mode)")
    try:
        arg = _hook(POLICIES.get(name), "parse_arg", Policy.parse_arg)(arg if colon else None)
    except ValueError as exc:
        raise ValueError(f"policy {name!r} {exc}") from None
    return PolicySpec(name, arg, tuple(suffixes))


def build_policy(spec: str) -> Policy:
    """The policy for ``NAME[:ARG]``; suffixes such as ``+fallback`` are the agent's business
    (it watches transfers in flight, :mod:`scoutsim.sim.fallback`), not the choice's."""
    parsed = parse_policy(spec)
    return parsed.cls(parsed.arg) if parsed.arg is not None else parsed.cls()
