"""A request's journey as a chain of callbacks: one method per step, each run by the event
the step before scheduled (scoutsim/sim/agent.py starts the chain and says why it is not a
SimPy process). The steps: edge compute done -> ``send`` -> ``sent`` (or, after a fallback,
``resend``) -> ``to_cloud`` (the one-way latency) -> ``at_cloud`` (the GPU queue) ->
``cloud_done`` -> ``finish``; ``local`` goes from the edge to ``finish``, and ``expire``
drops a request at its deadline (``abandon_at_deadline``).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from scoutsim.sim.records import DEADLINE_SLACK_S

if TYPE_CHECKING:
    from scoutsim.sim.costs import ModeOption
    from scoutsim.sim.questions import Question


def urgent_timeout(env: simpy.Environment, delay: float) -> simpy.Event:
    """A timeout that runs before the ordinary events of its instant (SimPy's URGENT
    priority, as ``Timeout`` schedules NORMAL ones): a deadline ends before the next round
    that starts at the same instant."""
    ev = simpy.Event(env)
    ev._ok, ev._value = True, None  # what Timeout.__init__ sets
    env.schedule(ev, simpy.core.URGENT, delay)
    return ev


class Request:
    """One request's facts as they become known; becomes a record when it ends. Its
    methods are the steps of its journey, each a callback on the event it waited for."""

    __slots__ = ("agent", "number", "question", "arrival", "est_rate", "option", "payload",
                 "tx_start", "tx_end", "done", "size", "cloud_s", "on_link", "dropped", "grace",
                 "fallback", "wasted", "at_cloud_s", "informed", "upgraded", "predicted", "prefill")

    def __init__(self, agent: Any, number: int, question: Question, arrival: float):
        # agent: the scoutsim.sim.agent.Agent that made it (not imported: agent.py imports this)
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
        self.size = 0.0  # what it will send, once its edge compute is over
        self.cloud_s = 0.0
        self.on_link: simpy.Event | None = None  # the transfer's completion, once it started
        self.dropped = False
        self.grace = False
        self.fallback: ModeOption | None = None  # the mode fallen back to (+fallback)
        self.wasted = 0.0  # bytes of a transfer stopped in flight
        self.at_cloud_s = 0.0
        self.informed = False  # chosen with an estimate that had seen a transfer (Agent.observe)
        self.upgraded = False  # sent in a KV mode by adaptive+fallback's upgrade (Fallback.upgrade)
        self.predicted = math.nan  # its mode's predicted arrival-to-done time (expected_f1:in_flight)
        # (seconds, start, end) of the edge prefill run while a cloud_aware: probe is out (Agent._start)
        self.prefill: tuple[float, float, float] | None = None

    def send(self, event) -> None:
        if self.dropped:
            return
        a = self.agent
        self.payload = self.size
        now = event.env.now
        self.tx_start = now
        self.on_link = a.link.send(a.slot, self.payload, self.last_byte_due())
        self.on_link.callbacks.append(self.sent)
        if a.fallback is not None:
            a.fallback.watch(self, self.on_link, now)

    def resend(self, event) -> None:
        """A fallback's own transfer, after its transfer in the first mode was stopped."""
        if self.dropped:
            return
        a = self.agent
        start = event.env.now
        self.payload += self.size

        def sent(ev):
            self.tx_end = ev.env.now
            a.estimator.observe(self.size, self.tx_end - start)
            self.to_cloud(ev)

        self.on_link = a.link.send(a.slot, self.size, self.last_byte_due())
        self.on_link.callbacks.append(sent)

    def last_byte_due(self) -> float:
        """When the last byte must be sent for the deadline to hold; online allocators read it."""
        a = self.agent
        return self.arrival + a.deadline_s - a.latency_s - self.cloud_s

    def sent(self, event) -> None:
        self.tx_end = event.env.now
        self.agent.observe(self, self.payload, self.tx_end - self.tx_start)
        self.to_cloud(event)

    def to_cloud(self, event) -> None:
        """The last byte is sent: the one-way latency, then the cloud's queue."""
        if self.agent.latency_s > 0:
            event.env.timeout(self.agent.latency_s).callbacks.append(self.at_cloud)
        else:
            self.at_cloud(event)

    def at_cloud(self, event) -> None:
        if self.dropped:
            return
        if self.agent.cloud_wait is not None:
            self.at_cloud_s = event.env.now
        self.agent.cloud.enter(self.cloud_s, self.cloud_done)

    def cloud_done(self, event) -> None:
        self.agent.cloud.leave()  # the next job starts before this one is recorded, as it did
        if self.agent.cloud_wait is not None:
            self.agent.cloud_wait.observe(event.env.now - self.at_cloud_s - self.cloud_s)
        if self.agent.cloud.load is not None:
            self.agent.cloud.load.served(event.env.now, *self._slack_and_quality(event.env.now))
        self.finish(event)

    def finish(self, event) -> None:
        if self.dropped:
            return
        self.done = event.env.now
        if self.agent.edge_load is not None:
            self.agent.edge_load.served(self.done, *self._slack_and_quality(self.done))
        if self.agent.settles:
            self.agent.settled(self)
        self.agent.world.finish(self)

    def _slack_and_quality(self, now: float) -> tuple[float, float]:
        """Ending at ``now``: (deadline - now, the expected quality of the mode that answers)."""
        a = self.agent
        return self.arrival + a.deadline_s - now, a._qualities[a.options.index(self.fallback or self.option)]

    def expire(self, event) -> None:
        """The deadline has come (abandon_at_deadline): drop the request if unfinished."""
        if not math.isnan(self.done):  # finished in time
            return
        a = self.agent
        on_link = self.on_link is not None and not self.on_link.triggered
        if not on_link and not self.grace:
            # Off the link, a request may end within rounding of its deadline: wait that long.
            self.grace = True
            event.env.timeout(DEADLINE_SLACK_S).callbacks.append(self.expire)
            return
        self.dropped = True
        if on_link:
            sent = a.link.cancel(self.on_link)
            self.payload = self.wasted + sent  # with +fallback, the stopped first transfer's bytes too
            elapsed = event.env.now - self.tx_start
            a.observe(self, sent, elapsed)  # what the device saw acknowledged
        try:
            a.cloud.waiting.remove((self.cloud_s, self.cloud_done))
        except ValueError:
            pass  # not waiting for a GPU
        if a.settles:
            a.settled(self)
        a.world.finish(self)
