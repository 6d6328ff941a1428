"""The ANT Libya question set: English questions with Arabic twins over news, whose answer spans are quotes of
their articles, and `rag eval --dataset ant-libya` indexing the seed and ANT Libya articles for them."""

import argparse
import json
from collections import Counter

import pytest

from eval.command import _questions, arguments
from eval.datasets import ANT_LIBYA_FILE, ANT_LIBYA_QUESTIONS, load_questions
from index.arabic import normalize
from index.errors import InputError
from index.loading import FieldMap
from rag.settings import Settings


def test_every_question_is_asked_in_english_and_in_arabic_with_the_same_gold_data():
    questions = load_questions(ANT_LIBYA_QUESTIONS)
    pairs: dict[str, dict[str, object]] = {}
    for q in questions:
        pairs.setdefault(q.id.rsplit("-", 1)[0], {})[q.lang] = q
    assert len(questions) == 284 and all(set(p) == {"en", "ar"} for p in pairs.values())
    for p in pairs.values():
        en, ar = p["en"], p["ar"]
        assert (en.answerable, en.gold_docs, en.evidence_any) == (ar.answerable, ar.gold_docs, ar.evidence_any)
        assert not (en.answerable and not en.evidence_any)
    assert Counter(q.answerable for q in questions if q.lang == "en") == {True: 128, False: 14}


@pytest.mark.skipif(not ANT_LIBYA_FILE.is_file(), reason="shared datasets not present")
def test_each_answer_span_is_a_quote_of_its_article():
    lines = ANT_LIBYA_FILE.read_text(encoding="utf-8").splitlines()
    articles = {r["docno"]: normalize(r["text"]) for r in map(json.loads, lines)}
    for q in load_questions(ANT_LIBYA_QUESTIONS):
        if q.answerable:
            (doc,) = q.gold_docs
            assert any(normalize(span) in articles[doc] for span in q.evidence_any), q.id


def test_the_dataset_indexes_the_seed_articles_and_the_ant_libya_articles(tmp_path, monkeypatch):
    parser = argparse.ArgumentParser()
    arguments(parser)
    args = parser.parse_args(["--dataset", "ant-libya"])
    settings = Settings(index_dir=tmp_path / "index", articles_dir=tmp_path / "articles")
    monkeypatch.setattr("eval.command.ANT_LIBYA_FILE", tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="the ANT Libya articles are not at"):
        _questions(args, settings)
    (ant := tmp_path / "ant.jsonl").write_text("", encoding="utf-8")
    monkeypatch.setattr("eval.command.ANT_LIBYA_FILE", ant)
    questions, passages, fields, name = _questions(args, settings)
    assert name == "ant-libya" and len(questions) == 284
    assert passages == [tmp_path / "articles", ant] and fields == FieldMap.parse("ant")
