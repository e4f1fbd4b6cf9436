"""Rate estimators: what an agent believes its next transfer's throughput will be.

Each agent owns one estimator. After every transfer it observes the realised throughput
(payload bytes / time on the link); before choosing a mode it asks :meth:`estimate`. Until
the first observation an estimator answers with its prior: the agent's weighted share of
the channel's mean capacity, ``mean C x w_i / sum(w)``, or with ``estimator_prior: offer``
the rate a transfer joining the link now would get (:class:`Offered`). Units: bytes per second.

``oracle`` is the upper bound: it knows exactly the rate the transfer would get if it joined
the uplink now and nothing changed until it finished.
"""

from __future__ import annotations

from collections import deque
from typing import Callable

from scoutsim.registry import Registry

ESTIMATORS: Registry[type] = Registry("estimator")


class Estimator:
    # Whether the estimate is learned from the transfers observed (an estimator_warmup holds
    # back only such); a plug-in that reads ``probe`` instead sets it False.
    LEARNS = True
    # Whether the estimate may be other than the prior: true from the first observation, except
    # while a warm-up holds it back (WarmUp); the agent tells a policy no error of a held estimate.
    warm = True

    def __init__(self, prior: float, probe: Callable[[], float]):
        self.prior = prior
        self.probe = probe

    def observe(self, nbytes: float, seconds: float) -> None:
        pass

    def estimate(self) -> float:
        raise NotImplementedError

    def estimate_after(self, elapsed: float) -> float:
        """The estimate for a request decided ``elapsed`` seconds after its arrival (after a
        ``cloud_aware: probe`` round trip): a rate estimate does not depend on it."""
        return self.estimate()

    def reprior(self, rate: float) -> None:
        """Take ``rate`` as the prior from now on (:class:`Offered`: the rate on offer it answered
        with); an estimator whose learning starts from its prior starts from this one."""
        self.prior = rate


@ESTIMATORS.register("oracle")
class Oracle(Estimator):
    LEARNS = False

    def estimate(self) -> float:
        return self.probe()


@ESTIMATORS.register("last")
class Last(Estimator):
    def __init__(self, prior, probe):
        super().__init__(prior, probe)
        self.value = prior

    def observe(self, nbytes, seconds):
        if seconds > 0:
            self.value = nbytes / seconds

    def estimate(self):
        return self.value


@ESTIMATORS.register("harmonic")
class Harmonic(Estimator):
    """Harmonic mean of the last :attr:`WINDOW` throughputs (robustMPC's estimate)."""

    WINDOW = 5

    def __init__(self, prior, probe):
        super().__init__(prior, probe)
        # A plain list, oldest first, made at the first observation: a deque costs about
        # 600 bytes even empty, and a city has 10^5 of these.
        self.samples: list[float] | None = None
        self.value = prior  # kept up to date by observe: requests ask far more often

    def observe(self, nbytes, seconds):
        if seconds > 0 and nbytes > 0:
            if self.samples is None:
                self.samples = []
            elif len(self.samples) == self.WINDOW:
                del self.samples[0]
            self.samples.append(nbytes / seconds)
            self.value = len(self.samples) / sum(1.0 / x for x in self.samples)

    def estimate(self):
        return self.value


@ESTIMATORS.register("robust_mpc")
class RobustMpc(Estimator):
    """Pensieve's RobustMPC: the harmonic mean of the last :attr:`WINDOW` throughputs divided
    by ``1 + the largest relative prediction error over the last WINDOW transfers``.

    Each transfer's error is ``|predicted - actual| / actual``, where *predicted* is the
    harmonic-mean estimate (before the discount) that stood when the transfer was observed:
    RobustMPC discounts by how wrong its own throughput predictor has recently been. The
    first transfer is compared with the prior.
    """

    WINDOW = 5

    def __init__(self, prior, probe):
        super().__init__(prior, probe)
        self.samples: deque[float] = deque(maxlen=self.WINDOW)
        self.errors: deque[float] = deque(maxlen=self.WINDOW)
        self.mean = prior  # the undiscounted harmonic mean: the predictor whose errors count
        self.value = prior

    def observe(self, nbytes, seconds):
        if seconds <= 0 or nbytes <= 0:
            return
        x = nbytes / seconds
        self.errors.append(abs(self.mean - x) / x)
        self.samples.append(x)
        self.mean = len(self.samples) / sum(1.0 / s for s in self.samples)
        self.value = self.mean / (1.0 + max(self.errors))

    def estimate(self):
        return self.value

    def reprior(self, rate):
        super().reprior(rate)
        if not self.samples:  # the first transfer's error is against the estimate it was decided with
            self.mean = self.value = rate


class Granted(Estimator):
    """Not chosen by name: under the ``joint`` allocator the device is told the rate it will
    be granted (:func:`scoutsim.decisions.online.grant`) and uses it as its estimate."""

    LEARNS = False

    def estimate(self):
        return self.probe()

    def estimate_after(self, elapsed):
        # The grant is for a transfer due a deadline after arrival, not after the decision.
        return self.probe(elapsed)


