"""Retrieval units: diversity, coverage, and the hybrid fusion's behaviour (real Chroma, hash embedder)."""

import numpy as np
import pytest

from index.lexical import BM25
from index.types import Chunk, Hit
from rag.retrieval import HybridRetriever, HybridWeights, coverage, diversify
from tests.fakes import make_query
from tests.rag.conftest import make_kb


def hit(doc: str, i: int, score: float = 1.0) -> Hit:
    return Hit(Chunk(f"{doc}{i}", doc, "نص", 0, 2, i), score)


def test_diversify_keeps_two_chunks_per_article_while_other_articles_have_hits():
    hits = [hit("a", 0), hit("a", 1), hit("a", 2), hit("b", 0), hit("a", 3), hit("c", 0)]
    assert [h.chunk.chunk_id for h in diversify(hits, 4)] == ["a0", "a1", "b0", "c0"]


def test_diversify_fills_from_the_held_back_chunks_when_no_other_article_matches():
    hits = [hit("a", 0), hit("a", 1), hit("a", 2), hit("b", 0)]
    assert [h.chunk.chunk_id for h in diversify(hits, 4)] == ["a0", "a1", "b0", "a2"]
    assert [h.chunk.chunk_id for h in diversify(hits, 2)] == ["a0", "a1"]


def test_coverage_is_the_share_of_question_terms_the_archive_knows():
    chunks = [Chunk("c0", "d", "مقاتلو داعش في سرت", 0, 10, 0), Chunk("c1", "d", "اجتماع في طرابلس", 0, 10, 1)]
    bm25 = BM25(chunks)
    assert coverage(bm25, "Where did the fighters go?") == 0.0
    assert coverage(bm25, "داعش سرت") == pytest.approx(1.0)
    assert 0.0 < coverage(bm25, "داعش في باريس") < 1.0


def test_an_english_question_is_ranked_by_meaning_alone_lexical_steps_aside(tmp_path):
    kb = make_kb(tmp_path)
    query = make_query("Where did the fighters go after Sirte?")
    with_lexical = HybridRetriever(kb.store, kb.lexical, HybridWeights(lexical=0.5)).retrieve(query, 5)
    without = HybridRetriever(kb.store, kb.lexical, HybridWeights(lexical=0.0)).retrieve(query, 5)
    assert [h.chunk.chunk_id for h in with_lexical] == [h.chunk.chunk_id for h in without]


def test_an_arabic_question_gets_a_lexical_lift(tmp_path):
    kb = make_kb(tmp_path)
    query = make_query("قاعة واغادوغو")
    lexical_first = kb.retriever("lexical").retrieve(query, 1)[0].chunk.chunk_id
    fused = HybridRetriever(kb.store, kb.lexical, HybridWeights(lexical=5.0)).retrieve(query, 1)
    assert fused[0].chunk.chunk_id == lexical_first


def test_dense_retrieval_uses_the_query_vector_computed_upstream(tmp_path):
    kb = make_kb(tmp_path)
    query = make_query("قاعة واغادوغو في سرت")
    hits = kb.retriever("dense").retrieve(query, 3)
    vectors = kb.store.vectors([h.chunk.chunk_id for h in hits])
    cosines = [float(vectors[h.chunk.chunk_id] @ query.vector) for h in hits]
    assert np.allclose([h.score for h in hits], cosines, atol=1e-4) and cosines == sorted(cosines, reverse=True)


def test_lexical_retrieval_searches_the_rewritten_follow_up(tmp_path):
    from rag.query import build_query
    from rag.types import Turn
    from tests.fakes import HashEmbedder

    kb = make_kb(tmp_path)
    history = [Turn(role="user", content="ماذا حدث في قاعة واغادوغو؟")]
    query = build_query("وماذا عنها؟", HashEmbedder(), history=history)
    assert query.search_text.startswith("ماذا حدث") and query.text == "وماذا عنها؟"
    assert any("واغادوغو" in h.chunk.text for h in kb.retriever("lexical").retrieve(query, 3))


def test_an_english_questions_names_lift_the_passage_that_writes_them_in_arabic(tmp_path):
    kb = make_kb(tmp_path)
    query = make_query("What happened in Ouagadougou hall?")
    assert kb.names.matcher().query_terms(query.search_text)  # واغادوغو, found by sound
    named = HybridRetriever(kb.store, kb.lexical, HybridWeights(names=5.0), names=kb.names).retrieve(query, 1)
    assert "واغادوغو" in named[0].chunk.text


def test_the_names_channel_leaves_an_arabic_question_alone(tmp_path):
    kb = make_kb(tmp_path)
    query = make_query("قاعة واغادوغو")
    on = HybridRetriever(kb.store, kb.lexical, HybridWeights(names=5.0), names=kb.names).retrieve(query, 5)
    off = HybridRetriever(kb.store, kb.lexical, HybridWeights(names=0.0), names=kb.names).retrieve(query, 5)
    assert [h.chunk.chunk_id for h in on] == [h.chunk.chunk_id for h in off]
