"""Compute times at the edge and in the cloud, from the oracle's measured timings.

Times come from the oracle cache's timing table, measured on the oracle's device as a
function of context tokens, multiplied by the site's ``slowdown`` relative to that device;
a site that states ``prefill_tokens_per_s`` uses ``tokens / rate`` for prefill instead.
Nothing is ever silently zero: a missing timing is a validation error.

What each mode costs (``n`` prompt tokens, ``m = ceil(r n)`` kept, ``A`` answer tokens):

* edge, every mode but ``text``: prefill of the edge model over ``n`` tokens;
  selection modes and ``scout`` add ``select(n)``; quantized KV adds ``quantize(m)``.
  ``local`` answers on the edge: its first token comes out of the prefill.
* cloud, KV modes: ingest (``dequantize(m)``, or ``quantize(m)`` where the oracle did not
  time dequantization separately, for quantized KV) plus one decode step of the edge's
  model, which produces the first token from the received cache.
* cloud, ``scout`` and ``text``: a full prefill of the cloud model over ``n`` tokens (scout
  applies its mask inside that prefill); the first token comes out of it.
* ``deadline_on: answer`` adds ``A - 1`` decode steps of whichever model answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoutsim.modes import Mode
from scoutsim.oraclecache import OracleCache
from scoutsim.physics.payload import kept_positions


@dataclass(frozen=True)
class Site:
    slowdown: float
    prefill_tokens_per_s: float | None = None


class ComputeModel:
    def __init__(self, oracle: OracleCache, edge_model: str, cloud_model: str,
                 edge: Site, cloud: Site, whole_answer: bool):
        self.oracle = oracle
        self.edge_model = edge_model
        self.cloud_model = cloud_model
        self.edge = edge
        self.cloud = cloud
        self.whole_answer = whole_answer

    @staticmethod
    def required(mode: Mode, edge_model: str, cloud_model: str, edge: Site, cloud: Site,
                 whole_answer: bool) -> set[tuple[str, str]]:
        """(model, op) timings a mode needs from the oracle."""
        need: set[tuple[str, str]] = set()
        if mode.kind != "text" and edge.prefill_tokens_per_s is None:
            need.add((edge_model, "prefill"))
        if mode.selects:
            need.add((edge_model, "select"))
        if mode.quantized:
            need.add((edge_model, "quantize"))
        if mode.kind == "kv":
            need.add((edge_model, "decode_token"))
        if mode.kind in ("scout", "text"):
            if cloud.prefill_tokens_per_s is None:
                need.add((cloud_model, "prefill"))
            if whole_answer:
                need.add((cloud_model, "decode_token"))
        if mode.kind == "local" and whole_answer:
            need.add((edge_model, "decode_token"))
        return need

    def _op(self, site: Site, model: str, op: str, tokens: float) -> float:
        return self.oracle.seconds(model, op, tokens) * site.slowdown

    def _prefill(self, site: Site, model: str, tokens: int) -> float:
        if site.prefill_tokens_per_s is not None:
            return tokens / site.prefill_tokens_per_s
        return self._op(site, model, "prefill", tokens)

    def _answer_tail(self, site: Site, model: str, answer_tokens: int) -> float:
        if not self.whole_answer or answer_tokens <= 1:
            return 0.0
        return (answer_tokens - 1) * self._op(site, model, "decode_token", 0)

    def edge_seconds(self, mode: Mode, tokens: int, answer_tokens: int) -> float:
        t = 0.0
        if mode.kind != "text":
            t += self._prefill(self.edge, self.edge_model, tokens)
        if mode.selects:
            t += self._op(self.edge, self.edge_model, "select", tokens)
        if mode.quantized:
            t += self._op(self.edge, self.edge_model, "quantize", kept_positions(tokens, mode.retention))
        if mode.kind == "local":
            t += self._answer_tail(self.edge, self.edge_model, answer_tokens)
        return t

    def edge_prefill_seconds(self, tokens: int) -> float:
        """The edge prefill every mode but ``text`` starts with (:meth:`edge_seconds`)."""
        return self._prefill(self.edge, self.edge_model, tokens)

    def cloud_seconds(self, mode: Mode, tokens: int, answer_tokens: int) -> float:
        if mode.kind == "local":
            return 0.0
        if mode.kind == "kv":
            t = 0.0
            if mode.quantized:
                op = "dequantize" if self.oracle.has_timing(self.edge_model, "dequantize") else "quantize"
                t += self._op(self.cloud, self.edge_model, op, kept_positions(tokens, mode.retention))
            t += self._op(self.cloud, self.edge_model, "decode_token", tokens)
            return t + self._answer_tail(self.cloud, self.edge_model, answer_tokens)
        t = self._prefill(self.cloud, self.cloud_model, tokens)
        return t + self._answer_tail(self.cloud, self.cloud_model, answer_tokens)
