"""Tolls: what a mode's work on a shared FIFO server takes from the requests behind it.

Devices that choose alone, each for its own request, load the servers they share as if the
load were free. Where one mode is a little better for the request but takes much more of a
server (``text`` puts the whole prefill on the cloud's GPUs, where a KV mode puts a decode;
``local`` holds the device's edge for a whole answer), every device takes it, the queue grows,
and the requests behind it are late: the devices of a group then do worse together than if
all had sent the cheaper mode (docs/models/decisions-family.md). ``expected_f1:priced``
charges each mode a *toll*, the F1 its work is expected to take from later requests, and
chooses by value minus toll (a Pigouvian price: Kelly, "Charging and rate control for elastic
traffic", 1997, prices a shared resource at the marginal cost its use imposes on others).

The toll of ``x`` seconds of work entering a FIFO server of ``k`` identical units (the edge:
``k = 1``; the cloud: its GPUs) now, with the server's load measured over the last
:data:`WINDOW_S` seconds (over the seconds there were, in a run's first ones; ``lam``
requests/s entering, utilisation ``rho``, capped at :data:`RHO_CAP` where the approximation
below diverges) and ``W`` the wait a job entering now would have:

* *Who is delayed.* Every request that enters while the server stays busy waits ``x / k``
  longer. Those arriving within the present backlog ``W``, and, while the job itself is served,
  those that find every other unit busy (probability ``rho ** (k - 1)``: each of the others busy
  with probability ``rho``; 1 on a single server, which the job holds), arriving on average
  halfway through its ``x / k``. A busy period is stretched ``1 / (1 - rho)``-fold by the
  arrivals within it (M/G/1), so ``n = lam (W + rho ** (k - 1) x / (2 k)) / (1 - rho)``.
* *What each loses.* A delay ``d`` costs a request its quality ``q`` if its slack (deadline
  minus the time it ended) lay in ``[0, d)``. The loss per request is read off the requests the
  server served in the window: ``L(d) = mean(q 1{0 <= slack < h}) d / h`` with ``h = max(d,``
  :data:`SLACK_SPAN` ``x deadline)``, the share whose slack is below ``h`` spread evenly over
  ``[0, h)``: a delay much smaller than the slack of a burst's requests costs in proportion,
  and one longer than ``h`` costs every request whose slack it exceeds. Late requests lose
  nothing more.
* *Or who is turned away.* Devices that see the wait (``cloud_aware``) and decline, or choose
  another mode, when it would make them late keep a saturated server's queue near the wait
  at which they turn away: the job's ``x`` seconds are then not a delay passed down a busy
  period that never ends, but capacity taken from the requests that turn away, ``x / xbar``
  of them (``xbar``: the mean work of the jobs with work that entered in the window), each
  losing at most its quality (``qbar``: the mean over the served requests). The argument is
  the project's, after Naor's model of a queue whose arrivals see it and may balk ("The
  regulation of queue size by levying tolls", *Econometrica* 37(1), 1969). The delay count
  holds on a server that is seldom busy, the displacement bound on one that is saturated,
  where ``n`` (grown ``1 / (1 - rho)``-fold at the cap) counted 100-200 requests delayed by
  one job that displaces about one (seed 9431, docs/models/decisions-family.md).
* The toll is ``min(n L(x / k), (x / xbar) qbar)``; ``n L(x / k)`` alone where no job in the
  window had work (nothing measured to displace), and ``(x / xbar) qbar`` alone where the
  server is saturated (the work that entered in the window would keep it busy
  :data:`RHO_CAP` of the time or more). There the delay count has nothing to stand on: ``n``
  is the cap's, not the queue's, and the requests it served, whose slack ``L`` reads, were
  mostly late already (slack below 0, at no risk), so it says a job costs nothing, though
  every second of its work is a second some later request must give up. On seed 8821's
  family_009 (docs/models/decisions-family.md) the delay count priced ``text`` at 0 on a
  cloud at the cap, its devices took it for 0.02 F1 more than ``int8``, and the ``int8``
  requests behind it were late or declined.

``expected_f1:cloud_priced`` takes the cloud's toll only and ``h = d`` (``slack_span`` 0): a
delay costs exactly the served requests whose slack is below it, each its whole quality.

The cloud's numbers (its load, its wait and the slack of the jobs it served) are read at the
decision instant, as if it published them continuously; a real cloud would send them with the
answer to a status request (``cloud_aware: probe``), a latency old. The edge is the device's
own and known exactly.

Known to be too coarse (docs/models/decisions-family.md, where it was measured and not
adopted): a delayed request is counted as losing its whole quality, though it chooses again
on arrival and often still fits in a faster mode (the displacement bound caps the sum, not
each request's loss); the bound is applied whether or not the devices see the wait (without
``cloud_aware``, and on the edge under ``expected_f1:priced``), where its argument is weaker;
the shared link carries no toll, so load priced off the edge and the cloud moves onto it; and
the switch to the displacement alone at :data:`RHO_CAP` is sharp (a short job's toll may
jump several-fold across it), where a blend would be smoother but would need a rule of its own.
"""

