"""An edge device: its arrivals, its edge processor, and each request's journey.

One request: arrival -> choose a mode -> wait for the edge (a FIFO single server whose
service times are known, so the wait is computed, not simulated) -> edge compute ->
uplink transfer (shared with everything else in flight) -> one-way latency -> the cloud's
GPU queue -> cloud compute -> done. ``local`` stops after the edge. Each finished or
abandoned request becomes one record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from scoutsim.compute import ComputeModel
from scoutsim.estimators import Estimator
from scoutsim.modes import Mode, parse_mode
from scoutsim.oraclecache import QualityDraws
from scoutsim.payload import payload_bytes
from scoutsim.policy import Forecast, Policy
from scoutsim.questions import Question, QuestionPool
from scoutsim.uplink import SharedUplink


@dataclass
class ModeOption:
    name: str
    mode: Mode
    quality: QualityDraws


class Agent:
    def __init__(self, *, index: int, group: int, spec, edge_shape, options: list[ModeOption],
                 pool: QuestionPool, compute: ComputeModel, policy: Policy, estimator: Estimator,
                 link: SharedUplink, slot: int, uplink_id: str, latency_s: float,
                 cloud: simpy.Resource, arrivals_rng: np.random.Generator,
                 questions_rng: np.random.Generator, phase_rng: np.random.Generator, world):
        self.index = index
        self.group = group
        self.spec = spec
        self.shape = edge_shape
        self.options = options
        self.pool = pool
        self.compute = compute
        self.policy = policy
        self.estimator = estimator
        self.link = link
        self.slot = slot
        self.uplink_id = uplink_id
        self.latency_s = latency_s
        self.cloud = cloud
        self.arrivals_rng = arrivals_rng
        self.questions_rng = questions_rng
        self.phase_rng = phase_rng
        self.world = world
        self.deadline_s = spec.deadline_s
        self.edge_free_at = 0.0
        self.count = 0
        self._costs: dict[tuple[int, int, int, int, int], tuple[float, float, float]] = {}

    # ---------------------------------------------------------------- costs
    def costs(self, k: int, q: Question) -> tuple[float, float, float]:
        """(payload bytes, edge seconds, cloud seconds) of option ``k`` for question ``q``."""
        key = (k, q.tokens, q.context_bytes, q.question_bytes, q.answer_tokens)
        hit = self._costs.get(key)
        if hit is None:
            mode = self.options[k].mode
            size = payload_bytes(self.shape, mode, q.tokens, context_bytes=q.context_bytes,
                                 question_bytes=q.question_bytes,
                                 context_at_cloud=self.spec.context_at_cloud)
            hit = (float(size), self.compute.edge_seconds(mode, q.tokens, q.answer_tokens),
                   self.compute.cloud_seconds(mode, q.tokens, q.answer_tokens))
            self._costs[key] = hit
        return hit

    def forecasts(self, q: Question, rate: float, edge_wait: float) -> list[Forecast]:
        out = []
        for k, opt in enumerate(self.options):
            size, edge_s, cloud_s = self.costs(k, q)
            if opt.mode.uses_uplink:
                seconds = edge_wait + edge_s + (size / rate if rate > 0 else np.inf) + self.latency_s + cloud_s
            else:
                seconds = edge_wait + edge_s
            out.append(Forecast(opt.name, seconds, opt.quality.mean))
        return out

    # ---------------------------------------------------------------- processes
    def arrivals(self, env: simpy.Environment, until: float):
        arrival = self.spec.arrival
        if arrival.kind == "poisson":
            mean_gap = 1.0 / arrival.rate_per_s
            t = self.arrivals_rng.exponential(mean_gap)
            while t < until:
                yield env.timeout(t - env.now)
                self._arrive(env)
                t += self.arrivals_rng.exponential(mean_gap)
        else:
            period = arrival.period_s
            first = arrival.offset_s if arrival.offset_s is not None else self.phase_rng.uniform(0, period)
            n = 0
            while first + n * period < until:
                t = first + n * period
                if t > env.now:
                    yield env.timeout(t - env.now)
                self._arrive(env)
                n += 1

    def _arrive(self, env: simpy.Environment) -> None:
        # The question is drawn here, in arrival order, so the n-th request of this agent
        # asks the same question under every policy.
        q = self.pool.draw(self.questions_rng)
        self.count += 1
        self.world.outstanding += 1
        env.process(self._serve(env, self.count - 1, q))

    def _serve(self, env: simpy.Environment, number: int, q: Question):
        r = Request(self, number, q, env.now)
        wait = max(0.0, self.edge_free_at - r.arrival)
        r.est_rate = self.estimator.estimate()
        k = self.policy.choose(self.forecasts(q, r.est_rate, wait), self.deadline_s)
        r.option = self.options[k]
        size, edge_s, cloud_s = self.costs(k, q)
        self.world.pending[(self.index, number)] = r
        self.edge_free_at = r.arrival + wait + edge_s
        yield env.timeout(wait + edge_s)
        if r.option.mode.uses_uplink:
            r.payload = size
            r.tx_start = env.now
            yield self.link.send(self.slot, size)
            r.tx_end = env.now
            self.estimator.observe(size, r.tx_end - r.tx_start)
            if self.latency_s > 0:
                yield env.timeout(self.latency_s)
            with self.cloud.request() as turn:
                yield turn
                yield env.timeout(cloud_s)
        r.done = env.now
        self.world.finish(r)


class Request:
    """One request's facts as they become known; becomes a record when it ends."""

    __slots__ = ("agent", "number", "question", "arrival", "est_rate", "option", "payload",
                 "tx_start", "tx_end", "done")

    def __init__(self, agent: Agent, number: int, question: Question, arrival: float):
        self.agent = agent
        self.number = number
        self.question = question
        self.arrival = arrival
        self.est_rate = np.nan
        self.option: ModeOption | None = None
        self.payload = 0.0
        self.tx_start = np.nan
        self.tx_end = np.nan
        self.done = np.nan
