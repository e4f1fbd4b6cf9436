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


@POLICIES.register("static")
class Static(Policy):
    def __init__(self, mode: str):
        self.mode = mode

    def choose(self, forecasts, deadline_s):
        return 0  # a static agent's only candidate


@POLICIES.register("adaptive")
class Adaptive(Policy):
    def __init__(self, arg: str | None = None):
        pass

    def choose(self, forecasts, deadline_s):
        best = -1
        for i, f in enumerate(forecasts):
            if f.seconds <= deadline_s and (
                best < 0 or (f.quality, -f.seconds) > (forecasts[best].quality, -forecasts[best].seconds)
            ):
                best = i
        if best >= 0:
            return best
        return min(range(len(forecasts)), key=lambda i: forecasts[i].seconds)


def build_policy(spec: str) -> Policy:
    name, _, arg = spec.partition(":")
    return POLICIES.get(name)(arg) if arg else POLICIES.get(name)()