from __future__ import annotations

from collections import deque

WINDOW_S = 10.0  # long against a request (deadlines of 0.5-5 s), short against a run
RHO_CAP = 0.95  # n grows as 1 / (1 - rho): beyond this the measured rho is mostly noise
SLACK_SPAN = 0.5  # h: a half of the deadline, the slack below which a delay is a risk


class Load:
    """A FIFO server's recent past: the work that entered it and the slack and expected
    quality of the requests it served, over the last :data:`WINDOW_S` seconds."""

    def __init__(self, units: int):
        self.units = units
        self._entered: deque[tuple[float, float]] = deque()  # (time, seconds of work)
        self._served: deque[tuple[float, float, float]] = deque()  # (time, slack, quality)

    def entered(self, now: float, seconds: float) -> None:
        self._entered.append((now, seconds))

    def served(self, now: float, slack: float, quality: float) -> None:
        self._served.append((now, slack, quality))

    def _forget(self, now: float) -> None:
        for log in (self._entered, self._served):
            while log and log[0][0] < now - WINDOW_S:
                log.popleft()

    def toll(self, now: float, wait: float, seconds: float, deadline_s: float,
             slack_span: float = SLACK_SPAN) -> float:
        """The F1 that ``seconds`` of work entering now is expected to take from later
        requests (module docstring), with ``wait`` the wait of a job entering now; ``slack_span``:
        ``h``'s share of the deadline (0: a delay ``d`` costs exactly the requests whose slack
        is below ``d``, ``expected_f1:cloud_priced``)."""
        if seconds <= 0:
            return 0.0
        self._forget(now)
        if not self._entered or not self._served:
            return 0.0
        span = min(WINDOW_S, now) or WINDOW_S
        k = self.units
        lam = len(self._entered) / span
        work = sum(x for _, x in self._entered)
        saturated = work / (k * span) >= RHO_CAP
        rho = RHO_CAP if saturated else work / (k * span)
        delayed = lam * (wait + rho ** (k - 1) * seconds / (2 * k)) / (1 - rho)
        delay = seconds / k
        h = max(slack_span * deadline_s, delay)
        at_risk = sum(q for _, slack, q in self._served if 0 <= slack < h) / len(self._served)
        toll = delayed * at_risk * delay / h
        if work <= 0:  # nothing measured to displace: the delay count alone
            return toll
        jobs = sum(1 for _, x in self._entered if x > 0)  # a text request enters the edge with no work
        served_quality = sum(q for _, _, q in self._served) / len(self._served)
        displaced = seconds * jobs / work * served_quality
        return displaced if saturated else min(toll, displaced)


def tolls(costs, uses_uplink, now: float, deadline_s: float, edge: Load | None, edge_wait: float,
          cloud: Load | None, cloud_wait: float, slack_span: float) -> list[float]:
    """Per option (``costs``: (bytes, edge seconds, cloud seconds) each), the toll of its work on
    the servers whose ``Load`` is given (None: not priced); cloud work only for an option that
    sends (``uses_uplink``)."""
    return [(edge.toll(now, edge_wait, edge_s, deadline_s, slack_span) if edge is not None else 0.0)
            + (cloud.toll(now, cloud_wait, cloud_s, deadline_s, slack_span) if sends and cloud is not None else 0.0)
            for (_, edge_s, cloud_s), sends in zip(costs, uses_uplink)]
