"""An edge device: its arrivals, its edge processor, and each request's journey.

One request: arrival -> (with ``cloud_aware: probe``, a status request's round trip to the
cloud, the edge prefill run meanwhile: scoutsim/sim/cloudwait.py) -> choose a mode -> wait for the edge (a FIFO single server whose
service times are known, so the wait is computed, not simulated) -> edge compute ->
uplink transfer (shared with everything else in flight) -> one-way latency -> the cloud's
GPU queue -> cloud compute -> done. ``local`` stops after the edge. Each finished or
abandoned request becomes one record.

With ``abandon_at_deadline`` a request still unfinished at its deadline is dropped there
(:meth:`Request.expire`): a transfer in flight stops and frees its share at once, the bytes
it had sent are its ``payload_bytes``, a job waiting for a cloud GPU leaves the queue, and
the record is a miss (``completed`` false). Work already started on the edge or a cloud GPU
is not preempted (its time was committed when it started). A transfer still on the link at
the deadline is dropped before anything else at that instant, so a round that starts when
the last one's deadline ends finds the link free of it; a request past the link (or not yet
on it) gets the records' rounding slack (``DEADLINE_SLACK_S``, 1 ns) to finish first.

A request (scoutsim/sim/request.py) is a chain of callbacks on SimPy events, not a SimPy
process: each step schedules the one event the next step waits for. A process per request would add its
start and end events and a generator resume to every step, for nothing a request needs
(see benchmarks/README.md). Steps run in the order, and create their events in the order,
a process would; arrivals are one chain per agent, started by a process so that they
begin after the channels have set their first capacities.
"""

from __future__ import annotations

import math
import sys
from collections import deque
from numbers import Integral

import simpy

from scoutsim.physics.journey import request_seconds
from scoutsim.decisions.policy import ARRIVALS_KEPT, DECLINE, Learner, Policy, Situation
from scoutsim.sim.arrivals import OwnArrivals
from scoutsim.sim.cloudwait import build_cloud_wait
from scoutsim.sim.congestion import SLACK_SPAN, Load, tolls
from scoutsim.sim.costs import DECLINED, first_costs
from scoutsim.sim.costs import ModeOption, option_tables  # noqa: F401  (0.2 imported them from here)
from scoutsim.sim.fallback import Fallback
from scoutsim.sim.questions import Question
from scoutsim.errors import UserError
from scoutsim.sim.records import DEADLINE_SLACK_S
from scoutsim.sim.request import Request, urgent_timeout

