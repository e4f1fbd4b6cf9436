"""Prompts, and where the context and the question sit in token space.

Selection (Q2C, SnapKV, H2O, random) may only drop *context* tokens and Q2C reads the
attention *from question tokens*. A chat model's prompt wraps both in template tokens
(``<|im_start|>system ... <|im_start|>user ...``), so the spans must be located on the
token ids that the model actually sees, not guessed from the raw strings: a selection
computed over the whole prompt silently drops template tokens (docs/oracle.md).

The prompt is rendered as text (with the model's chat template when it has one), then
tokenised once with character offsets; the context span is every token whose characters
overlap the context string, likewise for the question. Tokens that straddle a boundary
(rare: BPE merges across the separator) count as context, so nothing of the context is
left unselectable.

``template_hash`` is the sha256 of the prompt rendered with placeholder strings: it
changes exactly when the template or the instruction changes, which is what the cache's
provenance needs to record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import torch

from scoutsim.errors import UserError

# Small instruct models answer in whole sentences unless told the answer's form; a
# sentence around a correct span costs SQuAD F1 (0.64 vs 0.83 mean F1 of the 0.5B model
# on the eight fictional fixture questions with the earlier "shortest span" wording).
SYSTEM = ("Extract the answer from the context. Output only the answer words (a name, number, "
          "date or short phrase), never a full sentence.")
USER = "Context:\n{context}\n\nQuestion: {question}"


@dataclass(frozen=True)
class Prompt:
    input_ids: torch.Tensor  # (1, n) int64
    context: tuple[int, int]  # token span [start, end)
    question: tuple[int, int]

    @property
    def length(self) -> int:
        return int(self.input_ids.shape[1])

    @property
    def context_tokens(self) -> int:
        return self.context[1] - self.context[0]


def render(tokenizer, context: str, question: str) -> str:
    user = USER.format(context=context, question=question)
    if getattr(tokenizer, "chat_template", None):
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    # Base models: a plain instruction with an answer cue.
    return f"{SYSTEM}\n\n{user}\nAnswer:"


def template_hash(tokenizer) -> str:
    return hashlib.sha256(render(tokenizer, "\x00CONTEXT\x00", "\x00QUESTION\x00").encode()).hexdigest()


def _span(offsets: list[tuple[int, int]], lo: int, hi: int) -> tuple[int, int]:
    idx = [i for i, (a, b) in enumerate(offsets) if b > a and a < hi and b > lo]
    if not idx:
        raise UserError(f"no token covers characters {lo}..{hi} of the prompt")
    return idx[0], idx[-1] + 1


def build_prompt(tokenizer, context: str, question: str) -> Prompt:
    text = render(tokenizer, context, question)
    user = USER.format(context=context, question=question)
    base = text.index(user)  # the template embeds the user turn verbatim
    c_lo = base + user.index(context)
    q_lo = base + len(user) - len(question)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    ctx = _span(offsets, c_lo, c_lo + len(context))
    q = _span(offsets, q_lo, q_lo + len(question))
    if q[0] < ctx[1]:  # a straddling token belongs to the context
        q = (ctx[1], q[1])
    if q[0] >= q[1]:
        raise UserError("the question has no token of its own after the context")
    return Prompt(torch.tensor([enc["input_ids"]], dtype=torch.long), ctx, q)
