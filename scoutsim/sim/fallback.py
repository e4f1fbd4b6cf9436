"""Mid-flight fallback (policy suffix ``+fallback``): stop a KV transfer that can no longer
be on time and answer in a cheaper mode, as CacheGen falls back to text when bandwidth drops.

When a request's KV transfer starts at ``t0``, the agent plans its fallbacks among the
group's fallback modes (``local``, ``scout@r``, ``text`` in its mode list). Started at instant
``t``, a fallback takes

    T_fb = extra edge compute + [payload / estimated rate + one-way latency + cloud compute]

(the bracket only for modes that send something; with an uplink ``tcp`` block, the
payload's handshake and slow-start ramp are added, :meth:`TcpModel.ramp`). Extra edge
compute is what the edge has not done yet: the answer's decode for ``local`` (its prefill
is done), Q2C selection for ``scout``, nothing for ``text``. A fallback's *trigger instant* is the last moment it can
still make it, ``t* = arrival + deadline - T_fb - GUARD`` (a microsecond, so that rounding
cannot turn a fallback that exactly fits into a miss); those with ``t* < t0`` are out.

The transfer is checked at the trigger instant of every fallback that no other beats on both
counts (a later ``t*`` and at least its expected quality): in time order, each check is the
last chance for a fallback better than any that remains. At a check, if the transfer is
still in flight and would finish too late at its current rate, i.e.

    t* + bytes left / current rate + latency + cloud compute of the KV mode > arrival + deadline,

and the fallback still fits at that current rate (or a new transfer's share, if larger;
at the last check it is taken even if it does not: the transfer is doomed, and stopping it
frees the link for others), it is cancelled (:meth:`SharedUplink.cancel`: the bytes it sent
are *wasted bytes*) and that check's fallback runs from ``t*``: it waits for the edge if the
edge is busy, computes, and sends its own payload. Otherwise the transfer goes on to the next
check. Checking at the last safe instants gives the transfer every chance to finish first;
checking earlier would stop transfers the channel would still have carried. With no fallback
able to make the deadline at ``t0``, the transfer is not watched.

``adaptive+fallback`` also changes the choice itself (:meth:`Fallback.upgrade`): when the
adaptive choice is a fallback mode, the request tries the smallest KV mode of better expected
quality, provided the choice still fits as that mode's fallback.
"""

from __future__ import annotations

import math

from scoutsim.modes import parse_mode

BF16 = parse_mode("bf16")
GUARD = 1e-6  # seconds


class Fallback:
    def __init__(self, agent, fallback_indices: list[int]):
        self.agent = agent
        self.indices = fallback_indices

    def upgrade(self, q, k: int, arrival: float, edge_wait: float) -> int:
        """With a fallback in hand, a request whose choice ``k`` is itself a fallback mode
        tries the smallest KV mode of better expected quality instead, when ``k`` would still
        fit as its fallback: the worst outcome is then ``k``'s, as if chosen directly, at the
        cost of the bytes sent in vain. Returns the option to send."""
        a = self.agent
        if a.options[k].mode.kind == "kv":
            return k
        costs = a._all_costs(q)
        better = [j for j, o in enumerate(a.options)
                  if o.mode.kind == "kv" and a._qualities[j] > a._qualities[k]]
        if not better:
            return k
        j = min(better, key=lambda j: (costs[j][0], -a._qualities[j]))
        start = arrival + edge_wait + costs[j][1]
        if start + self._duration(q, k, a.estimator.estimate()) + GUARD <= arrival + a.deadline_s:
            return j
        return k

    def duration(self, r, k: int, rate: float | None = None) -> float:
        """T_fb of option ``k`` for request ``r`` at ``rate`` (default: the agent's current
        rate estimate)."""
        return self._duration(r.question, k, self.agent.estimator.estimate() if rate is None else rate)

    def _extra_edge(self, q, k: int) -> float:
        """Edge compute option ``k`` still needs once the edge has prefilled ``q``."""
        a = self.agent
        if a.options[k].mode.kind == "text":
            return 0.0
        return max(a._all_costs(q)[k][1] - a.compute.edge_seconds(BF16, q.tokens, q.answer_tokens), 0.0)

    def _duration(self, q, k: int, rate: float) -> float:
        a = self.agent
        mode = a.options[k].mode
        size, _, cloud_s = a._all_costs(q)[k]
        extra = self._extra_edge(q, k)
        if not mode.uses_uplink:
            return extra
        tcp = a.link.tcp
        if tcp is not None and rate > 0:
            # With TCP corrections: no flow beats its loss-limited rate, and the handshake and
            # slow start come before the fluid rest.
            rate = min(rate, tcp.rate_cap)
            delay, fluid = tcp.ramp(tcp.on_wire(size), rate)
            return extra + delay + fluid / rate + a.latency_s + cloud_s
        return extra + (size / rate if rate > 0 else math.inf) + a.latency_s + cloud_s

    def plan(self, r, now: float) -> list[tuple[float, int]]:
        """The checks for a transfer starting now: (trigger instant, fallback option), in time
        order, each fallback better than every one with a later instant."""
        due = r.arrival + self.agent.deadline_s
        found = []
        for k in self.indices:
            if self.agent.options[k] is r.option:
                continue
            at = due - self.duration(r, k) - GUARD
            if at >= now:
                found.append((at, k))
        checks = []
        best_later = -1.0
        for at, k in sorted(found, key=lambda c: (-c[0], -self.agent._qualities[c[1]])):
            if self.agent._qualities[k] > best_later:
                checks.append((at, k))
                best_later = self.agent._qualities[k]
        return checks[::-1]

    def watch(self, r, done, now: float) -> None:
        env = self.agent.link.env
        checks = self.plan(r, now)
        for n, (at, k) in enumerate(checks):
            last = n == len(checks) - 1
            env.timeout(at - now).callbacks.append(lambda ev, k=k, last=last: self._check(r, done, k, last))

    def _check(self, r, done, k: int, last: bool = True) -> None:
        a = self.agent
        if done.triggered or r.fallback is not None:
            return
        now = a.link.env.now
        state = a.link.remaining(done)
        due = r.arrival + a.deadline_s
        if state is not None:
            left, rate = state
            finish = now + (left / rate if rate > 0 else math.inf) + a.latency_s + r.cloud_s
            if finish <= due:
                return
            # The rate the fallback's payload will see: the stopped transfer's, or a new
            # transfer's share if larger (an online rule may hold a deferred transfer at 0).
            # A fallback that no longer fits at it leaves the transfer to the next check, if any.
            rate = max(rate, a.link.rate_if_joined(a.slot))
            if not last and now + self.duration(r, k, rate) > due:
                return
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
        wait = max(0.0, a.edge_free_at - now)
        a.edge_free_at = now + wait + extra
        r.cloud_s = cloud_s
        r.size = size
        env = a.link.env
        step = r.resend if opt.mode.uses_uplink else r.finish
        env.timeout(wait + extra).callbacks.append(step)
