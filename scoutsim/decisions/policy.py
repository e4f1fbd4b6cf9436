"""Mode selection: which mode a request is sent in.

A policy sees, at the request's arrival, every candidate mode's predicted completion time
(edge queue + edge compute + payload / estimated rate + one-way latency + cloud compute)
and expected quality (the oracle's mean F1 for the mode), and returns one mode.

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
from dataclasses import dataclass

from scoutsim.modes import ModeError, parse_mode
from scoutsim.registry import Registry

POLICIES: Registry[type] = Registry("policy")
SUFFIXES: Registry[object] = Registry("policy suffix")
# The contract's one suffix (docs/models/policies.md): the agent watches a KV transfer in
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
    sure miss whatever is sent: it sends the smallest payload there is (least time on the
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
    """

    WINDOW = 10  # rate errors kept per option
    RECORD = 20  # on-time outcomes kept per option
    WEIGHT = 2.0  # how many requests the model's chance counts as against the record
    # Before two errors are known: the realised rate is within a factor of two of the
    # estimate about two times in three (the estimate is then the prior, a share of the mean
    # capacity that others' traffic may halve or double under work-conserving sharing).
    PRIOR_SIGMA = math.log(2.0)
    hedged = True  # the agent passes each option's time on the link (Agent._pick_hedged)

    ARGS = ("in_flight",)

    @classmethod
    def parse_arg(cls, arg):
        if arg is not None and arg not in cls.ARGS:
            raise ValueError(f"takes no argument or one of {list(cls.ARGS)}, not {arg!r}")
        return arg

    def __init__(self, arg: str | None = None):
        # Per option, oldest first: ln(actual / estimate) of its transfers, and its outcomes.
        self.errors: dict[int, list[float]] = {}
        self.outcomes: dict[int, list[bool]] = {}
        # expected_f1:in_flight: the agent hands pick_hedged its requests still in flight.
        self.counts_in_flight = arg == "in_flight"

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

    def choose(self, forecasts, deadline_s):
        # Without the split of each forecast into link and edge time, all of it is fixed.
        return self.pick_hedged([f.seconds for f in forecasts], [0.0] * len(forecasts), [0.0] * len(forecasts),
                                [f.quality for f in forecasts], deadline_s)

    def pick(self, modes, seconds, qualities, deadline_s):
        return self.pick_hedged(seconds, [0.0] * len(seconds), [0.0] * len(seconds), qualities, deadline_s)

    def counted(self, in_flight, deadline_s: float, n: int) -> list[int]:
        """Per option, how many of the requests ``in_flight`` ((option, seconds since arrival,
        predicted seconds) each) count as misses (*In flight* above); all 0 without
        ``in_flight``."""
        out = [0] * n
        if not self.counts_in_flight:
            return out
        for i, elapsed, predicted in in_flight:
            if elapsed > min(predicted, deadline_s) or not self.outcomes.get(i):
                out[i] += 1
        return out

    def pick_hedged(self, seconds, transfers, edge, qualities, deadline_s, fallbacks=(), in_flight=()) -> int:
        """``seconds``: each option's predicted time; ``transfers``: the part of it on the link
        at the estimated rate; ``edge``: its edge compute; ``fallbacks``: the options a transfer
        stopped in flight falls back to (``+fallback``), whose expected F1 a late transfer
        scores instead of 0; ``in_flight``: (option, seconds since arrival, predicted seconds)
        of each of the device's requests not yet ended (read with ``in_flight`` only)."""
        chances = []
        late = self.counted(in_flight, deadline_s, len(seconds))
        for i, s in enumerate(seconds):
            mu, sigma = self.spread(self.errors.get(i, ()))
            p = self.chance(s, transfers[i], deadline_s, mu, sigma)
            log = self.outcomes.get(i, ())
            if (log or late[i]) and transfers[i] > 0 and s <= deadline_s:  # a transfer mode predicted to fit
                p = (sum(log) + self.WEIGHT * p) / (len(log) + late[i] + self.WEIGHT)
            chances.append(p)
        best, key = -1, (0.0, 0.0, 0.0)
        for i, s in enumerate(seconds):
            p = chances[i]
            v = qualities[i] * p
            if transfers[i] > 0 and p < 1:
                v += (1 - p) * max((qualities[j] * chances[j] for j in fallbacks if j != i), default=0.0)
            # Equal values: the surer mode (a rescue by a fallback is itself a gamble), then the faster.
            if v > 0 and (v, p, -s) > key:
                best, key = i, (v, p, -s)
        if best >= 0:
            return best
        return min(range(len(seconds)), key=lambda i: (transfers[i] <= 0, transfers[i], edge[i]))


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
