"""``cloud_aware``: what a device predicts it will wait for the cloud's GPU.

* ``true`` (:class:`ObservedWait`): what a device can know, from its own responses: each
  response tells it how long its job waited (done - arrival at the cloud - its own cloud
  compute, which the device knows from the timing table). The prediction is the mean of
  its last :attr:`ObservedWait.WINDOW` waits (0 before the first response).
* ``exact`` (:class:`ExactWait`): the queue's true wait for a job entering now
  (:meth:`CloudQueue.wait_if_entered`): a bound on what observation can achieve. It is the
  wait at decision time; the job reaches the cloud later, after its edge compute and
  transfer.
* ``probe`` (:class:`ProbedWait`): what a device can ask for. The device first chooses as if
  the cloud's queue were empty; where that choice uses the cloud and is predicted on time
  with a round trip to spare (:meth:`ProbedWait.worth_asking`), it sends the cloud site a
  status request, as an LLM server exposes its queue metrics, and chooses again with the
  answer; otherwise it sends that choice at once. The request reaches the cloud after the
  uplink's one-way latency; the cloud answers with the exact FIFO wait of a job entering at
  that instant (:meth:`CloudQueue.wait_if_entered`); the answer is back after the latency
  again. The decision waits for it (the request's clock runs: its deadline is from its
  arrival) and adds the reported wait to every mode that uses the cloud. Meanwhile the
  device does not sit idle: where the choice made as if the queue were empty has edge work,
  it queues the edge prefill at arrival (every mode but ``text`` begins with it), and the
  mode chosen with the answer runs only the rest of its edge work; the round trip costs a KV
  mode only what it lasts beyond the prefill. ``text`` chosen after a prefill, or nothing
  sent, leaves it unused: the edge stops it (or never starts it) where nothing was queued
  behind it, and ``text`` is sent as the prefill would have started
  (:meth:`scoutsim.sim.agent.Agent._edge_plan`). Left out: a request of the same device that
  arrives during the round trip and is decided at once queues its edge work before the rest
  of the first one's (FIFO by decision, as without the prefill). The status request's
  bytes are not put on the link (a few hundred bytes, against kilobytes to megabytes of
  payload); with a latency of 0 the answer is immediate and the decision is made at arrival.
  A request still waiting for the answer when the run's drain limit ends it is recorded as a
  miss in the mode first chosen, with nothing sent.
"""

from __future__ import annotations

from collections import deque
from typing import Callable


class _Wait:
    """What a device asks of its prediction: ``observe`` a response's wait, ``predict``."""

    value = 0.0

    def observe(self, wait: float) -> None:
        pass

    def predict(self) -> float:
        return self.value

    def free_in(self) -> float:
        """Seconds from now before which no job entering later can start: 0 where nothing
        bounds it (a past mean bounds nothing)."""
        return 0.0


class ObservedWait(_Wait):
    WINDOW = 5

    def __init__(self):
        self.waits: deque[float] = deque(maxlen=self.WINDOW)

    def observe(self, wait: float) -> None:
        self.waits.append(max(wait, 0.0))
        self.value = sum(self.waits) / len(self.waits)


class ExactWait(_Wait):
    def __init__(self, cloud):
        cloud.track()
        self.cloud = cloud

    def predict(self) -> float:
        return self.cloud.wait_if_entered()

    def free_in(self) -> float:
        return self.cloud.wait_if_entered()  # FIFO: a job entering later starts no earlier


class ProbedWait(_Wait):
    """The wait the cloud reported to this device's latest status request."""

    def __init__(self, cloud, latency_s: float):
        cloud.track()
        self.cloud = cloud
        self.latency_s = latency_s

    def free_in(self) -> float:
        # The wait was measured at the cloud one latency ago, when the answer left it.
        return max(self.value - self.latency_s, 0.0)

    def worth_asking(self, uses_cloud: bool, seconds: float, deadline_s: float) -> bool:
        """Whether to ask before sending a choice made as if the queue were empty, predicted
        to take ``seconds``: only a choice that uses the cloud (a wait can only make the cloud
        modes slower, so a local choice stands) and that the round trip leaves on time (else
        waiting for the answer would itself make it late)."""
        return uses_cloud and seconds + 2 * self.latency_s <= deadline_s

    def ask(self, env, then: Callable[[], None]) -> None:
        """Send a status request; ``then()`` runs when the answer is back, with
        :meth:`predict` the wait the cloud reported. Immediate when the latency is 0."""
        if self.latency_s <= 0:
            self.value = self.cloud.wait_if_entered()
            then()
            return
        env.timeout(self.latency_s).callbacks.append(lambda _ev: self._answer(env, then))

    def _answer(self, env, then: Callable[[], None]) -> None:
        wait = self.cloud.wait_if_entered()  # at the cloud, one latency after the request left
        env.timeout(self.latency_s).callbacks.append(lambda _ev: self._received(wait, then))

    def _received(self, wait: float, then: Callable[[], None]) -> None:
        self.value = wait
        then()


def build_cloud_wait(setting, cloud, latency_s: float = 0.0):
    if setting is False:
        return None
    if setting == "probe":
        return ProbedWait(cloud, latency_s)
    return ExactWait(cloud) if setting == "exact" else ObservedWait()
