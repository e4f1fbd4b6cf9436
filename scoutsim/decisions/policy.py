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

import math
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


@dataclass(frozen=True, slots=True)
class Situation:
    """What a device knows when a request arrives. Per option, in the group's option order
    (parallel sequences): ``modes``, the mode's name; ``seconds``, its predicted arrival-to-done
    time (:func:`scoutsim.physics.journey.request_seconds`); ``transfers``, the part of it on the
    link at the estimated rate (0 for a mode that sends nothing); ``edge``, its edge compute;
    ``qualities``, its expected F1 (the oracle's mean). Then the request's ``deadline_s``;
    ``fallbacks``, the options a transfer stopped in flight falls back to (``+fallback``); and
    ``in_flight``, (option, seconds since arrival, predicted seconds) of each of the device's
    requests not yet ended, given only to a policy whose ``reads_in_flight`` is true; ``floors``,
    per option, a lower bound of its arrival-to-done time whatever the link does, given only to
    a policy whose ``declines`` is true: with an instant transfer, the time since arrival + the
    edge queue + edge compute, and for a mode that sends, + the later of the one-way latency and
    the cloud's wait as a status request reported it (0 where none did: a predicted wait is no
    bound), + cloud compute (the FIFO queue drains while the request is on the edge and the
    link, so the two overlap)."""

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


