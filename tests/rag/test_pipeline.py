"""answer(): citations, abstention, language, follow-ups, filters; real Chroma + hash embedder."""

import re

import pytest

from index.lexical import LexicalIndex
from rag.generators.extractive import ExtractiveGenerator
from rag.pipeline import NOT_FOUND, answer
from rag.query import question_language, retrieval_query
from rag.retrieval import DenseRetriever, Filters, HybridRetriever, LexicalRetriever, diversify
from rag.types import Turn
from tests.conftest import ARTICLES
from tests.fakes import HashEmbedder, make_query
from tests.rag.conftest import make_kb

QUESTION = "أين تقع قاعة واغادوغو في سرت؟"


@pytest.fixture
def kb(tmp_path):
    base = make_kb(tmp_path)
    return {"retriever": base.retriever("hybrid"), "generator": ExtractiveGenerator(base.embedder),
            "store": base.store, "emb": base.embedder, "lexical": base.lexical}


def thresholds(value: float) -> dict[str, float]:
    return {"en": value, "ar": value}


def ask(kb, question, **kw):
    return answer(question, embedder=kb["emb"], retriever=kb["retriever"], generator=kb["generator"],
                  min_support=thresholds(0.0), **kw)


def test_every_marker_has_a_citation_and_every_citation_is_used(kb):
    result = ask(kb, QUESTION)
    assert not result.abstained and result.citations
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", result.answer)]
    assert sorted(set(markers)) == [c.n for c in result.citations]
    assert markers[0] == 1 and markers == sorted(markers)  # numbered by first use
    assert "واغادوغو" in " ".join(c.quote for c in result.citations)


def as_cleaned(original_span: str) -> str:
    """The original text as cleaning shows it: hashtag marks dropped (#البنيان_المرصوص → البنيان المرصوص),
    whitespace runs folded."""
    return " ".join(original_span.replace("#", "").replace("_", " ").split())


def test_quotes_point_at_their_sentence_in_the_original_article(kb):
    citations = ask(kb, QUESTION).citations
    assert citations
    for c in citations:
        original = (ARTICLES / f"{c.doc_id}.txt").read_text(encoding="utf-8")
        assert as_cleaned(original[c.start : c.end]) == " ".join(c.quote.split())
        assert c.quote in c.text


def test_every_stored_sentence_span_covers_exactly_that_sentence_of_the_original(kb):
    spans = [(ch.doc_id, s) for ch in kb["store"].iter_chunks() for s in ch.sentence_texts()]
    assert len(spans) > 50
    for doc_id, (sentence, start, end) in spans:
        original = (ARTICLES / f"{doc_id}.txt").read_text(encoding="utf-8")
        assert as_cleaned(original[start:end]) == " ".join(sentence.split())


def test_answer_leads_with_the_article_count_in_the_question_language(kb):
    result = ask(kb, QUESTION)
    n_docs = len({c.doc_id for c in result.citations})
    assert result.language == "ar"
    assert result.answer.splitlines()[0] in ("من مقال واحد:", "من مقالين:", f"من {n_docs} مقالات:")
    assert set(result.timings_ms) == {"retrieve", "generate", "total"}


@pytest.mark.parametrize("question,lang", [("Who won the 2018 World Cup?", "en"), ("من فاز بكأس العالم 2018؟", "ar")])
def test_weak_evidence_abstains_in_the_question_language(kb, question, lang):
    result = answer(question, embedder=kb["emb"], retriever=kb["retriever"], generator=kb["generator"],
                    min_support=thresholds(0.99))
    assert result.abstained and result.citations == [] and result.answer == NOT_FOUND[lang]


def test_an_empty_archive_abstains(tmp_path):
    from index.chroma import ChromaStore

    store, emb = ChromaStore(path=tmp_path / "empty", collection="empty"), HashEmbedder()
    retriever = HybridRetriever(store, LexicalIndex(store, tmp_path))
    result = answer("أين سرت؟", embedder=emb, retriever=retriever, generator=ExtractiveGenerator(emb),
                    min_support=thresholds(0.0))
    assert result.abstained and not result.citations


@pytest.mark.parametrize("text,lang", [("Where is Sirte?", "en"), ("أين سرت؟", "ar"), ("ما هو ISIS؟", "ar"),
                                       ("What does داعش mean?", "en")])
def test_question_language(text, lang):
    assert question_language(text) == lang


def test_follow_up_questions_are_searched_with_the_previous_question():
    history = [Turn(role="user", content="Who is the AFRICOM commander?"), Turn(role="assistant", content="…")]
    assert retrieval_query("and what did he announce?", history) == (
        "Who is the AFRICOM commander? and what did he announce?")
    assert retrieval_query("How far is Sirte from Tripoli in kilometres?", history) == (
        "How far is Sirte from Tripoli in kilometres?")
    assert retrieval_query("وماذا قال عنهم؟", [Turn(role="user", content="من هو قائد أفريكوم؟")]).startswith("من هو")


def test_follow_up_finds_what_the_conversation_is_about(kb):
    history = [Turn(role="user", content="ماذا حدث في قاعة واغادوغو؟"), Turn(role="assistant", content="…")]
    result = ask(kb, "وماذا عنها؟", history=history)
    assert any("واغادوغو" in c.text for c in result.citations)


def test_doc_filter_restricts_every_retriever(kb):
    only = Filters(doc_ids=("004_9711346d17d328a9",))
    for retriever in (kb["retriever"], DenseRetriever(kb["store"]), LexicalRetriever(kb["lexical"])):
        hits = retriever.retrieve(make_query("داعش سرت"), 5, only)
        assert hits and {h.chunk.doc_id for h in hits} == {"004_9711346d17d328a9"}


def test_date_filter_keeps_only_dated_articles_in_range(kb):
    hits = kb["retriever"].retrieve(make_query("داعش سرت"), 5, Filters(date_from="2016-07-01", date_to="2016-07-31"))
    assert hits and {h.chunk.doc_id for h in hits} == {"003_3c966266f86ced41"}  # the only dated seed article
    assert kb["retriever"].retrieve(make_query("داعش سرت"), 5, Filters(date_from="2020-01-01")) == []


def test_diversity_caps_one_article_while_others_match(kb):
    hits = kb["retriever"].retrieve(make_query("داعش سرت ليبيا"), 5)
    per_doc = [h.chunk.doc_id for h in hits]
    assert max(per_doc.count(d) for d in per_doc) <= 2
    assert diversify(hits, 5) == hits


def test_extractive_generator_uses_stored_sentence_vectors(kb):
    counting = HashEmbedder()
    generator = ExtractiveGenerator(counting, store=kb["store"])
    query = make_query(QUESTION, counting)  # the question is embedded once, upstream
    hits = kb["retriever"].retrieve(query, 5)
    draft = generator.generate(query, hits)
    assert draft.parts and counting.texts_embedded == 1  # only the question; sentences come from the store


def test_questions_asked_inside_articles_and_headlines_are_never_quoted_as_evidence(kb):
    result = ask(kb, "إلى أين ذهب مقاتلو داعش بعد سرت؟")
    titles = {c.title for c in result.citations}
    assert result.citations
    assert not any(c.quote.rstrip("\"'”» ").endswith(("؟", "?")) or c.quote in titles for c in result.citations)
