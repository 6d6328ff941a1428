"""The answering issue's acceptance bars on the development questions, with the real model.

For answerable questions a cited passage holds the evidence in ≥ 90%; ≤ 10% of them abstain; of the
unanswerable ones at least 3 of 4 (here: at least 2 of the 3 in the set) abstain.
"""

import pytest

from eval.datasets import SEED_QUESTIONS, load_questions
from eval.metrics import Passage, holds_evidence
from rag.kb import KnowledgeBase
from rag.settings import Settings
from tests.conftest import ARTICLES, MODEL_CACHE

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def results(tmp_path_factory, e5_embedder):
    kb = KnowledgeBase(Settings(index_dir=tmp_path_factory.mktemp("q"), model_dir=MODEL_CACHE, collection="quality"),
                       embedder=e5_embedder)
    kb.ingest([ARTICLES])
    return [(q, kb.ask(q.question)) for q in load_questions(SEED_QUESTIONS)]


def supported(q, result) -> bool:
    """A cited passage of a gold document holds an evidence string (the evaluation's citation support)."""
    return any(holds_evidence(Passage(c.doc_id, c.text), q.gold_docs, q.evidence_any) for c in result.citations)


def test_cited_passages_hold_the_evidence_for_answerable_questions(results):
    answerable = [(q, r) for q, r in results if q.answerable]
    misses = [q.id for q, r in answerable if not supported(q, r)]
    assert len(misses) <= 0.10 * len(answerable), misses


def test_few_answerable_questions_abstain(results):
    abstained = [q.id for q, r in results if q.answerable and r.abstained]
    assert len(abstained) <= 0.10 * sum(q.answerable for q, _ in results), abstained


def test_unanswerable_questions_abstain(results):
    unanswerable = [(q, r) for q, r in results if not q.answerable]
    assert sum(r.abstained for _, r in unanswerable) >= len(unanswerable) - 1


def test_answers_are_in_the_question_language(results):
    assert all(r.language == q.lang for q, r in results)
