"""The offline generator: the 1–4 sentences of the retrieved passages that best answer the question.

Each sentence of every retrieved passage is scored by

    similarity   cosine between the question (query side) and the sentence (passage side), with the
                 same multilingual embedder, so an English question finds its Arabic sentence;
                 sentence vectors come from the store (embedded at ingest), so this costs one query
    overlap      share of the question's normalised, stemmed terms found in the sentence

The passage's rank is deliberately not a feature: measured on the development questions, a rank
penalty hid the evidence for English questions, which often sits in the fourth or fifth passage.

The best sentence is always kept; others join while they score within `margin` of it and do not repeat
a sentence already chosen. Sentences stay in their own language; the lead ("From 2 articles:") is in
the question's language and is written by `rag.pipeline`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from index.chunking import sentence_id
from index.embedding import Embedder
from index.lexical import analyze
from index.types import Hit
from rag.background import Background
from rag.generators import Draft, Evidence, Part
from rag.generators.planted import addresses_a_model
from rag.query import Query


def candidate_sentences(hits: list[Hit], max_passages: int, min_chars: int = 25,
                        claims_only: bool = True) -> list[Evidence]:
    """The sentences of the passages, once each, except those that address a reader or a model (planted
    instructions are never evidence). With `claims_only`, questions the article itself asks
    ("إلى أين ذهب مقاتلو داعش؟") and the headline are left out too: they resemble the question without
    answering it."""
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits[:max_passages]:
        for sentence, start, end in hit.chunk.sentence_texts():
            key = (hit.chunk.doc_id, start)
            if key in seen or len(sentence) < min_chars or addresses_a_model(sentence):
                continue
            if claims_only and (_is_question(sentence) or sentence.strip() == hit.chunk.title.strip()):
                continue
            seen.add(key)
            out.append(Evidence(hit=hit, sentence=sentence, start=start, end=end))
    return out


def _is_question(sentence: str) -> bool:
    return sentence.rstrip(" \"'”»)").endswith(("?", "؟"))


def _overlap(question_terms: set[str], sentence: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(analyze(sentence))) / len(question_terms)


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(analyze(a)), set(analyze(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.8


class SentenceVectors(Protocol):
    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]: ...


class ExtractiveGenerator:
    def __init__(self, embedder: Embedder, *, store: SentenceVectors | None = None,
                 background: Background | None = None, max_passages: int = 10, max_sentences: int = 4,
                 margin: float = 0.04, overlap_weight: float = 0.1) -> None:
        self.embedder = embedder
        self.store = store
        self.background = background
        self.max_passages = max_passages
        self.max_sentences = max_sentences
        self.margin = margin
        self.overlap_weight = overlap_weight

    def score(self, query: Query, hits: list[Hit]) -> tuple[list[Evidence], float]:
        """(candidates best first, the draft's support: the best plain question–sentence cosine, less the
        question's background level for an English question when a `background` is given)."""
        candidates = candidate_sentences(hits, self.max_passages)
        if not candidates:
            return [], 0.0
        sims = self._sentence_matrix(candidates) @ query.text_vector
        terms = set(analyze(query.text))
        scored = [
            Evidence(hit=c.hit, sentence=c.sentence, start=c.start, end=c.end,
                     score=float(sim) + self.overlap_weight * _overlap(terms, c.sentence))
            for c, sim in zip(candidates, sims)
        ]
        order = np.argsort([-e.score for e in scored], kind="stable")
        best = float(sims.max())
        return [scored[i] for i in order], self.background.support(query, best) if self.background else best

    def _sentence_matrix(self, candidates: list[Evidence]) -> np.ndarray:
        """Vectors of the candidate sentences: stored at ingest where available, embedded otherwise."""
        ids = [sentence_id(c.hit.chunk.doc_id, c.start, c.sentence) for c in candidates]
        stored = self.store.sentence_vectors(ids) if self.store is not None else {}
        missing = [i for i, sid in enumerate(ids) if sid not in stored]
        by_index: dict[int, np.ndarray] = {}
        if missing:
            fresh = self.embedder.embed([candidates[i].sentence for i in missing], kind="passage")
            by_index = dict(zip(missing, fresh))
        return np.stack([stored[sid] if sid in stored else by_index[i] for i, sid in enumerate(ids)])

    def support(self, query: Query, hits: list[Hit]) -> float:
        return self.score(query, hits)[1]

    def generate(self, query: Query, hits: list[Hit]) -> Draft:
        ranked, support = self.score(query, hits)
        if not ranked:
            return Draft(parts=(), support=0.0)
        chosen = [ranked[0]]
        for ev in ranked[1:]:
            if len(chosen) == self.max_sentences or ev.score < ranked[0].score - self.margin:
                break
            if not any(_near_duplicate(ev.sentence, c.sentence) for c in chosen):
                chosen.append(ev)
        # Read in article order within each article, articles in order of their best sentence.
        doc_rank: dict[str, int] = {}
        for ev in chosen:
            doc_rank.setdefault(ev.hit.chunk.doc_id, len(doc_rank))
        chosen.sort(key=lambda e: (doc_rank[e.hit.chunk.doc_id], e.start))
        return Draft(parts=tuple(Part(text=ev.sentence, evidence=(ev,)) for ev in chosen), support=support)
