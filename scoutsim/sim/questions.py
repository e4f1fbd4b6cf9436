"""Which question each request asks, and what that question is like.

An agent draws each request's ``sample_id`` uniformly from its pool: the samples the
oracle measured for every mode of its (edge model, cloud model) pair, whatever subset of
modes the agent may use, so that the same seed asks the same questions under any policy.
A request uses its sample for whichever mode it takes; quality is then that sample's F1
(or the published mean, for a cache of means), and the prompt's length and text size are
that sample's unless the scenario fixes ``context_tokens``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoutsim.oraclecache import OracleCache


@dataclass
class Question:
    sample_id: int
    tokens: int
    context_bytes: int
    question_bytes: int
    answer_tokens: int


class QuestionPool:
    def __init__(self, oracle: OracleCache, edge: str, cloud: str, context_tokens: int | None,
                 answer_tokens: int | None):
        dataset = oracle.meta["dataset"]
        self.bytes_per_token = float(dataset.get("bytes_per_token", 4.0))
        found = oracle.sample_info(edge)
        pair_modes = [m for e, c, m in oracle.entries() if (e, c) == (edge, cloud)]
        measured = [set(oracle.draws(edge, cloud, m).by_sample) for m in pair_modes]
        if found is not None and measured and all(measured):
            ids, info = found
            common = set.intersection(*measured)
            keep = np.isin(ids, sorted(common))
            self.ids = ids[keep]
            self.tokens = info.context_tokens[keep]
            self.context_bytes = info.context_bytes[keep]
            self.question_bytes = info.question_bytes[keep]
            self.answer_tokens = info.answer_tokens[keep]
        else:
            n = int(dataset.get("n", 1))
            self.ids = np.arange(n, dtype=np.int64)
            tokens = int(dataset.get("mean_context_tokens", context_tokens or 1))
            self.tokens = np.full(n, tokens)
            self.context_bytes = np.full(n, int(dataset.get("mean_context_bytes", round(tokens * self.bytes_per_token))))
            self.question_bytes = np.full(n, int(dataset.get("mean_question_bytes", 64)))
            self.answer_tokens = np.full(n, int(dataset.get("mean_answer_tokens", 8)))
        self.fixed_tokens = context_tokens
        self.fixed_answer = answer_tokens
        self._questions: dict[int, Question] = {}
        # cost key of a group -> the costs its questions were found to have, kept across
        # replications (scoutsim.sim.agent.Agent._all_costs): they depend on the question and
        # the group's models, modes and sites only.
        self.cost_memo: dict[str, dict] = {}

    def set_answer_tokens(self, lengths) -> None:
        """Replace every sample's answer length (an assumed distribution, drawn per sample)."""
        self.answer_tokens = np.asarray(lengths, dtype=np.int64)
        self.fixed_answer = None
        self._questions.clear()

    def __len__(self) -> int:
        return len(self.ids)

    def typical_tokens(self) -> int:
        return self.fixed_tokens or int(round(float(np.mean(self.tokens))))

    def typical_question(self) -> Question:
        n = self.typical_tokens()
        return Question(-1, n, int(round(n * self.bytes_per_token)),
                        int(round(float(np.mean(self.question_bytes)))),
                        self.fixed_answer or int(round(float(np.mean(self.answer_tokens)))))

    def draw(self, rng: np.random.Generator) -> Question:
        return self.question(int(rng.integers(len(self.ids))))

    def draw_indices(self, rng: np.random.Generator, n: int) -> list[int]:
        """``n`` draws of :meth:`draw`'s index at once: the same values, in the same order,
        as ``n`` single draws from ``rng``."""
        return rng.integers(len(self.ids), size=n).tolist()

    def question(self, k: int) -> Question:
        """The question at position ``k`` of the pool (the same object every time: treat it
        as read-only)."""
        q = self._questions.get(k)
        if q is None:
            q = self._questions[k] = self._make(k)
        return q

    def _make(self, k: int) -> Question:
        answer = self.fixed_answer or int(self.answer_tokens[k])
        if self.fixed_tokens is None:
            return Question(int(self.ids[k]), int(self.tokens[k]), int(self.context_bytes[k]),
                            int(self.question_bytes[k]), answer)
        # A fixed prompt length keeps the sample's text density (bytes per token).
        density = self.context_bytes[k] / max(int(self.tokens[k]), 1)
        return Question(int(self.ids[k]), self.fixed_tokens, int(round(self.fixed_tokens * density)),
                        int(self.question_bytes[k]), answer)
