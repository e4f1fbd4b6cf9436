"""TCP corrections to the fluid uplink: connection set-up, slow start, headers and loss.

docs/models/uplink.md, "TCP corrections", states them with their check against ns-3. The
fluid model lets a transfer use its whole share from its first instant and counts payload bytes
only. Real TCP spends one RTT on the handshake, then grows its window from ``init_cwnd``
segments by ``growth`` per RTT (slow start) until it covers the bandwidth-delay product, a loss
ends it or the data run out; every segment carries ``header`` bytes besides its ``mss`` of data;
and under a loss rate ``p`` the long-run rate is capped by the AIMD response function
(:attr:`TcpModel.rate_cap`; Mathis et al. 1997 for Reno's ``beta = 0.5``, CUBIC's 0.7, RFC 8312).

Slow start, exactly for a lone flow. With rate ``r`` (its share: before its first loss the
window is not held to the loss limit), RTT ``R`` and window ``w_i = w0 growth**i`` in round
``i``, the sender sends ``w_i`` and waits for its ACKs as long as ``w_i < r R``. Let ``m``
be the first round in which the pipe is full (``w_m >= r R``), the remaining bytes fit
(``cum(m + 1) >= S``, with ``cum(i)`` the bytes of rounds ``0..i-1``), or the first loss is
due (``cum(m + 1) > segment / p``). From round ``m`` on the bytes flow at ``r`` (at most
the loss limit ``c``): TCP finishes at ``H + m R + (S - cum(m)) / c`` (``H`` the
handshake). The uplink holds the transfer back for ``H + m R - cum(m) / c`` and then lets
all ``S`` bytes drain as a fluid transfer, so that they load the link as they do in ns-3.
Where that delay would be negative (a lossy flow's ramp went faster than the cap), the
transfer starts at once with the bytes the ramp sent beyond what the cap allows left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TcpModel:
    rtt_s: float
    init_cwnd: int = 10  # segments (RFC 6928; Linux's and ns-3's default)
    mss: int = 1448  # bytes of payload per segment
    loss: float = 0.0  # packet loss probability
    beta: float = 0.7  # window kept after a loss (CUBIC 0.7, Reno 0.5)
    growth: float = 2.0  # slow start's window growth per RTT (ns-3 with delayed ACKs: about 1.9)
    header: int = 52  # bytes on the wire per segment besides payload: IPv4 20 + TCP 20 + timestamps 12
    handshake: bool = True  # one RTT of SYN / SYN-ACK before the first byte

    def __post_init__(self):
        if not (self.rtt_s >= 0 and math.isfinite(self.rtt_s)):
            raise ValueError(f"rtt_s must be finite and >= 0, got {self.rtt_s}")
        if self.init_cwnd < 1 or self.mss < 1 or self.header < 0:
            raise ValueError("init_cwnd and mss must be >= 1, header >= 0")
        if not 0 <= self.loss < 1:
            raise ValueError(f"loss must be in [0, 1), got {self.loss}")
        if not self.growth > 1:
            raise ValueError(f"growth must be > 1, got {self.growth}")
        if not 0 < self.beta < 1:
            raise ValueError(f"beta must be in (0, 1), got {self.beta}")

    @property
    def segment(self) -> int:
        """Bytes one full segment takes on the wire."""
        return self.mss + self.header

    def on_wire(self, payload: float) -> float:
        """Bytes on the wire for ``payload`` bytes of data: every segment carries headers."""
        return payload * self.segment / self.mss

    @property
    def rate_cap(self) -> float:
        """Loss-limited rate (bytes/s) of one flow in congestion avoidance; infinite without
        loss or RTT."""
        if self.loss <= 0 or self.rtt_s <= 0:
            return math.inf
        b = self.beta
        return self.segment / self.rtt_s * math.sqrt((1 + b) / (2 * (1 - b) * self.loss))

    def ramp(self, size: float, rate: float) -> tuple[float, float]:
        """(delay, fluid bytes): hold the transfer back ``delay`` seconds, then let
        ``fluid bytes`` of it drain as a fluid transfer, for ``size`` bytes on the wire
        (:meth:`on_wire`) at a share of ``rate`` bytes/s (see the module docstring)."""
        setup = self.rtt_s if self.handshake else 0.0
        if size <= 0 or self.rtt_s <= 0 or not rate > 0:
            return setup, size
        pipe = rate * self.rtt_s
        until_loss = self.segment / self.loss if self.loss > 0 else math.inf
        window = float(self.init_cwnd * self.segment)
        sent = 0.0
        rounds = 0
        # Growing windows: at most log_growth(pipe / w0) + 1 rounds.
        while window < pipe and sent + window < size and sent + window <= until_loss:
            sent += window
            window *= self.growth
            rounds += 1
        after = min(rate, self.rate_cap)
        delay = setup + rounds * self.rtt_s - sent / after
        if delay >= 0:
            return delay, size
        # Loss-limited: the ramp's bytes went faster than the cap lets the fluid carry them.
        return 0.0, size + delay * after


def water_fill(weights: list[float], capacity: float, cap: float) -> list[float]:
    """Rates ``min(cap, lam * w)`` summing to ``capacity`` where the caps allow (weighted
    max-min fairness): capped flows leave what they cannot use to the others."""
    order = sorted(range(len(weights)), key=lambda i: -weights[i])  # the heaviest hit the cap first
    rates = [0.0] * len(weights)
    left = capacity
    rest = sum(weights)
    for pos, i in enumerate(order):
        share = left * weights[i] / rest if rest > 0 else 0.0
        if share >= cap:
            rates[i] = cap
            left -= cap
            rest -= weights[i]
        else:
            lam = left / rest
            for j in order[pos:]:
                rates[j] = lam * weights[j]
            break
    return rates


def from_config(tcp, latency_ms: float) -> TcpModel | None:
    """The model for an uplink's ``tcp:`` block (None: no block, the plain fluid model).
    Without ``rtt_ms`` the RTT is twice the uplink's one-way latency."""
    if tcp is None:
        return None
    rtt_ms = tcp.rtt_ms if tcp.rtt_ms is not None else 2.0 * latency_ms
    return TcpModel(rtt_s=rtt_ms / 1000.0, init_cwnd=tcp.init_cwnd, mss=tcp.mss, loss=tcp.loss,
                    beta=tcp.beta, growth=tcp.growth, header=tcp.header, handshake=tcp.handshake)