class Agent(OwnArrivals):
    def __init__(self, *, kit, seat, index: int, group: int, policy, estimator, streams: tuple, world):
        """Built by :func:`scoutsim.sim.equip.build_agent`, the same on a shared uplink and in
        a cell, from what its group shares (``kit``), where it sits (``seat``) and what is its
        own: its policy, rate estimator and (arrivals, questions, phase) streams."""
        self.index = index
        self.group = group
        self.spec = spec = kit.spec
        self.shape = kit.edge_shape
        self.options = kit.options
        self.pool = kit.pool
        self.compute = kit.compute
        self.policy: Policy = policy
        self._builtin_policy = type(policy).__module__.startswith("scoutsim.")  # a plug-in's choice is checked
        self.estimator = estimator
        self.link = seat.link
        self.slot = seat.slot
        self.uplink_id = seat.uplink_id
        self.latency_s = seat.latency_s
        self.cloud = seat.cloud
        # The optional request columns (scoutsim/sim/records.py): the cloud site, the path
        # to it, the grant delay and the device's offset; their defaults off the cell model.
        self.cloud_id, self.path, self.grant_s, self.offset_s = seat.cloud_id, seat.path, seat.grant_s, seat.offset_s
        self.arrivals_rng, self.questions_rng, self.phase_rng = streams
        self.world = world
        self.deadline_s = spec.deadline_s
        self.edge_free_at = 0.0
        self.count = 0
        # (tokens, context bytes, question bytes, answer tokens) -> per option (payload
        # bytes, edge s, cloud s); shared by the agents of a group (and of groups that pay
        # the same costs).
        self._costs: dict[tuple[int, int, int, int], list[tuple[float, float, float]]] = kit.costs
        # The same, kept across replications with the timing extrapolations each cost; None: none.
        self._memo = kit.memo
        # Per option: uses the uplink, name, mean quality; shared by a group's agents.
        self._uses_uplink, self._names, self._qualities = kit.tables
        self._gaps: list[float] = []  # refilled in blocks; empty until the first draw
        self._picks: list[int] = []
        # cloud_aware: what this device predicts it will wait for the cloud's GPU
        # (scoutsim/sim/cloudwait.py), else None: the prediction leaves the queue out.
        self.cloud_wait = build_cloud_wait(spec.cloud_aware, seat.cloud, seat.latency_s)
        # cloud_aware: probe: each decision waits for the cloud's answer to a status request,
        # where a candidate mode uses the cloud and there is a choice to make.
        self.probes = spec.cloud_aware == "probe" and any(self._uses_uplink) and len(self.options) > 1
        # +fallback: the watcher of transfers in flight (scoutsim/sim/fallback.py), else None.
        self.fallback = None
        self.upgrades = False  # adaptive+fallback: try a KV mode where the choice is a fallback mode
        if spec.falls_back:
            fallbacks = set(spec.fallback_modes)
            self.fallback = Fallback(self, [k for k, o in enumerate(self.options) if o.name in fallbacks])
            self.upgrades = spec.base_policy == "adaptive"
        # A policy with the learning protocol (expected_f1) is told of rates and outcomes.
        self.learner: Learner | None = self.policy if isinstance(self.policy, Learner) else None
        # This device's requests not yet ended, by number, kept for a policy that reads them or
        # whose rate is capped by theirs (None: not kept).
        kept = self.policy.reads_in_flight or self.policy.live_rate
        self.in_flight: dict[int, Request] | None = {} if kept else None
        # Whether a request's end must be told (settled): to a learner, or to the in-flight list.
        self.settles = self.learner is not None or self.in_flight is not None
        # The servers priced (:priced both, :cloud_priced the cloud; a policy naming none: both).
        self._tolls_on = policy.tolls_on or (("edge", "cloud") if policy.reads_tolls else ())
        self.edge_load = Load(1) if "edge" in self._tolls_on else None
        if "cloud" in self._tolls_on:
            self.cloud.track_load()
        # This device's last arrival times, for a policy that reads them.
        self._arrivals: deque[float] | None = deque(maxlen=ARRIVALS_KEPT) if policy.reads_arrivals else None
        self._predicted = math.nan  # the last decision's predicted time, for its request
        self._seconds: list[float] = []  # the last decision's predicted time of each option
        self.observed = False  # whether any transfer has been observed (estimates beyond the prior)

    # ---------------------------------------------------------------- costs
    def _all_costs(self, q: Question) -> list[tuple[float, float, float]]:
        key = (q.tokens, q.context_bytes, q.question_bytes, q.answer_tokens)
        hit = self._costs.get(key)
        if hit is None:
            hit = self._costs[key] = first_costs(self, q, key)
        return hit

    def predicted_seconds(self, q: Question, rate: float, edge_wait: float, elapsed: float = 0.0,
                          queue: float | None = None, prefill: tuple[float, float] | None = None) -> list[float]:
        """Each option's predicted arrival-to-done time: (the time already spent since arrival,
        ``elapsed``: a ``cloud_aware: probe`` round trip) + edge queue + edge compute + payload
        / estimated rate + one-way latency (+ the cloud's predicted wait, with ``cloud_aware``,
        or ``queue`` where given) + cloud compute (docs/models/compute.md); with ``prefill``
        under way, its part of the edge (:meth:`_edge_plan`)."""
        costs, waits = self._edge_plan(q, edge_wait, prefill)
        return self._planned_seconds(costs, waits, rate, elapsed, queue)

    def _planned_seconds(self, costs, waits, rate: float, elapsed: float, queue: float | None) -> list[float]:
        """:meth:`predicted_seconds` of an edge plan already made (:meth:`_edge_plan`)."""
        latency = self.latency_s
        if queue is not None:
            latency += queue
        elif self.cloud_wait is not None:
            latency += self.cloud_wait.predict()
        return [request_seconds(elapsed + wait + edge_s, size, rate, latency, cloud_s, sends=uplink)
                for (size, edge_s, cloud_s), wait, uplink in zip(costs, waits, self._uses_uplink)]

    def _edge_plan(self, q: Question, edge_wait: float, prefill: tuple[float, float] | None):
        """Per option, (bytes, edge seconds still to run, cloud seconds) and its wait for the
        edge. Without ``prefill``: the whole edge work, behind ``edge_wait``. With ``prefill``
        = (seconds, wait before it started), the prefill a ``cloud_aware: probe`` started at
        arrival: every mode but ``text`` has that much less to run, after the edge is free
        (``edge_wait`` now includes the prefill); ``text``, which needs none, is sent as the
        prefill would have started, the prefill left unused."""
        costs = self._all_costs(q)
        if prefill is None:
            return costs, [edge_wait] * len(costs)
        seconds, before = prefill
        return ([(size, max(edge_s - seconds, 0.0), cloud_s) for size, edge_s, cloud_s in costs],
                [edge_wait if edge_s > 0 else before for _, edge_s, _ in costs])

    def decide(self, q: Question, rate: float, edge_wait: float, now: float, elapsed: float = 0.0,
               queue: float | None = None, prefill: tuple[float, float] | None = None) -> int:
        """The policy's choice for question ``q`` at the estimated ``rate``, the edge free in
        ``edge_wait`` seconds, ``elapsed`` seconds after arrival, with the cloud's ``queue``
        where it was reported and the edge ``prefill`` under way where one is
        (:class:`scoutsim.decisions.policy.Situation`, :meth:`_edge_plan`)."""
        costs, waits = self._edge_plan(q, edge_wait, prefill)
        transfers = [(size / rate if rate > 0 else math.inf) if uplink else 0.0
                     for (size, _, _), uplink in zip(costs, self._uses_uplink)]
        self._seconds = seconds = self._planned_seconds(costs, waits, rate, elapsed, queue)
        in_flight = () if self.in_flight is None or not self.policy.reads_in_flight else \
            [(self.options.index(r.option), now - r.arrival, r.predicted) for r in self.in_flight.values()]
        floors = () if not self.policy.declines else self._floors(costs, waits, elapsed, queue)
        situation = Situation(self._names, seconds, transfers, [c[1] for c in costs], self._qualities,
                              self.deadline_s, self.fallback.indices if self.fallback is not None else (),
                              in_flight, floors, self._tolls(costs, now),
                              () if self._arrivals is None else [now - t for t in self._arrivals])
        k = self.policy.decide(situation) if self._builtin_policy else self._plugin_decide(situation)
        self._predicted = seconds[k] if k != DECLINE else math.nan
        return k

    def _plugin_decide(self, situation: Situation) -> int:
        """A plug-in policy's choice, checked: its failure is the plug-in's, told as such."""
        try:
            k = self.policy.decide(situation)
        except Exception as exc:  # noqa: BLE001 - any failure of the plug-in's own code
            raise UserError(f"{self._where()} raised {type(exc).__name__}: {exc}; the error is in the plug-in") from None
        if isinstance(k, bool) or not (isinstance(k, Integral) and (
                0 <= k < len(self.options) or k == DECLINE and self.policy.declines)):
            allowed = f"0..{len(self.options) - 1}" + (f" or DECLINE ({DECLINE})" if self.policy.declines else "")
            raise UserError(f"{self._where()} returned {k!r}; expected an option index {allowed}")
        return k

    def _where(self) -> str:
        cls = type(self.policy)
        file = getattr(sys.modules.get(cls.__module__), "__file__", None) or cls.__module__
        return f"policy {self.spec.policy!r} ({cls.__qualname__}.decide in {file})"

    def _tolls(self, costs, now: float) -> list[float] | tuple[()]:
        """Per option, the F1 its work on the priced servers takes from later requests."""
        if not self._tolls_on:
            return ()
        return tolls(costs, self._uses_uplink, now, self.deadline_s, self.edge_load, self.edge_wait(now),
                     self.cloud.load if "cloud" in self._tolls_on else None, self.cloud.wait_if_entered(),
                     0.0 if self.policy.exact_slack else SLACK_SPAN)

    def _floors(self, costs, waits, elapsed: float, queue: float | None) -> list[float]:
        """Per option, a lower bound of its arrival-to-done time whatever the link does
        (:class:`scoutsim.decisions.policy.Situation`): an instant transfer reaches a FIFO
        cloud after the edge (``waits``: each option's wait for it) and the latency, and
        starts no earlier than the GPU is known to be free (``queue``, where given, is a wait
        assumed, not known: 0)."""
        free = 0.0 if queue is not None or self.cloud_wait is None else self.cloud_wait.free_in()
        return [elapsed + (max(wait + edge_s + self.latency_s, free) + cloud_s if uplink else wait + edge_s)
                for (_, edge_s, cloud_s), wait, uplink in zip(costs, waits, self._uses_uplink)]

    def live_rate(self) -> float:
        """The rate the fastest of this device's transfers on the link gets now, as their
        acknowledgements show it (``expected_f1:live``); inf with none sending. A transfer
        whose last byte is sent (a cell's HARQ tail) shows nothing. Under an online allocator
        a transfer may be held at 0 while a new one would be served (its rule orders them by
        due time), so the cap is then at least what a new transfer would get now."""
        rates = []
        for r in (self.in_flight or {}).values():
            if r.on_link is not None and not r.on_link.triggered:
                now = self.link.remaining(r.on_link)
                if now is not None and now[0] > 0 and math.isfinite(now[1]):
                    rates.append(now[1])
        best = max(rates, default=math.inf)
        if rates and self.link.online is not None:
            best = max(best, self.link.rate_if_joined(self.slot))
        return best

    def edge_wait(self, now: float) -> float:
        """How long edge work queued at ``now`` waits behind what the edge (a FIFO single
        server whose service times are known) already holds."""
        return max(0.0, self.edge_free_at - now)

    def queue_edge_work(self, now: float, seconds: float, job: float | None = None) -> float:
        """Queue ``seconds`` of edge compute at ``now``; returns the wait before it starts.
        ``job``: the whole job's edge seconds where this is its last part (0: a first part), as
        the edge's load counts jobs (default ``seconds``)."""
        wait = self.edge_wait(now)
        if self.edge_load is not None and (job is None or job > 0):
            self.edge_load.entered(now, seconds if job is None else job)
        self.edge_free_at = now + wait + seconds
        return wait

    def observe(self, r: "Request", nbytes: float, seconds: float) -> None:
        """A transfer of ``r`` in its first mode ended (or was stopped) after ``seconds``
        with ``nbytes`` acknowledged: the estimator learns the rate, and a policy that weighs
        its own errors (``expected_f1``) the ratio of that rate to the estimate the mode was
        chosen with, unless that estimate was the prior (nothing observed yet)."""
        if r.informed and r.fallback is None and seconds > 0 and nbytes > 0 and r.est_rate > 0:
            if self.learner is not None:
                self.learner.record(self.options.index(r.option), nbytes / seconds / r.est_rate)
            if self.fallback is not None:  # its margin: scoutsim/sim/fallback.py
                self.fallback.record(nbytes / seconds / r.est_rate)
        self.observed = True
        self.estimator.observe(nbytes, seconds)

    def settled(self, r: "Request") -> None:
        """``r`` ended: a policy that keeps each mode's on-time record (``expected_f1``) learns
        whether the mode it was sent in made it, without falling back (called only for such)."""
        on_time = not r.dropped and r.fallback is None and r.done - r.arrival <= self.deadline_s + DEADLINE_SLACK_S
        if self.learner is not None:
            self.learner.outcome(self.options.index(r.option), on_time)
        if self.in_flight is not None:
            del self.in_flight[r.number]

    # ---------------------------------------------------------------- one request
    def _start(self, env: simpy.Environment, number: int, q: Question) -> None:
        if self.world.arrival_log is not None:  # a world that only records its arrivals
            self.world.arrival_log.append((self.index, number, self, q, env.now))
            return
        r = Request(self, number, q, env.now)
        if self._arrivals is not None:
            self._arrivals.append(env.now)
        if not self.probes:
            self._decide(env, r)
            return
        # cloud_aware: probe: choose as if the cloud's queue were empty, and ask the cloud only
        # where its answer can change that choice and the round trip leaves it on time.
        k = self._choose(r, r.arrival, 0.0, queue=0.0)
        if k == DECLINE:  # late even with the cloud's queue empty
            self._decline(r)
        elif self.cloud_wait.worth_asking(self._uses_uplink[k], self._seconds[k], self.deadline_s):
            r.option = self.options[k]  # a run ended before the answer records it so, unsent
            self.world.pending[(self.index, number)] = r
            if self.latency_s > 0 and self._all_costs(q)[k][1] > 0:
                # The choice so far starts with the edge prefill (every mode but text does): the
                # device runs it while the status request is out, whatever the answer changes.
                seconds = self._prefill_seconds(q)
                start = r.arrival + self.edge_wait(r.arrival)
                self.queue_edge_work(r.arrival, seconds, job=0.0)
                r.prefill = (seconds, start, self.edge_free_at)
                if self.fallback is not None:
                    self.fallback.replan(env.now)  # a fallback needing the edge now waits behind it
            self.cloud_wait.ask(env, lambda: self._decide(env, r))
        else:
            self._decide(env, r, k)

    def _choose(self, r: "Request", now: float, elapsed: float, queue: float | None = None) -> int:
        q, wait = r.question, self.edge_wait(now)
        prefill = None if r.prefill is None else (r.prefill[0], max(r.prefill[1] - now, 0.0))
        r.est_rate = self.estimator.estimate_after(elapsed)
        if self.policy.live_rate:
            r.est_rate = min(r.est_rate, self.live_rate())
        r.informed = self.observed and getattr(self.estimator, "warm", True)  # a plug-in may not derive from Estimator
        return self.decide(q, r.est_rate, wait, now, elapsed, queue, prefill)

    def _decide(self, env: simpy.Environment, r: "Request", k: int | None = None) -> None:
        """Choose ``r``'s mode (unless chosen, ``k``) and start it."""
        q, now = r.question, env.now
        elapsed = now - r.arrival  # > 0 only after a cloud_aware: probe round trip
        if k is None:
            k = self._choose(r, now, elapsed)
        if k == DECLINE:
            self._decline(r)
            return
        if self.fallback is not None and self.upgrades:
            # The edge wait before a KV mode's whole edge work (upgrade adds it): less the prefill run.
            edge_wait = self.edge_wait(now) + elapsed - (r.prefill[0] if r.prefill is not None else 0.0)
            chosen, k = k, self.fallback.upgrade(q, k, r.arrival, edge_wait)
            r.upgraded = k != chosen
        r.option = self.options[k]
        if self.in_flight is not None:
            r.predicted = self._predicted
            self.in_flight[r.number] = r
        size, edge_s, cloud_s = self._all_costs(q)[k]
        r.size = size
        r.cloud_s = cloud_s
        self.world.pending[(self.index, r.number)] = r
        if r.prefill is None:
            wait = self.queue_edge_work(now, edge_s)
        elif edge_s > 0:  # the rest of its edge work, after the prefill run during the probe
            wait, edge_s = self.queue_edge_work(now, edge_s - r.prefill[0], job=edge_s), edge_s - r.prefill[0]
        else:  # text: sent as the prefill, left unused, would have started
            self._drop_prefill(r.prefill, now)
            wait = max(r.prefill[1] - now, 0.0)
        if self.fallback is not None and edge_s > 0:
            self.fallback.replan(env.now)  # a fallback needing the edge now waits behind this request
        if self._uses_uplink[k]:
            env.timeout(wait + edge_s).callbacks.append(r.send)
        else:
            env.timeout(wait + edge_s).callbacks.append(r.finish)
        if self.spec.abandon_at_deadline:  # the deadline is from arrival
            urgent_timeout(env, max(self.deadline_s - elapsed, 0.0)).callbacks.append(r.expire)

    def _prefill_seconds(self, q: Question) -> float:
        """The edge prefill of ``q``; a look-up outside the oracle's measured range was counted
        once already, with the costs of ``q``'s modes (``_all_costs``), and is not counted again."""
        oracle = self.compute.oracle
        counted = oracle.extrapolated
        seconds = self.compute.edge_prefill_seconds(q.tokens)
        oracle.extrapolated = counted
        return seconds

    def _drop_prefill(self, prefill: tuple[float, float, float], now: float) -> None:
        """The ``prefill`` (seconds, start, end) run during a probe is not used (``text``, or
        nothing sent): where no work was queued behind it, the edge stops it now, or never
        starts it; the edge's load counts what it ran."""
        seconds, start, end = prefill
        ran = seconds
        if self.edge_free_at == end:
            self.edge_free_at = max(start, min(now, end))
            ran = self.edge_free_at - start
            if self.fallback is not None:
                self.fallback.replan(now)
        if self.edge_load is not None:
            self.edge_load.entered(now, ran)

    def _decline(self, r: "Request") -> None:
        """The policy sends nothing: ``r`` ends now as a miss in the mode ``declined``."""
        if r.prefill is not None:
            self._drop_prefill(r.prefill, self.link.env.now)
        r.option = DECLINED
        self.world.pending[(self.index, r.number)] = r  # finish takes it from the pending (a probe put it there)
        self.world.finish(r)