@POLICIES.register("expected_f1")
class ExpectedF1(Policy):
    """The mode of highest expected F1 with misses scored 0: each mode's quality times its
    chance of being on time, worked out from what the device has seen of its own transfers.

    *Model.* The rate a transfer will get is ``estimate x exp(mu + sigma Z)``, Z standard
    normal, with ``mu`` and ``sigma`` the mean and standard deviation of ``ln(actual /
    estimate)`` over the option's own last :attr:`WINDOW` transfers (a bf16 transfer lasts
    twice an int8 one and meets more of the others' traffic); the estimate a request was
    chosen with is the one
    compared, and not the prior's (nothing seen yet: that is no prediction error). A mode
    predicted to need ``fixed`` seconds off the link and ``t`` on it is then on time with
    probability ``Phi((ln((D - fixed) / t) + mu) / sigma)`` (0 if ``fixed >= D``; by the point
    prediction if ``sigma`` is 0). With fewer than two errors ``sigma`` is
    :attr:`PRIOR_SIGMA`. ``local`` sends nothing: its chance is 1 or 0.
    *Record.* A transfer mode predicted to fit also has its on-time record: of the last
    :attr:`RECORD` requests sent in it, how many were on time without falling back. The chance
    is that record shrunk towards the model's chance, which counts as :attr:`WEIGHT`
    requests: ``(on time + WEIGHT x model) / (sent + WEIGHT)``. Rate errors alone misjudge
    links whose rate is not the device's to predict (a deadline-first allocator slows a
    transfer exactly when it has slack; work-conserving sharing never gives less than the
    weighted share), and the record is what corrects them.
    *Value.* Quality x chance; with ``+fallback`` a transfer that goes badly is stopped and
    answered in a fallback mode, so a transfer mode also scores (1 - chance) x the best
    fallback's own quality x chance. Equal values go to the surer mode (a rescue by a
    fallback is itself a gamble), then to the faster. A request that no mode can make is a
    sure miss whatever is sent. *Declined* (``expected_f1:decline``; with ``in_flight`` and
    ``cloud_aware: probe`` the recommendation, docs/models/decisions-family.md): when every mode
    misses the deadline even with its transfer taken as instant (``Situation.floors``: the
    edge, the latency and the cloud's wait as a status request reported it already make it
    late, not the link), the request is not sent (:data:`DECLINE`); sending it would only load
    the edge or the cloud queue that makes it late, for requests that could still be on time
    behind it. Otherwise
    (and always without ``decline``) it sends the smallest payload there is (least time on the
    link, then least edge compute; ``local`` only when nothing is sent), so that it holds the
    edge for a prefill, not for a slow local decode that would make the next request late too
    (``adaptive`` takes the fastest mode, often ``local``), and its transfer shows the device
    the rate it gets (a device left the floor weight otherwise never learns that others leave
    it capacity under work-conserving sharing).
    *In flight* (``expected_f1:in_flight``). An outcome reaches the record only when its
    answer comes back, often seconds after the deadline; meanwhile the device goes on
    choosing with a record that does not know. With ``in_flight`` the record also counts, as
    misses for as long as they stay in flight, what the device already knows of its requests
    still in flight: one past its predicted time (the prediction has failed for it) or past
    its deadline (a miss whatever comes), and every one sent in a mode that has no settled
    outcome yet (a mode is trusted with one request at a time until it proves itself). A
    transfer mode predicted to fit then has the chance ``(on time + WEIGHT x model) / (sent +
    counted + WEIGHT)``; a request's true outcome replaces it when it ends. Why: the model sees
    only the link's uncertainty and takes the rest (edge queue, cloud queue, cloud compute) as
    known, so a mode whose time is mostly the cloud's (``text``) looks sure until its answers
    come back late; devices that start together each send it several times before the first
    answer returns, and the queue they make is what makes it late.
    *Priced* (``expected_f1:priced``; ``:cloud_priced``, the cloud's toll alone). Each option
    also has a toll, ``Situation.tolls``: the F1 its work is expected to take from the requests
    that queue behind it (:mod:`scoutsim.sim.congestion`). Among the options of positive value
    the choice is the highest value less toll (ties as above); a sure miss is handled as
    without it. Why: a device choosing alone takes a mode a little better for its request and
    much heavier on a shared server as if that load were free (docs/models/policies.md).
    """

    WINDOW = 10  # rate errors kept per option
    RECORD = 20  # on-time outcomes kept per option
    WEIGHT = 2.0  # how many requests the model's chance counts as against the record
    # Before two errors are known: the realised rate is within a factor of two of the
    # estimate about two times in three (the estimate is then the prior, a share of the mean
    # capacity that others' traffic may halve or double under work-conserving sharing).
    PRIOR_SIGMA = math.log(2.0)

    ARGS = ("in_flight", "decline", "priced", "cloud_priced")  # flags, NAME or NAME,NAME (canonical: in this order)

    @classmethod
    def parse_arg(cls, arg):
        if arg is None:
            return None
        flags = arg.split(",")
        if any(f not in cls.ARGS for f in flags) or len(set(flags)) != len(flags):
            raise ValueError(f"takes no argument or one or more of {list(cls.ARGS)} joined by ',', not {arg!r}")
        if "priced" in flags and "cloud_priced" in flags:
            raise ValueError("takes priced or cloud_priced, not both (two ways of pricing the same load)")
        return ",".join(f for f in cls.ARGS if f in flags)

    @classmethod
    def may_decline(cls, arg):
        return "decline" in (arg or "").split(",")

    def __init__(self, arg: str | None = None):
        # Per option, oldest first: ln(actual / estimate) of its transfers, and its outcomes.
        self.errors: dict[int, list[float]] = {}
        self.outcomes: dict[int, list[bool]] = {}
        flags = (arg or "").split(",")
        # expected_f1:in_flight: the agent hands decide its requests still in flight.
        self.reads_in_flight = "in_flight" in flags
        # expected_f1:decline: a request late whatever the link does is declined (*Declined*).
        self.declines = "decline" in flags
        # expected_f1:priced and :cloud_priced: each option's value less its toll (*Priced*).
        self.tolls_on = ("edge", "cloud") if "priced" in flags else ("cloud",) if "cloud_priced" in flags else ()
        self.exact_slack = "cloud_priced" in flags
        self.reads_tolls = bool(self.tolls_on)

    def outcome(self, option: int, on_time: bool) -> None:
        log = self.outcomes.setdefault(option, [])
        if len(log) == self.RECORD:
            del log[0]
        log.append(on_time)

    def record(self, option: int, ratio: float) -> None:
        e = math.log(ratio)
        log = self.errors.setdefault(option, [])
        if len(log) == self.WINDOW:
            del log[0]
        log.append(e)

    @classmethod
    def spread(cls, errors) -> tuple[float, float]:
        """Mean and standard deviation of ``ln(actual / estimate)``: of ``errors`` when there
        are two or more, else 0 and :attr:`PRIOR_SIGMA`."""
        n = len(errors)
        if n < 2:
            return 0.0, cls.PRIOR_SIGMA
        mu = sum(errors) / n
        return mu, math.sqrt(sum((e - mu) ** 2 for e in errors) / (n - 1))

    @staticmethod
    def chance(seconds: float, transfer: float, deadline_s: float, mu: float, sigma: float) -> float:
        """P(on time) of a mode predicted to take ``seconds``, ``transfer`` of them on the link
        at the estimate: the realised transfer takes ``transfer / exp(mu + sigma Z)``."""
        slack = deadline_s - (seconds - transfer)
        if slack <= 0:
            return 0.0
        if transfer <= 0 or math.isinf(transfer):
            return 1.0 if transfer <= 0 else 0.0
        z = math.log(slack / transfer) + mu
        if sigma == 0:
            return 1.0 if z >= 0 else 0.0
        return 0.5 * math.erfc(-z / (sigma * math.sqrt(2)))

    def counted(self, in_flight, deadline_s: float, n: int) -> list[int]:
        """Per option, how many of the requests ``in_flight`` ((option, seconds since arrival,
        predicted seconds) each) count as misses (*In flight* above); all 0 without
        ``in_flight``."""
        out = [0] * n
        if not self.reads_in_flight:
            return out
        for i, elapsed, predicted in in_flight:
            if elapsed > min(predicted, deadline_s) or not self.outcomes.get(i):
                out[i] += 1
        return out

    def decide(self, situation):
        """Each option's chance of being on time (the model, shrunk towards its record), then the
        option of highest value (the class's docstring)."""
        seconds, transfers, qualities = situation.seconds, situation.transfers, situation.qualities
        deadline_s, fallbacks = situation.deadline_s, situation.fallbacks
        chances = []
        late = self.counted(situation.in_flight, deadline_s, len(seconds))
        for i, s in enumerate(seconds):
            mu, sigma = self.spread(self.errors.get(i, ()))
            p = self.chance(s, transfers[i], deadline_s, mu, sigma)
            log = self.outcomes.get(i, ())
            if (log or late[i]) and transfers[i] > 0 and s <= deadline_s:  # a transfer mode predicted to fit
                p = (sum(log) + self.WEIGHT * p) / (len(log) + late[i] + self.WEIGHT)
            chances.append(p)
        tolls = situation.tolls
        best, key = -1, (-math.inf, 0.0, 0.0)
        for i, s in enumerate(seconds):
            p = chances[i]
            v = qualities[i] * p
            if transfers[i] > 0 and p < 1:
                v += (1 - p) * max((qualities[j] * chances[j] for j in fallbacks if j != i), default=0.0)
            net = v - tolls[i] if tolls else v
            # Equal values: the surer mode (a rescue by a fallback is itself a gamble), then the faster.
            if v > 0 and (net, p, -s) > key:
                best, key = i, (net, p, -s)
        if best >= 0:
            return best
        if self.declines and situation.floors and all(f > deadline_s for f in situation.floors):
            return DECLINE
        return min(range(len(seconds)), key=lambda i: (transfers[i] <= 0, transfers[i], situation.edge[i]))


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
