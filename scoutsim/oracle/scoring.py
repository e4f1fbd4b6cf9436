"""SQuAD-normalised token F1 and exact match (the official SQuAD v2 evaluation rules).

Normalisation: lower-case, drop punctuation, drop the articles a/an/the, collapse
whitespace. F1 is the harmonic mean of token precision and recall over the bag of
normalised tokens; a prediction is scored against every gold answer and the best counts.
An unanswerable question (no gold answer) scores 1 only for an empty prediction.
"""

from __future__ import annotations

import re
import string
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation)


def normalize(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def f1_one(prediction: str, gold: str) -> float:
    pred, ref = normalize(prediction).split(), normalize(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def f1(prediction: str, answers) -> float:
    answers = [a for a in answers if a.strip()] or [""]
    return max(f1_one(prediction, a) for a in answers)


def exact_match(prediction: str, answers) -> float:
    answers = [a for a in answers if a.strip()] or [""]
    return float(any(normalize(prediction) == normalize(a) for a in answers))
