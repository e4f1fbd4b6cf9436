"""``cloud_aware``: what a device predicts it will wait for the cloud's GPU.

* ``true`` (:class:`ObservedWait`): what a device can know, from its own responses: each
  response tells it how long its job waited (done - arrival at the cloud - its own cloud
  compute, which the device knows from the timing table). The prediction is the mean of
  its last :attr:`ObservedWait.WINDOW` waits (0 before the first response).
* ``exact`` (:class:`ExactWait`): the queue's true wait for a job entering now
  (:meth:`CloudQueue.wait_if_entered`): a bound on what observation can achieve. It is the
  wait at decision time; the job reaches the cloud later, after its edge compute and
  transfer.
"""

from __future__ import annotations

from collections import deque


class ObservedWait:
    WINDOW = 5

    def __init__(self):
        self.waits: deque[float] = deque(maxlen=self.WINDOW)
        self.value = 0.0

    def observe(self, wait: float) -> None:
        self.waits.append(max(wait, 0.0))
        self.value = sum(self.waits) / len(self.waits)

    def predict(self) -> float:
        return self.value


class ExactWait:
    def __init__(self, cloud):
        cloud.track()
        self.cloud = cloud

    def observe(self, wait: float) -> None:
        pass

    def predict(self) -> float:
        return self.cloud.wait_if_entered()


def build_cloud_wait(setting, cloud):
    if setting is False:
        return None
    return ExactWait(cloud) if setting == "exact" else ObservedWait()