@ESTIMATORS.register("ewma")
class Ewma(Estimator):
    """Sabre's pair of EWMAs (half-lives 3 s and 8 s of transfer time); the lower one.

    Each observation of ``x`` bytes/s lasting ``dt`` seconds decays an average by
    ``a = 0.5 ** (dt / half_life)``; dividing by the total weight ``1 - prod(a)`` removes
    the bias towards the zero start.
    """

    HALF_LIVES = (3.0, 8.0)

    def __init__(self, prior, probe):
        super().__init__(prior, probe)
        self.values = [0.0] * len(self.HALF_LIVES)
        self.weights = [0.0] * len(self.HALF_LIVES)

    def observe(self, nbytes, seconds):
        if seconds <= 0 or nbytes <= 0:
            return
        x = nbytes / seconds
        for k, h in enumerate(self.HALF_LIVES):
            a = 0.5 ** (seconds / h)
            self.values[k] = a * self.values[k] + (1 - a) * x
            self.weights[k] = a * self.weights[k] + (1 - a)

    def estimate(self):
        if self.weights[0] == 0:
            return self.prior
        return min(v / w for v, w in zip(self.values, self.weights))


class WarmUp(Estimator):
    """A learned estimator whose estimate stays the prior until the transfers it has observed
    add up to ``min_bytes`` acknowledged or ``min_seconds`` on the link (either; the group's
    ``estimator_warmup``). ExoPlayer's ``DefaultBandwidthMeter`` does the same with 512 KiB or
    2 s: a rate measured on a few kilobytes that cross an idle link in a millisecond says
    little about a transfer of megabytes that lasts seconds and meets everyone else's traffic.
    Every observation still reaches the wrapped estimator, which is used as it is once warm."""

    def __init__(self, inner: Estimator, min_bytes: float, min_seconds: float):
        super().__init__(inner.prior, inner.probe)
        self.inner = inner
        self.min_bytes, self.min_seconds = min_bytes, min_seconds
        self.bytes = self.seconds = 0.0
        self.warm = False

    def observe(self, nbytes, seconds):
        self.inner.observe(nbytes, seconds)
        self.bytes += nbytes
        self.seconds += seconds
        self.warm = self.warm or self.bytes >= self.min_bytes or self.seconds >= self.min_seconds

    def estimate(self):
        return self.inner.estimate() if self.warm else self.prior

    def estimate_after(self, elapsed):
        return self.inner.estimate_after(elapsed) if self.warm else self.prior

    def reprior(self, rate):
        super().reprior(rate)
        self.inner.reprior(rate)


class Offered(Estimator):
    """A learned estimator whose prior is the rate on offer: until its first observation (and
    while a warm-up holds it back) the estimate is the rate a transfer joining the link now
    would get (``probe``, what ``oracle`` reads), not the device's share of the mean capacity
    (the group's ``estimator_prior: offer``).

    Why: the share assumes every other device is sending, so on a cell that is mostly idle
    a device's first requests avoid the modes a lone transfer carries easily. What stands in
    for the probe in a real network: a cell's radio network information service reports the
    uplink's active devices and resource-block usage (ETSI GS MEC 012, the layer-2
    measurements ``number_of_active_ue_ul_nongbr_cell`` and ``ul_total_prb_usage_cell`` of
    ETSI TS 136 314), from which, with the device's own channel quality, its share follows.
    The simulator reads it exactly; a real report is averaged over its period.

    The offer is read at each decision (``+fallback`` plans with the one its request was
    decided with: read later, it would count the request's own transfer as a competitor of its
    fallback). An offer of 0 (a ``max_rate`` cell serving a better device, a trace at 0) says
    nothing of when the link frees: the share prior is answered instead. The wrapped estimator
    takes each offer answered as its prior (:meth:`Estimator.reprior`), so that ``robust_mpc``
    judges its first transfer against the estimate it was decided with. The estimate made so
    is not the learned estimator's: its error is not counted."""

    def __init__(self, inner: Estimator):
        super().__init__(inner.prior, inner.probe)
        self.inner = inner
        self.seen = False

    @property
    def warm(self) -> bool:  # type: ignore[override]
        return self.seen and getattr(self.inner, "warm", True)

    def observe(self, nbytes, seconds):
        self.inner.observe(nbytes, seconds)
        self.seen = self.seen or (nbytes > 0 and seconds > 0)

    def _offered(self) -> float:
        offer = self.probe()
        rate = offer if offer > 0 else self.prior  # the share: Offered's own prior is never replaced
        self.inner.reprior(rate)
        return rate

    def estimate(self):
        return self.inner.estimate() if self.warm else self._offered()

    def estimate_after(self, elapsed):
        return self.inner.estimate_after(elapsed) if self.warm else self._offered()


def build_estimator(name: str, prior: float, probe: Callable[[], float],
                    warmup: tuple[float, float] | None = None, offered: bool = False) -> Estimator:
    """The estimator registered as ``name``; with ``warmup`` (bytes, seconds) a learned one
    keeps to its prior until that much is observed (:class:`WarmUp`); with ``offered`` a
    learned one's prior is the rate on offer (:class:`Offered`)."""
    estimator = ESTIMATORS.get(name)(prior, probe)
    if not getattr(estimator, "LEARNS", True):
        return estimator
    if warmup is not None:
        estimator = WarmUp(estimator, *warmup)
    return Offered(estimator) if offered else estimator
