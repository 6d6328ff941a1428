"""The answerability model: term coverage, the logistic score, the bundled model, and the generator's support."""

import json

import pytest

from index.lexical import BM25, analyze
from index.types import Chunk, Hit
from rag.answerability import (
    MODEL_FILE,
    AnswerabilityModel,
    LanguageModel,
    bundled_model,
    question_terms,
    term_coverage,
)
from rag.background import Background
from rag.generators.extractive import ExtractiveGenerator
from rag.lexicon import Lexicon
from rag.names import ArchiveNames
from tests.fakes import FlatEmbedder, HashEmbedder, make_query, sentences_hit
from tests.rag.conftest import make_kb


class Stats:
    n = 100

    def df(self, term: str) -> int:
        return {"داعش": 90, "سرت": 80, "انتقل": 2}.get(term, 0)


def test_a_rare_term_outweighs_common_ones_and_an_unknown_term_weighs_like_the_rarest():
    terms = ["داعش", "سرت", "انتقل"]
    assert term_coverage(Stats(), terms, ["داعش في سرت"]) < 0.2
    assert term_coverage(Stats(), terms, ["انتقلوا"]) > 0.8
    assert term_coverage(Stats(), ["داعش", "باريس"], ["داعش"]) < 0.1  # باريس: never seen, as rare as can be


def test_coverage_is_that_of_the_best_single_text_and_zero_without_texts():
    assert term_coverage(Stats(), ["سرت", "انتقل"], ["سرت", "انتقل"]) < 1.0
    assert term_coverage(Stats(), ["سرت"], []) == 0.0 and term_coverage(Stats(), [], ["سرت"]) == 0.0


def test_question_words_are_not_terms():
    assert question_terms("أين انتقل داعش بعد سرت؟") == ["انتقل", "داعش", "سرت"]


def test_the_probability_rises_with_a_positively_weighted_signal():
    m = LanguageModel(features=("cosine", "names"), mean=(0.8, 0.5), scale=(0.1, 0.5), weights=(2.0, 1.0),
                      bias=0.0, threshold=0.5)
    assert m.probability({"cosine": 0.8, "names": 0.5}) == pytest.approx(0.5)
    assert m.probability({"cosine": 0.9, "names": 0.5}) > m.probability({"cosine": 0.8, "names": 0.5})
    assert m.probability({"cosine": 0.8, "names": 0.0}) < 0.5


SIGNALS = {"cosine", "level", "lexical", "lexical_sentence", "names", "places", "passage"}  # what drafts carry


def test_the_bundled_model_covers_both_languages_with_signals_the_generator_computes():
    model = bundled_model()
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert set(model.by_language) == {"en", "ar"} and data["command"] and data["training_figures"]
    assert all(set(m.features) <= SIGNALS and 0 < m.threshold < 1 for m in model.by_language.values())


def test_the_generator_support_is_the_models_probability_of_its_signals(tmp_path):
    kb = make_kb(tmp_path)
    emb = HashEmbedder()
    model = AnswerabilityModel({lang: LanguageModel(("cosine", "lexical", "names"), (0.5, 0.5, 0.5), (0.1, 0.2, 0.5),
                                                    (1.0, 1.0, 1.0), 0.0, 0.5) for lang in ("en", "ar")})
    gen = ExtractiveGenerator(emb, store=kb.store, background=Background(emb), model=model,
                              lexical=lambda: kb.lexical.get(), names=kb.names)
    query = make_query("أين تقع قاعة واغادوغو في سرت؟", emb)
    hits = kb.retriever("hybrid").retrieve(query, 5)
    draft = gen.generate(query, hits)
    assert set(draft.signals) == SIGNALS
    assert draft.signals["passage"] == pytest.approx(hits[0].score, abs=1e-4)  # the top passage's dense cosine
    assert draft.support == pytest.approx(model.support("ar", draft.signals), abs=1e-3)
    assert draft.signals["lexical"] > 0.5  # the passage names the hall
    assert draft.signals["places"] == 1.0 and draft.support > 0


def test_a_question_about_a_place_no_retrieved_passage_mentions_has_no_support(tmp_path):
    kb = make_kb(tmp_path)
    emb = HashEmbedder()
    gen = ExtractiveGenerator(emb, store=kb.store, background=Background(emb), model=bundled_model(),
                              lexical=lambda: kb.lexical.get(), names=kb.names)
    query = make_query("أين تقع قاعة واغادوغو في المغرب؟", emb)
    draft = gen.generate(query, kb.retriever("hybrid").retrieve(query, 5))
    assert draft.parts and draft.signals["places"] == 0.0 and draft.support == 0.0


def test_the_support_is_the_probability_scaled_by_the_share_of_places_found():
    model = AnswerabilityModel({"en": LanguageModel(("cosine",), (0.5,), (0.1,), (1.0,), 0.0, 0.5)})
    assert model.support("en", {"cosine": 0.5, "places": 0.5}) == pytest.approx(0.25)
    assert model.support("en", {"cosine": 0.5}) == pytest.approx(0.5)  # a draft without the signal: unscaled


def test_a_model_without_the_lexical_index_is_refused():
    with pytest.raises(ValueError, match="lexical"):
        ExtractiveGenerator(HashEmbedder(), model=bundled_model(),
                            names=ArchiveNames(lambda: BM25([Chunk("c", "d", "x", 0, 1, 0)])))


def test_a_follow_ups_terms_are_those_of_the_conversations_question_too(tmp_path):
    from rag.query import build_query
    from rag.types import Turn

    kb = make_kb(tmp_path)
    emb = HashEmbedder()
    gen = ExtractiveGenerator(emb, store=kb.store, background=Background(emb), model=bundled_model(),
                              lexical=lambda: kb.lexical.get(), names=kb.names)
    query = build_query("وماذا عنها؟", emb, history=[Turn(role="user", content="ماذا حدث في قاعة واغادوغو؟")])
    hits = kb.retriever("hybrid").retrieve(query, 5)
    alone = gen.generate(make_query("وماذا عنها؟", emb), hits).signals["lexical"]
    assert gen.generate(query, hits).signals["lexical"] > max(alone, 0.3)  # the hall is named only before it


def test_a_place_only_a_passage_the_answer_does_not_cite_mentions_gives_no_support(tmp_path):
    emb = FlatEmbedder()
    cited = sentences_hit(["عاصمة البلاد تشهد اجتماعا للحكومة اليوم في القصر"])
    elsewhere = Hit(Chunk("c9", "d9", "وصل مقاتلون من مالي والمغرب وموريتانيا إلى المدينة", 0, 50, 0), 0.8)
    gen = ExtractiveGenerator(emb, background=Background(emb), model=bundled_model(),
                              lexical=lambda: BM25([cited.chunk, elsewhere.chunk]),
                              names=ArchiveNames(lambda: BM25([cited.chunk, elsewhere.chunk])),
                              lexicon=Lexicon({"capital": tuple(analyze("عاصمة"))}), margin=0.0)
    query = make_query("What is the capital of Morocco?", emb)
    draft = gen.generate(query, [cited, elsewhere])
    assert [p.text for p in draft.parts] == [cited.chunk.text.strip()]  # the capital sentence alone is cited
    assert draft.signals["places"] == 0.0 and draft.support == 0.0  # Morocco is only in the passage not cited
