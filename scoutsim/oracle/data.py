"""QA data sets the oracle reads, in one shape: :class:`Sample`.

Three formats are read, chosen by content (``detect_format``):

- **SQuAD v2 official JSON**: ``{"version", "data": [{"paragraphs": [{"context", "qas":
  [{"id", "question", "answers": [{"text"}], "is_impossible"}]}]}]}``. Unanswerable
  questions have no answers; their gold answer is the empty string.
- **HotpotQA distractor JSON**: a list of ``{"_id", "question", "answer", "context":
  [[title, [sentences]]]}``. The context is every paragraph, title first, joined by blank
  lines, which is what makes HotpotQA contexts long (about 900 words).
- **JSONL** of ``{"id", "context", "question", "answers": [str]}``: hand-written fixtures
  and anything converted by the user.

``sample_id`` is a record's position in the file (0-based, in file order), so it stays the
same however the subset is drawn. Sampling is deterministic: the eligible records are put
in an order by a permutation drawn from ``numpy.random.default_rng(SeedSequence(seed))``
and the first ``n`` are kept, so asking for more samples later extends the same set
instead of drawing a new one (which is what lets a cache grow by resuming).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scoutsim.errors import UserError
from scoutsim.oraclecache import file_sha256

FORMATS = ("squad", "hotpotqa", "jsonl")


@dataclass(frozen=True)
class Sample:
    sample_id: int
    source_id: str
    context: str
    question: str
    answers: tuple[str, ...] = field(default=())

    @property
    def answerable(self) -> bool:
        return any(a.strip() for a in self.answers)


def detect_format(path: Path) -> str:
    if path.suffix == ".jsonl":
        return "jsonl"
    with open(path, "rb") as fh:
        head = fh.read(4096).lstrip()
    if head.startswith(b"["):
        return "hotpotqa"
    if head.startswith(b"{") and b'"data"' in head or b'"version"' in head:
        return "squad"
    if head.startswith(b"{"):
        return "jsonl"
    raise UserError("cannot tell the data set format; expected SQuAD v2 JSON, HotpotQA JSON or JSONL",
                    source=str(path))


def _squad(doc: dict, path: Path) -> list[Sample]:
    if "data" not in doc:
        raise UserError("SQuAD JSON lacks the top-level 'data' list", source=str(path))
    out: list[Sample] = []
    for article in doc["data"]:
        for para in article.get("paragraphs", ()):
            for qa in para.get("qas", ()):
                answers = () if qa.get("is_impossible") else tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                out.append(Sample(len(out), str(qa["id"]), para["context"], qa["question"], answers))
    return out


def _hotpot(doc: list, path: Path) -> list[Sample]:
    out: list[Sample] = []
    for i, rec in enumerate(doc):
        try:
            paras = [f"{title}: " + " ".join(s.strip() for s in sents) for title, sents in rec["context"]]
            out.append(Sample(len(out), str(rec["_id"]), "\n\n".join(paras), rec["question"], (rec["answer"],)))
        except (KeyError, TypeError, ValueError) as exc:
            raise UserError(f"record {i} is not HotpotQA-shaped ({_why(exc)}); expected _id, question, answer, "
                            "context=[[title,[sentences]]]", source=str(path)) from None
    return out


def _why(exc: Exception) -> str:
    """What is wrong with a record, as a person says it (a missing key, not ``KeyError('answers')``)."""
    return f"no key {exc.args[0]!r}" if isinstance(exc, KeyError) and exc.args else str(exc)


def _jsonl(path: Path) -> list[Sample]:
    out: list[Sample] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            answers = rec["answers"]
            if isinstance(answers, str):
                answers = [answers]
            out.append(Sample(len(out), str(rec["id"]), rec["context"], rec["question"], tuple(answers)))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise UserError(f"not a {{id, context, question, answers}} record ({_why(exc)})",
                            source=str(path), where=f"line {lineno}") from None
    return out


def read_dataset(path: str | Path, fmt: str = "auto") -> list[Sample]:
    path = Path(path)
    if not path.is_file():
        raise UserError("data set file not found", source=str(path))
    fmt = detect_format(path) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise UserError(f"unknown data set format {fmt!r}; expected one of {list(FORMATS)} or auto")
    if fmt == "jsonl":
        return _jsonl(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON: {exc}", source=str(path)) from None
    return _squad(doc, path) if fmt == "squad" else _hotpot(doc, path)


def content_hash(path: str | Path) -> str:
    return file_sha256(path)


def sample_order(samples: list[Sample], seed: int, answerable_only: bool) -> list[Sample]:
    """Every eligible sample in the seed's order; a prefix of it is an ``n``-sample draw."""
    eligible = [s for s in samples if s.answerable or not answerable_only]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    return [eligible[i] for i in rng.permutation(len(eligible))]


def draw(samples: list[Sample], n: int | None, seed: int, answerable_only: bool) -> list[Sample]:
    order = sample_order(samples, seed, answerable_only)
    if n is not None:
        if n < 1:
            raise UserError(f"--samples must be at least 1, got {n}")
        if n > len(order):
            raise UserError(f"asked for {n} samples but the data set has only {len(order)} eligible")
        order = order[:n]
    return order
