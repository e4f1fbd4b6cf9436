"""Data readers, deterministic sampling and SQuAD scoring, with hand-made inputs."""

import json

import pytest

from scoutsim.errors import UserError
from scoutsim.oracle import data, scoring

# Real QA files shipped with the tests (tests/fixtures/data/README.md: sources, CC BY-SA 4.0).
REAL = data.Path(__file__).resolve().parents[1] / "fixtures" / "data"


def test_f1_by_hand():
    # pred tokens {tovin, harrowgate, merchant}, gold {tovin, harrowgate}: P = 2/3, R = 1 -> F1 = 0.8
    assert scoring.f1("Tovin Harrowgate, merchant", ["Tovin Harrowgate"]) == pytest.approx(0.8)
    # articles and punctuation are dropped, case folded
    assert scoring.f1("The Halvard Museum.", ["halvard museum"]) == 1.0
    assert scoring.exact_match("The Halvard Museum.", ["halvard museum"]) == 1.0
    # best over gold answers
    assert scoring.f1("Lake Corrin", ["Corrin", "Lake Corrin"]) == 1.0
    # no overlap
    assert scoring.f1("Lake Ombra", ["Halvard Museum"]) == 0.0
    # tokens count with multiplicity: pred "red red" shares one "red" with gold "red":
    # P = 1/2, R = 1/1 -> F1 = 2 * (1/2) * 1 / (1/2 + 1) = 2/3
    assert scoring.f1("red red", ["red"]) == pytest.approx(2 / 3)


def test_unanswerable_scores_only_the_empty_answer():
    assert scoring.f1("", []) == 1.0 and scoring.f1("Paris", []) == 0.0
    assert scoring.exact_match("", [""]) == 1.0


def _squad(tmp_path):
    doc = {"version": "v2.0", "data": [{"title": "T", "paragraphs": [
        {"context": "Alpha beta gamma.", "qas": [
            {"id": "q1", "question": "What is beta?", "answers": [{"text": "beta", "answer_start": 6}],
             "is_impossible": False},
            {"id": "q2", "question": "What is delta?", "answers": [], "is_impossible": True}]},
        {"context": "Second paragraph.", "qas": [
            {"id": "q3", "question": "Which paragraph?", "answers": [{"text": "Second", "answer_start": 0},
                                                                     {"text": "Second", "answer_start": 0}],
             "is_impossible": False}]}]}]}
    p = tmp_path / "squad.json"
    p.write_text(json.dumps(doc))
    return p


def test_squad_reader(tmp_path):
    samples = data.read_dataset(_squad(tmp_path))
    assert [s.source_id for s in samples] == ["q1", "q2", "q3"]
    assert [s.sample_id for s in samples] == [0, 1, 2]
    assert samples[1].answers == () and not samples[1].answerable
    assert samples[2].answers == ("Second",)  # duplicates collapsed
    assert samples[0].context == "Alpha beta gamma."


def test_hotpot_reader(tmp_path):
    p = tmp_path / "hotpot.json"
    p.write_text(json.dumps([{"_id": "h1", "question": "Q?", "answer": "yes", "type": "comparison",
                              "context": [["A", ["One.", " Two."]], ["B", ["Three."]]]}]))
    (s,) = data.read_dataset(p)
    assert s.context == "A: One. Two.\n\nB: Three."
    assert s.answers == ("yes",) and s.source_id == "h1"


def test_jsonl_reader_and_bad_line(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a", "context": "c", "question": "q", "answers": ["x"]}\n'
                 '{"id": "b", "context": "c", "question": "q"}\n')
    with pytest.raises(UserError, match="line 2"):
        data.read_dataset(p)


def test_missing_file_is_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        data.read_dataset(tmp_path / "nope.json")


def test_draw_is_seeded_and_a_prefix_of_one_order(tmp_path):
    samples = data.read_dataset(_squad(tmp_path))
    a = data.draw(samples, 2, seed=3, answerable_only=True)
    assert {s.source_id for s in a} == {"q1", "q3"}  # answerable only
    assert [s.sample_id for s in data.draw(samples, 1, 3, True)] == [a[0].sample_id]
    assert len(data.draw(samples, 3, 3, answerable_only=False)) == 3
    with pytest.raises(UserError, match="only 2 eligible"):
        data.draw(samples, 3, 3, True)


def test_fixture_file_is_readable_and_answerable():
    samples = data.read_dataset(data.Path(__file__).resolve().parents[1] / "fixtures" / "fictional_qa.jsonl")
    assert len(samples) == 8 and all(s.answerable for s in samples)
    # every gold answer is a span of its context (extractive questions)
    assert all(any(a in s.context for a in s.answers) for s in samples)


def test_real_subsets_parse():
    squad = data.read_dataset(REAL / "squad_v2_dev_cs224n_split" / "dev-v2.0.json")
    # the data set's counts (tests/fixtures/data/README.md): 2,910 answerable questions in 16 articles
    assert sum(s.answerable for s in squad) == 2910
    hotpot = data.read_dataset(REAL / "hotpotqa_dev_distractor" / "hotpot_dev_distractor_v1_100.json")
    assert len(hotpot) == 103  # 103 records (tests/fixtures/data/README.md) despite the file name
