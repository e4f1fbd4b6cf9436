"""Mid-flight fallback (policy suffix ``+fallback``): stop a KV transfer that can no longer
be on time and answer in a cheaper mode, as CacheGen falls back to text when bandwidth drops.

docs/models/fallback.md states the rule with its equations and works it through. It is safe by
construction: every check counts everything between the switch and the answer, with the
device's own estimation error as the margin on the one thing it cannot know, the rate.

* *Margin* (:meth:`Fallback.record`): ``rho_p``, the empirical ``1 - P`` quantile of the device's
  last ratios ``realised rate / estimated rate``, kept within ``[FLOOR, 1]`` (``PRIOR`` before
  ``MIN_RATIOS`` of them).
* *Checks* (:meth:`Fallback.plan`): fallback ``k``'s trigger instant is the last moment it can
  still make it, ``arrival + deadline - T_k - GUARD`` with ``T_k`` its duration at the
  conservative rate (:meth:`Fallback.duration`); the transfer is checked at the instant of
  every fallback that no other beats on both a later instant and quality, planned again when
  new work queues on the edge.
* At a check (:meth:`Fallback._check`) the transfer goes on when it is on time at the
  conservative rate; otherwise it is stopped (its bytes sent are *wasted bytes*) and answered
  by the check's fallback if that still fits now, and at the last check also when it is late
  even at its current rate (doomed: stopping it frees the link).
* ``adaptive+fallback`` (:meth:`Fallback.upgrade`): a choice that is itself a fallback mode is
  sent instead as the smallest KV mode of better expected quality, when the choice still fits
  as its fallback and the KV mode is on time with probability at least ``UPGRADE_CHANCE`` by
  its record of upgrades, shrunk towards the rate model's chance (``WEIGHT`` upgrades).
"""

from __future__ import annotations

from collections import deque

from scoutsim.decisions.estimators import Offered
from scoutsim.modes import parse_mode
from scoutsim.physics.journey import request_seconds

BF16 = parse_mode("bf16")
GUARD = 1e-6  # seconds: rounding only; the margin is the rate factor rho_p


