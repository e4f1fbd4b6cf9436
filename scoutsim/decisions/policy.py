"""Mode selection: which mode a request is sent in.

A policy has one method, :meth:`Policy.decide`: at a request's arrival it is given the
device's :class:`Situation` (every candidate mode's predicted completion time, edge queue +
edge compute + payload / estimated rate + one-way latency + cloud compute, the part of it
on the link, its expected quality, the deadline, the fallbacks and the requests still in
flight) and returns the index of one mode, or :data:`DECLINE` (send nothing: the request is
recorded as a miss in the mode ``declined``). A policy that learns from what happens to its
requests also has the methods of :class:`Learner`; the agent tells it.

* ``static:<mode>`` always sends that mode.
* ``adaptive`` takes the highest expected quality among the modes predicted to meet the
  deadline (ties: the faster); when none is, the fastest (docs/models/policies.md). The cloud's queue is
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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from scoutsim.modes import ModeError, parse_mode
from scoutsim.registry import Registry

POLICIES: Registry[type] = Registry("policy")
SUFFIXES: Registry[object] = Registry("policy suffix")
# What decide returns to send nothing: the request is a miss whatever is sent, and sending it
# would only take the edge, the link or the cloud from requests that can still be on time.
DECLINE = -1
# The contract's one suffix (docs/models/policies.md): the agent watches a KV transfer in
# flight and stops it when it can no longer be on time (scoutsim.sim.fallback); the choice
# of mode itself is the base policy's.
SUFFIXES.register("fallback")("stop a transfer that can no longer meet its deadline and fall back "
                              "to a cheaper mode")


ARRIVALS_KEPT = 20  # a device's own last arrivals a policy with reads_arrivals is shown


@dataclass(frozen=True, slots=True)
class Situation:
    """What a device knows when a request arrives. Per option, in the group's option order
    (parallel sequences): ``modes``, the mode's name; ``seconds``, its predicted arrival-to-done
    time (:func:`scoutsim.physics.journey.request_seconds`); ``transfers``, the part of it on the
    link at the estimated rate (0 for a mode that sends nothing); ``edge``, its edge compute
    still to run (after a ``cloud_aware: probe`` round trip, less the prefill run meanwhile);
    ``qualities``, its expected F1 (the oracle's mean). Then the request's ``deadline_s``;
    ``fallbacks``, the options a transfer stopped in flight falls back to (``+fallback``); and
    ``in_flight``, (option, seconds since arrival, predicted seconds) of each of the device's
    requests not yet ended, given only to a policy whose ``reads_in_flight`` is true; ``floors``,
    per option, a lower bound of its arrival-to-done time whatever the link does, given only to
    a policy whose ``declines`` is true: with an instant transfer, the time since arrival + the
    edge queue + edge compute, and for a mode that sends, + the later of the one-way latency and
    the cloud's wait as a status request reported it (0 where none did: a predicted wait is no
    bound), + cloud compute (the FIFO queue drains while the request is on the edge and the
    link, so the two overlap); ``tolls``, per option, the F1 its work is expected to take
    from later requests on the servers a policy with ``reads_tolls`` prices; ``arrivals``, how
    long ago each of the device's own last :data:`ARRIVALS_KEPT` requests arrived, the deciding
    one included, in arrival order, given only to a policy whose ``reads_arrivals`` is true
    (after a ``cloud_aware: probe`` round trip the deciding one is at the trip's length, and
    any that arrived during it come after it)."""

    modes: Sequence[str]
    seconds: Sequence[float]
    transfers: Sequence[float]
    edge: Sequence[float]
    qualities: Sequence[float]
    deadline_s: float
    fallbacks: Sequence[int] = ()
    in_flight: Sequence[tuple[int, float, float]] = ()
    floors: Sequence[float] = ()
    tolls: Sequence[float] = ()
    arrivals: Sequence[float] = ()


@runtime_checkable
class Learner(Protocol):
    """The optional learning protocol. A policy that has both methods is told, by option index,
    ``record``: the ratio of the rate a transfer got to the estimate it was chosen with (not
    when that estimate was the prior), and ``outcome``: whether a request sent in that mode,
    without falling back, was on time."""

    def record(self, option: int, ratio: float) -> None: ...

    def outcome(self, option: int, on_time: bool) -> None: ...


class Policy:
    """The base of every policy, plug-ins included (:func:`parse_policy` refuses a class that
    does not derive from it)."""

    uses_modes = True  # chooses among the agent group's ``modes`` list, which must not be empty
    reads_in_flight = False  # whether decide reads Situation.in_flight (the agent keeps it only then)
    declines = False  # whether decide may return DECLINE (and reads Situation.floors)
    reads_tolls = False  # whether decide reads Situation.tolls (the agent measures loads only then)
    tolls_on: tuple[str, ...] = ()  # servers priced in the tolls, "edge" and/or "cloud" (none named: both)
    exact_slack = False  # a delay costs exactly the requests whose slack is below it (no spread)
    live_rate = False  # the agent caps its rate estimate by its own transfers' rate now (expected_f1:live)
    reads_arrivals = False  # whether decide reads Situation.arrivals (the agent keeps them only then)

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

    @classmethod
    def may_decline(cls, arg: str | None) -> bool:
        """Whether :meth:`decide` may return :data:`DECLINE` (the summary then gives the share
        of requests recorded as ``declined``)."""
        return False

    def __init__(self, arg: str | None = None):
        """Built from the canonical argument :meth:`parse_arg` returned (None: none given)."""

    def decide(self, situation: Situation) -> int:
        """The index of the option to send the request in, or :data:`DECLINE` (-1: not the
        last option, as a Python index would read it) where the class sets ``declines``."""
        raise NotImplementedError


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

    def decide(self, situation):
        return 0  # a static agent's only candidate


@POLICIES.register("adaptive")
class Adaptive(Policy):
    def decide(self, situation):
        seconds, qualities = situation.seconds, situation.qualities
        best = -1
        for i, s in enumerate(seconds):
            if s <= situation.deadline_s and (best < 0 or (qualities[i], -s) > (qualities[best], -seconds[best])):
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
    def cls(self) -> type[Policy]:
        return POLICIES.get(self.name)

    def candidates(self, modes: list[str]) -> list[str]:
        return self.cls.candidates(self.arg, modes)

    @property
    def may_decline(self) -> bool:
        return bool(self.cls.may_decline(self.arg))

    @property
    def uses_modes(self) -> bool:
        return bool(self.cls.uses_modes)

    def __str__(self) -> str:
        return self.name + ("" if self.arg is None else f":{self.arg}") + "".join(f"+{s}" for s in self.suffixes)


def parse_policy(text: str) -> PolicySpec:
    """``NAME[:ARG][+SUFFIX]...`` -> its parts, canonical; ValueError naming what is wrong."""
    body, suffixes = text, list[str]()
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
    cls = POLICIES.get(name)
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise ValueError(f"policy {name!r} ({getattr(cls, '__module__', '?')}) does not derive from "
                         "scoutsim.decisions.policy.Policy, which every policy must")
    if cls.decide is Policy.decide:
        raise ValueError(f"policy {name!r} ({cls.__module__}) has no decide(situation); a policy written for "
                         "scoutsim 0.2 (choose(forecasts, deadline_s)) must be ported (CHANGELOG)")
    try:
        canonical = cls.parse_arg(arg if colon else None)
    except ValueError as exc:
        raise ValueError(f"policy {name!r} {exc}") from None
    return PolicySpec(name, canonical, tuple(suffixes))


def build_policy(spec: str) -> Policy:
    """The policy for ``NAME[:ARG]``; suffixes such as ``+fallback`` are the agent's business
    (it watches transfers in flight, :mod:`scoutsim.sim.fallback`), not the choice's."""
    parsed = parse_policy(spec)
    return parsed.cls(parsed.arg) if parsed.arg is not None else parsed.cls()


def __getattr__(name: str):
    # 0.2 had ExpectedF1 here; it lives in scoutsim.decisions.expected_f1 (which imports this
    # module, hence the lazy lookup). Kept for one release, as scoutsim._moved keeps old modules.
    if name == "ExpectedF1":
        import importlib
        import warnings

        warnings.warn("scoutsim.decisions.policy.ExpectedF1 moved to scoutsim.decisions.expected_f1",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module("scoutsim.decisions.expected_f1").ExpectedF1
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

