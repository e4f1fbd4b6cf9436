"""Mode selection: which mode a request is sent in.

A policy sees, at the request's arrival, every candidate mode's predicted completion time
(edge queue + edge compute + payload / estimated rate + one-way latency + cloud compute)
and expected quality (the oracle's mean F1 for the mode), and returns one mode.

* ``static:<mode>`` always sends that mode.
* ``adaptive`` takes the highest expected quality among the modes predicted to meet the
  deadline (ties: the faster); when none is, the fastest (DESIGN.md). The cloud's queue is
  not known to the agent and is not part of the prediction.

Policies register by name in ``POLICIES``; a scenario's ``policy: NAME[:ARG]`` builds
``POLICIES.get(NAME)(ARG)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoutsim.registry import Registry

POLICIES: Registry[type] = Registry("policy")


@dataclass(frozen=True)
class Forecast:
    mode: str
    seconds: float  # predicted arrival-to-done time
    quality: float  # expected F1


class Policy:
    def choose(self, forecasts: list[Forecast], deadline_s: float) -> int:
        raise NotImplementedError

    def pick(self, modes: list[str], seconds: list[float], qualities: list[float], deadline_s: float) -> int:
        """:meth:`choose` on forecasts given as parallel lists, which is how the simulator
        asks (one request makes no objects for it). Policies may override it to be faster;
        it must return what :meth:`choose` would."""
        return self.choose([Forecast(m, s, q) for m, s, q in zip(modes, seconds, qualities)], deadline_s)


@POLICIES.register("static")
class Static(Policy):
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


def build_policy(spec: str) -> Policy:
    """The policy for ``NAME[:ARG]``; a ``+fallback`` suffix is the agent's business (it
    watches transfers in flight, :mod:`scoutsim.sim.fallback`), not the choice's."""
    name, _, arg = spec.removesuffix("+fallback").partition(":")
    return POLICIES.get(name)(arg) if arg else POLICIES.get(name)()