class Fallback:
    WINDOW = 20  # rate ratios kept
    MIN_RATIOS = 5  # before this many, the prior
    CONFIDENCE = 0.9  # P: the realised rate is at least rho_p x the estimate this often
    PRIOR = 0.5  # rho_p before the device has seen enough of its own errors
    # rho_p is kept within [FLOOR, 1]: never planned faster than the estimate, and a device whose
    # realised rates swing by orders of magnitude (a deadline-first allocator holds a transfer
    # at 0 while it has slack) does not plan every fallback out of reach.
    FLOOR = 0.5
    UPGRADE_CHANCE = 0.25  # adaptive+fallback sends a KV mode instead only if at least this likely on time
    RECORD = 20  # upgrades' outcomes kept per KV option
    WEIGHT = 2.0  # how many upgrades the rate model's chance counts as against that record

    def __init__(self, agent, fallback_indices: list[int]):
        self.agent = agent
        self.indices = tuple(fallback_indices)
        self.ratios: deque[float] = deque(maxlen=self.WINDOW)
        self._factor = self.PRIOR  # rho_p of the ratios recorded so far (record() keeps it)
        self._watched: dict[int, tuple] = {}  # id(done) -> (request, done, its checks' timeouts)
        self.upgrades: dict[int, deque[bool]] = {}  # per KV option: its upgrades' outcomes

    # ---------------------------------------------------------------- the margin
    def record(self, ratio: float) -> None:
        """One transfer's realised rate / the estimate it was chosen with."""
        self.ratios.append(ratio)
        n = len(self.ratios)
        if n >= self.MIN_RATIOS:  # worked out here, once, not at every plan that asks
            low = sorted(self.ratios)[int((1 - self.CONFIDENCE) * n + 1e-9)]  # floor, safe from 1.999...9
            self._factor = min(max(low, self.FLOOR), 1.0)

    def factor(self) -> float:
        """``rho_p``: the empirical ``1 - P`` quantile of the recorded ratios (the largest
        value at most ``(1 - P) n`` of them fall below), or the prior."""
        return self._factor

    # ---------------------------------------------------------------- durations
    def _after_last_byte(self, cloud_s: float) -> float:
        """Latency, the cloud's predicted wait and compute: what follows the last byte, passed
        summed to :func:`request_seconds` as its latency (cloud 0), as always (byte for byte)."""
        cw = self.agent.cloud_wait
        return self.agent.latency_s + (cw.predict() if cw is not None else 0.0) + cloud_s

    def _extra_edge(self, q, k: int) -> float:
        """Edge compute option ``k`` still needs once the edge has prefilled ``q``."""
        a = self.agent
        if a.options[k].mode.kind == "text":
            return 0.0
        return max(a._all_costs(q)[k][1] - a.compute.edge_seconds(BF16, q.tokens, q.answer_tokens), 0.0)

    def _after_edge(self, q, k: int, rate: float) -> float:
        """Option ``k``'s time from the end of its extra edge work to the answer, its payload
        sent at ``rate`` (already conservative)."""
        a = self.agent
        mode = a.options[k].mode
        if not mode.uses_uplink:
            return 0.0
        size, _, cloud_s = a._all_costs(q)[k]
        rest = self._after_last_byte(cloud_s)
        tcp = a.link.tcp
        delay = 0.0
        if tcp is not None and rate > 0:
            # With TCP corrections: no flow beats its loss-limited rate, and the handshake and
            # slow start come before the fluid rest.
            rate = min(rate, tcp.rate_cap)
            delay, size = tcp.ramp(tcp.on_wire(size), rate)
        return request_seconds(delay, size, rate, rest, 0.0)

    def duration(self, r, k: int, rate: float | None = None) -> float:
        """T_k of option ``k`` for request ``r`` without the edge wait, at the conservative
        rate ``rho_p x rate`` (default: the agent's current rate estimate)."""
        q = r.question
        if rate is None:
            estimator = self.agent.estimator
            # An offered estimate read now, after the request's own transfer joined the link,
            # would count that transfer as a competitor of its own fallback: the plan keeps the
            # offer the request was decided with.
            cold = isinstance(estimator, Offered) and not estimator.warm
            rate = r.est_rate if cold else estimator.estimate()
        return self._extra_edge(q, k) + self._after_edge(q, k, rate * self.factor())

    def _edge_ready(self, q, k: int, at: float) -> bool:
        """Whether option ``k`` can start its extra edge work at ``at`` without waiting."""
        return self._extra_edge(q, k) <= 0 or self.agent.edge_free_at <= at

    # ---------------------------------------------------------------- adaptive+fallback
    def upgrade(self, q, k: int, arrival: float, edge_wait: float) -> int:
        """A request whose choice ``k`` is itself a fallback mode sends instead the smallest
        KV mode ``j`` of better expected quality, when ``j`` is predicted on time at the
        conservative rate and ``k`` would still fit as ``j``'s fallback. Returns the option
        to send."""
        a = self.agent
        if a.options[k].mode.kind == "kv":
            return k
        costs = a._all_costs(q)
        better = [j for j, o in enumerate(a.options)
                  if o.mode.kind == "kv" and a._qualities[j] > a._qualities[k]]
        if not better:
            return k
        j = min(better, key=lambda j: (costs[j][0], -a._qualities[j]))
        due = arrival + a.deadline_s
        start = arrival + edge_wait + costs[j][1]
        est = a.estimator.estimate_after(a.link.env.now - arrival)  # > 0 after a probe's round trip
        rest = self._after_last_byte(costs[j][2])
        log = self.upgrades.get(j, ())
        # The first upgrade is a try (its fallback insures it); then the record decides, with
        # the rate model's chance counted as WEIGHT more upgrades.
        model = 1.0 if not log else \
            self.chance(lambda rho: request_seconds(start, costs[j][0], est * rho, rest, 0.0) <= due)
        if (sum(log) + self.WEIGHT * model) / (len(log) + self.WEIGHT) < self.UPGRADE_CHANCE:
            return k
        insured = start + self._extra_edge(q, k) + self._after_edge(q, k, est * self.factor()) + GUARD <= due
        return j if insured else k

    def chance(self, on_time) -> float:
        """P(on time) by the device's own errors: the share of its recorded ratios ``rho``
        for which ``on_time(rho)`` holds (the prior factor decides before there are enough)."""
        if len(self.ratios) < self.MIN_RATIOS:
            return 1.0 if on_time(self.PRIOR) else 0.0
        return sum(1 for rho in self.ratios if on_time(rho)) / len(self.ratios)

    def _upgrade_outcome(self, r, on_time: bool) -> None:
        log = self.upgrades.setdefault(self.agent.options.index(r.option), deque(maxlen=self.RECORD))
        log.append(on_time)

    # ---------------------------------------------------------------- watching a transfer
    def plan(self, r, now: float) -> list[tuple[float, int]]:
        """The checks for a transfer in flight from now: (trigger instant, fallback option),
        in time order, each fallback better than every one with a later instant."""
        due = r.arrival + self.agent.deadline_s
        found = []
        for k in self.indices:
            if self.agent.options[k] is r.option:
                continue
            at = due - self.duration(r, k) - GUARD
            if at >= now and self._edge_ready(r.question, k, at):
                found.append((at, k))
        checks = []
        best_later = -1.0
        for at, k in sorted(found, key=lambda c: (-c[0], -self.agent._qualities[c[1]])):
            if self.agent._qualities[k] > best_later:
                checks.append((at, k))
                best_later = self.agent._qualities[k]
        return checks[::-1]

    def watch(self, r, done, now: float) -> None:
        if r.upgraded:
            # The upgrade's record: on time if its last byte leaves time for the rest.
            due = r.last_byte_due()
            done.callbacks.append(lambda ev: self._upgrade_outcome(r, ev.env.now <= due))
        if self._schedule(r, done, now):
            # Forget it once sent, so that no reference outlives the request.
            done.callbacks.append(lambda _ev: self._forget(id(done)))

    def _schedule(self, r, done, now: float) -> bool:
        """Plan ``r``'s checks from now; False (and not watched) when there are none."""
        self._forget(id(done))
        checks = self.plan(r, now)
        if not checks:
            return False
        env = self.agent.link.env
        timers = [env.timeout(at - now) for at, _ in checks]
        for n, (timer, (_, k)) in enumerate(zip(timers, checks)):
            timer.callbacks.append(lambda ev, k=k, last=n == len(checks) - 1: self._check(r, done, k, last))
        self._watched[id(done)] = (r, done, timers)
        return True

    def _forget(self, key: int) -> None:
        """Stop watching a transfer: its queued checks fire as nothing (SimPy cannot dequeue them)."""
        for timer in self._watched.pop(key, (None, None, ()))[2]:
            if timer.callbacks:  # None once processed
                timer.callbacks.clear()

    def replan(self, now: float) -> None:
        """New work was queued on the edge: plan every watched transfer's checks again (the
        earlier plan's checks are void)."""
        for key, (r, done, _) in list(self._watched.items()):
            if done.triggered or r.fallback is not None or r.dropped:
                self._forget(key)
            else:
                self._schedule(r, done, now)

    def _check(self, r, done, k: int, last: bool) -> None:
        a = self.agent
        if done.triggered or r.fallback is not None or r.dropped:
            self._forget(id(done))
            return
        now = a.link.env.now
        state = a.link.remaining(done)
        due = r.arrival + a.deadline_s
        if state is not None:
            left, rate = state
            rest = self._after_last_byte(r.cloud_s)
            if request_seconds(now, left, rate * self.factor(), rest, 0.0) <= due:
                return  # on time even at the conservative rate
            doomed = request_seconds(now, left, rate, rest, 0.0) > due
            # The rate the fallback's payload will see: the stopped transfer's, or a new
            # transfer's share if larger (an online rule may hold a deferred transfer at 0).
            rate = max(rate, a.link.rate_if_joined(a.slot))
            fits = self._edge_ready(r.question, k, now) and now + self.duration(r, k, rate) <= due
            if not fits and not (last and doomed):
                return
        self._forget(id(done))
        if r.upgraded:
            self._upgrade_outcome(r, False)
        wasted = a.link.cancel(done)
        r.on_link = None  # stopped: nothing of this request is on the link until a resend
        r.wasted = wasted
        r.payload = wasted
        r.tx_end = now
        if now > r.tx_start:
            a.observe(r, wasted, now - r.tx_start)
        self._run(r, k, now)

    def _run(self, r, k: int, now: float) -> None:
        a = self.agent
        q = r.question
        opt = a.options[k]
        r.fallback = opt
        size, _, cloud_s = a._all_costs(q)[k]
        extra = self._extra_edge(q, k)
        # Only edge work waits for the edge: a text fallback sends at once.
        wait = a.queue_edge_work(now, extra) if extra > 0 else 0.0
        if extra > 0:
            self.replan(now)  # the other watched transfers' fallbacks now wait behind this one
        r.cloud_s = cloud_s
        r.size = size
        env = a.link.env
        step = r.resend if opt.mode.uses_uplink else r.finish
        env.timeout(wait + extra).callbacks.append(step)
