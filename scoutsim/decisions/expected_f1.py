"""``expected_f1``: the mode of highest expected F1 with misses scored 0 (docs/models/policies.md).

Its own module because it is the one policy that learns (:class:`scoutsim.decisions.policy.Learner`)
and prices; the interface it implements is :mod:`scoutsim.decisions.policy`'s, like any plug-in.
"""

from __future__ import annotations

import math

from scipy.special import stdtr

from scoutsim.decisions.policy import DECLINE, POLICIES, Policy


@POLICIES.register("expected_f1")
class ExpectedF1(Policy):
    """The mode of highest expected F1 with misses scored 0: each mode's quality times its
    chance of being on time, worked out from what the device has seen of its own transfers.

    *Model.* The rate a transfer will get is ``estimate x exp(mu + sigma Z)``, Z standard
    normal, with ``mu`` and ``sigma`` the mean and standard deviation of ``ln(actual /
    estimate)`` over the option's own last :attr:`WINDOW` transfers (a bf16 transfer lasts
    twice an int8 one and meets more of the others' traffic); the estimate a request was
    chosen with is the one
    compared, and not the prior's (nothing seen yet: that is no prediction error). A mode
    predicted to need ``fixed`` seconds off the link and ``t`` on it is then on time with
    probability ``Phi((ln((D - fixed) / t) + mu) / sigma)`` (0 if ``fixed >= D``; by the point
    prediction if ``sigma`` is 0). With fewer than two errors ``sigma`` is
    :attr:`PRIOR_SIGMA`. ``local`` sends nothing: its chance is 1 or 0.
    *Record.* A transfer mode predicted to fit also has its on-time record: of the last
    :attr:`RECORD` requests sent in it, how many were on time without falling back. The chance
    is that record shrunk towards the model's chance, which counts as :attr:`WEIGHT`
    requests: ``(on time + WEIGHT x model) / (sent + WEIGHT)``. Rate errors alone misjudge
    links whose rate is not the device's to predict (a deadline-first allocator slows a
    transfer exactly when it has slack; work-conserving sharing never gives less than the
    weighted share), and the record is what corrects them.
    *Value.* Quality x chance; with ``+fallback`` a transfer that goes badly is stopped and
    answered in a fallback mode, so a transfer mode also scores (1 - chance) x the best
    fallback's own quality x chance. Equal values go to the surer mode (a rescue by a
    fallback is itself a gamble), then to the faster. A request that no mode can make is a
    sure miss whatever is sent. *Declined* (``expected_f1:decline``; the recommendation,
    ``expected_f1:in_flight,decline,cloud_priced,own_edge,predictive,live`` with ``cloud_aware: probe``
    and ``estimator_prior: offer``,
    has it: docs/models/decisions-family.md): when every mode
    misses the deadline even with its transfer taken as instant (``Situation.floors``: the
    edge, the latency and the cloud's wait as a status request reported it already make it
    late, not the link), the request is not sent (:data:`DECLINE`); sending it would only load
    the edge or the cloud queue that makes it late, for requests that could still be on time
    behind it. Otherwise
    (and always without ``decline``) it sends the smallest payload there is (least time on the
    link, then least edge compute; ``local`` only when nothing is sent), so that it holds the
    edge for a prefill, not for a slow local decode that would make the next request late too
    (``adaptive`` takes the fastest mode, often ``local``), and its transfer shows the device
    the rate it gets (a device left the floor weight otherwise never learns that others leave
    it capacity under work-conserving sharing).
    *In flight* (``expected_f1:in_flight``). An outcome reaches the record only when its
    answer comes back, often seconds after the deadline; meanwhile the device goes on
    choosing with a record that does not know. With ``in_flight`` the record also counts, as
    misses for as long as they stay in flight, what the device already knows of its requests
    still in flight: one past its predicted time (the prediction has failed for it) or past
    its deadline (a miss whatever comes), and every one sent in a mode that has no settled
    outcome yet (a mode is trusted with one request at a time until it proves itself). A
    transfer mode predicted to fit then has the chance ``(on time + WEIGHT x model) / (sent +
    counted + WEIGHT)``; a request's true outcome replaces it when it ends. Why: the model sees
    only the link's uncertainty and takes the rest (edge queue, cloud queue, cloud compute) as
    known, so a mode whose time is mostly the cloud's (``text``) looks sure until its answers
    come back late; devices that start together each send it several times before the first
    answer returns, and the queue they make is what makes it late.
    *Priced* (``expected_f1:priced``; ``:cloud_priced``, the cloud's toll alone). Each option
    also has a toll, ``Situation.tolls``: the F1 its work is expected to take from the requests
    that queue behind it (:mod:`scoutsim.sim.congestion`). Among the options of positive value
    the choice is the highest value less toll (ties as above); a sure miss is handled as
    without it. Why: a device choosing alone takes a mode a little better for its request and
    much heavier on a shared server as if that load were free (docs/models/policies.md).
    *Predictive* (``expected_f1:predictive``). With ``n >= 2`` errors seen, ``mu`` and
    ``sigma`` are estimates from ``n`` draws, not the law's parameters, and the next error's
    distribution is wider: ``mu + sigma sqrt(1 + 1/n) T``, T a Student t with ``n - 1``
    degrees of freedom (the normal model's predictive distribution under the usual
    noninformative prior: Gelman et al., *Bayesian Data Analysis*, 3rd ed., sec. 3.2; the
    frequentist prediction interval is the same). Why: a device that has seen three steady
    transfers of a mode reads ``sigma`` as small and the mode as nearly sure; the t's tails
    keep what three draws cannot rule out (docs/models/decisions-family.md, seed 1202's
    family_029: a constant link shared by six devices, whose bf16 transfers met the others'
    traffic one time in five).
    *Live* (``expected_f1:live``). The rate estimate the chances start from is capped by the
    rate the device's own transfers still on the link get now (the fastest of them; the
    agent does it, :meth:`scoutsim.sim.agent.Agent.live_rate`). An estimator learns from
    transfers that have ended; a device whose transfers are stuck (the channel fell to a low
    state, or many devices joined the cell) sees no ending and goes on sending at a rate it
    no longer gets, each new transfer behind the others. A sender knows the rate its
    transfers get now from their acknowledgements, as BBR samples the delivery rate (N.
    Cardwell et al., "BBR: congestion-based congestion control", ACM Queue 14(5), 2016); a
    new transfer of the same device would get no more.
    *Own edge* (``expected_f1:own_edge``). Each option also pays for the time it holds the
    device's own edge: a request of the device's that arrives ``u`` seconds into the option's
    ``e`` seconds of edge work waits ``w = e - u`` longer, and loses ``V(0) - V(w)``, ``V(w)``
    the best quality x chance of the present request held ``w`` seconds longer (standing in for
    the next one's: the same options, the same link); summed over the requests expected to
    arrive then, read off the device's own last arrivals (:meth:`followers`, the empirical
    renewal measure, so a periodic device whose next request comes after the job pays nothing,
    and a Poisson one pays for ``lam e``). It is added to the option's toll. Why: a slow
    ``local`` decode is on time itself and makes the next requests late on the edge (three
    devices whose 181 ``local`` answers, each on time, left 45 of the requests behind them
    declined: docs/models/decisions-family.md); a delayed request loses only what its best
    option loses, not its quality, as ``priced``'s edge toll counted it. Left out: requests
    after the next one and the delay they pass on; a queue already on the edge (a request
    arriving while it drains waits the whole ``e`` more, not ``e - u``); and, after a
    ``cloud_aware: probe`` round trip, that the job starts ``elapsed`` after the arrivals are
    counted from. A wait is never counted as a gain.
    """

    WINDOW = 10  # rate errors kept per option
    RECORD = 20  # on-time outcomes kept per option
    WEIGHT = 2.0  # how many requests the model's chance counts as against the record
    # Before two errors are known: the realised rate is within a factor of two of the
    # estimate about two times in three (the estimate is then the prior, a share of the mean
    # capacity that others' traffic may halve or double under work-conserving sharing).
    PRIOR_SIGMA = math.log(2.0)

    ARGS = ("in_flight", "decline", "priced", "cloud_priced", "own_edge", "predictive", "live")  # flags, NAME or NAME,NAME (canonical: in this order)

    @classmethod
    def parse_arg(cls, arg):
        if arg is None:
            return None
        flags = arg.split(",")
        if any(f not in cls.ARGS for f in flags) or len(set(flags)) != len(flags):
            raise ValueError(f"takes no argument or one or more of {list(cls.ARGS)} joined by ',', not {arg!r}")
        if "priced" in flags and "cloud_priced" in flags:
            raise ValueError("takes priced or cloud_priced, not both (two ways of pricing the same load)")
        if "priced" in flags and "own_edge" in flags:
            raise ValueError("takes priced or own_edge, not both (two ways of pricing the edge)")
        return ",".join(f for f in cls.ARGS if f in flags)

    @classmethod
    def may_decline(cls, arg):
        return "decline" in (arg or "").split(",")

    def __init__(self, arg: str | None = None):
        # Per option, oldest first: ln(actual / estimate) of its transfers, and its outcomes.
        self.errors: dict[int, list[float]] = {}
        self.outcomes: dict[int, list[bool]] = {}
        flags = (arg or "").split(",")
        # expected_f1:in_flight: the agent hands decide its requests still in flight.
        self.reads_in_flight = "in_flight" in flags
        # expected_f1:decline: a request late whatever the link does is declined (*Declined*).
        self.declines = "decline" in flags
        # expected_f1:priced and :cloud_priced: each option's value less its toll (*Priced*).
        self.tolls_on = ("edge", "cloud") if "priced" in flags else ("cloud",) if "cloud_priced" in flags else ()
        self.exact_slack = "cloud_priced" in flags
        self.reads_tolls = bool(self.tolls_on)
        # expected_f1:predictive: the next error's predictive distribution (*Predictive*).
        self.predictive = "predictive" in flags
        # expected_f1:live: the agent caps the rate estimate by its transfers' rate now (*Live*).
        self.live_rate = "live" in flags
        # expected_f1:own_edge: edge work priced by what it takes from the device's next requests.
        self.own_edge = self.reads_arrivals = "own_edge" in flags

    def outcome(self, option: int, on_time: bool) -> None:
        log = self.outcomes.setdefault(option, [])
        if len(log) == self.RECORD:
            del log[0]
        log.append(on_time)

    def record(self, option: int, ratio: float) -> None:
        e = math.log(ratio)
        log = self.errors.setdefault(option, [])
        if len(log) == self.WINDOW:
            del log[0]
        log.append(e)

    @classmethod
    def spread(cls, errors) -> tuple[float, float]:
        """Mean and standard deviation of ``ln(actual / estimate)``: of ``errors`` when there
        are two or more, else 0 and :attr:`PRIOR_SIGMA`."""
        n = len(errors)
        if n < 2:
            return 0.0, cls.PRIOR_SIGMA
        mu = sum(errors) / n
        return mu, math.sqrt(sum((e - mu) ** 2 for e in errors) / (n - 1))

    @staticmethod
    def chance(seconds: float, transfer: float, deadline_s: float, mu: float, sigma: float,
               seen: int = 0) -> float:
        """P(on time) of a mode predicted to take ``seconds``, ``transfer`` of them on the link
        at the estimate: the realised transfer takes ``transfer / exp(mu + sigma Z)``, Z
        standard normal; or, with ``seen`` (two or more) the number of errors ``mu`` and
        ``sigma`` were measured from, Z is ``sqrt(1 + 1 / seen)`` times a Student t with
        ``seen - 1`` degrees of freedom (*Predictive* in the class's docstring)."""
        slack = deadline_s - (seconds - transfer)
        if slack <= 0:
            return 0.0
        if transfer <= 0 or math.isinf(transfer):
            return 1.0 if transfer <= 0 else 0.0
        z = math.log(slack / transfer) + mu
        if sigma == 0:
            return 1.0 if z >= 0 else 0.0
        if seen >= 2:
            return float(stdtr(seen - 1, z / (sigma * math.sqrt(1 + 1 / seen))))
        return 0.5 * math.erfc(-z / (sigma * math.sqrt(2)))

    def counted(self, in_flight, deadline_s: float, n: int) -> list[int]:
        """Per option, how many of the requests ``in_flight`` ((option, seconds since arrival,
        predicted seconds) each) count as misses (*In flight* above); all 0 without
        ``in_flight``."""
        out = [0] * n
        if not self.reads_in_flight:
            return out
        for i, elapsed, predicted in in_flight:
            if elapsed > min(predicted, deadline_s) or not self.outcomes.get(i):
                out[i] += 1
        return out

    def chances_by_delay(self, situation, late):
        """A function of ``delay`` giving each option's chance of being on time (the model, shrunk
        towards its record) for the request held that much longer on the edge first (0: as it
        is); what each chance is worked from (its errors' spread, its record) is taken once, as
        the own-edge toll asks at several delays per decision."""
        deadline_s, predictive = situation.deadline_s, self.predictive
        parts = []
        for i, (s, transfer) in enumerate(zip(situation.seconds, situation.transfers)):
            errors = self.errors.get(i, ())
            mu, sigma = self.spread(errors)
            log = self.outcomes.get(i, ())
            # A transfer mode's record, (on time, sent + counted), applied while it is predicted to fit.
            record = (sum(log), len(log) + late[i]) if (log or late[i]) and transfer > 0 else None
            parts.append((s, transfer, mu, sigma, len(errors) if predictive else 0, record))

        def at(delay: float) -> list[float]:
            out = []
            for s, transfer, mu, sigma, seen, record in parts:
                s += delay
                p = self.chance(s, transfer, deadline_s, mu, sigma, seen)
                if record is not None and s <= deadline_s:
                    p = (record[0] + self.WEIGHT * p) / (record[1] + self.WEIGHT)
                out.append(p)
            return out

        return at

    EDGE_BINS = 4  # the own-edge toll groups the next requests' delays into this many bins

    @classmethod
    def followers(cls, ago, e: float) -> list[tuple[float, float]]:
        """(seconds after one of the device's requests, expected number) of the requests that
        follow it within ``e`` seconds, from its own arrivals ``ago`` (seconds before now, oldest
        first): over each arrival at least ``e`` ago, every later one within ``e`` of it, each
        counting ``1 / (such arrivals)`` (the empirical renewal measure: a periodic device has
        none within its period, a Poisson one ``lam e`` spread evenly). With no arrival that
        old, the rate over the span seen or ``e`` if longer (two arrivals a few ms apart at a
        run's start are no rate), times ``e``, at the middles of :attr:`EDGE_BINS` bins; with
        fewer than two arrivals, none."""
        offsets, origins = [], 0
        for i, a in enumerate(ago):  # oldest first: the origins are a prefix, and so are followers
            if a < e:
                break
            origins += 1
            for j in range(i + 1, len(ago)):
                if a - ago[j] > e:
                    break
                offsets.append(a - ago[j])
        if origins:
            weight = 1.0 / origins
            return [(u, weight) for u in offsets]
        if len(ago) < 2:
            return []
        per_bin = (len(ago) - 1) / max(ago[0], e) * e / cls.EDGE_BINS
        return [((k + 0.5) * e / cls.EDGE_BINS, per_bin) for k in range(cls.EDGE_BINS)]

    def edge_tolls(self, situation, chances_at) -> list[float]:
        """Per option, the F1 its edge work takes from the device's own next requests
        (*Own edge* in the class's docstring): a request arriving ``u`` seconds into its ``e``
        seconds waits ``w = e - u`` more and loses ``V(0) - V(w)``; summed over
        :meth:`followers`, grouped into :attr:`EDGE_BINS` bins of ``u``, each at its mean;
        ``chances_at``: :meth:`chances_by_delay` of the decision."""
        ago, qualities = situation.arrivals, situation.qualities
        best_now = max(q * p for q, p in zip(qualities, chances_at(0.0)))
        followers: dict[float, list[tuple[float, float]]] = {}  # by edge time: options often share one
        out = []
        for e in situation.edge:
            bins = [[0.0, 0.0] for _ in range(self.EDGE_BINS)]  # expected count, sum of count x u
            if e > 0 and e not in followers:
                followers[e] = self.followers(ago, e)
            for u, n in (followers[e] if e > 0 else ()):
                b = bins[min(int(u / e * self.EDGE_BINS), self.EDGE_BINS - 1)]
                b[0] += n
                b[1] += n * u
            toll = 0.0
            for n, nu in bins:
                if n > 0:
                    w = e - nu / n
                    # A wait never gains: past the deadline a mode's record no longer applies, and
                    # its bare chance may exceed the one its misses had shrunk.
                    toll += n * max(0.0, best_now - max(q * p for q, p in zip(qualities, chances_at(w))))
            out.append(toll)
        return out

    def decide(self, situation):
        """Each option's chance of being on time (the model, shrunk towards its record), then the
        option of highest value (the class's docstring)."""
        seconds, transfers, qualities = situation.seconds, situation.transfers, situation.qualities
        deadline_s, fallbacks = situation.deadline_s, situation.fallbacks
        late = self.counted(situation.in_flight, deadline_s, len(seconds))
        chances_at = self.chances_by_delay(situation, late)
        chances = chances_at(0.0)
        tolls = situation.tolls
        if self.own_edge:
            edge = self.edge_tolls(situation, chances_at)
            tolls = [a + b for a, b in zip(tolls, edge)] if tolls else edge
        best, key = -1, (-math.inf, 0.0, 0.0)
        for i, s in enumerate(seconds):
            p = chances[i]
            v = qualities[i] * p
            if transfers[i] > 0 and p < 1:
                v += (1 - p) * max((qualities[j] * chances[j] for j in fallbacks if j != i), default=0.0)
            net = v - tolls[i] if tolls else v
            # Equal values: the surer mode (a rescue by a fallback is itself a gamble), then the faster.
            if v > 0 and (net, p, -s) > key:
                best, key = i, (net, p, -s)
        if best >= 0:
            return best
        if self.declines and situation.floors and all(f > deadline_s for f in situation.floors):
            return DECLINE
        return min(range(len(seconds)), key=lambda i: (transfers[i] <= 0, transfers[i], situation.edge[i]))
