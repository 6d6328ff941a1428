"""The offline generator: the 1–4 sentences of the retrieved passages that best answer the question.

Each sentence of the top passages is scored by

    similarity   cosine between the question (query side) and the sentence (passage side), with the
                 same multilingual embedder, so an English question finds its Arabic sentence
    overlap      share of the question's normalised, stemmed terms found in the sentence
    passage      the rank of the passage it comes from

The best sentence is always kept; others join while they score within `margin` of it and do not repeat
a sentence already chosen. Sentences stay in their own language; the lead ("From 2 articles:") is in
the question's language and is written by `rag.pipeline`.
"""

from __future__ import annotations

import numpy as np

from index.embedding import Embedder
from index.lexical import analyze
from index.types import Hit
from rag.generators import Draft, Evidence, Part
from rag.types import Language


def candidate_sentences(hits: list[Hit], max_passages: int, min_chars: int = 25) -> list[Evidence]:
    seen: set[tuple[str, int]] = set()
    out = []
    for hit in hits[:max_passages]:
        for sentence, start, end in hit.chunk.sentence_texts():
            key = (hit.chunk.doc_id, start)
            if key in seen or len(sentence.strip()) < min_chars:
                continue
            seen.add(key)
            out.append(Evidence(hit=hit, sentence=sentence.strip(), start=start, end=end))
    return out


def _overlap(question_terms: set[str], sentence: str) -> float:
    if not question_terms:
        return 0.0
    return len(question_terms & set(analyze(sentence))) / len(question_terms)


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(analyze(a)), set(analyze(b))
    return bool(ta and tb) and len(ta & tb) / min(len(ta), len(tb)) > 0.8


class ExtractiveGenerator:
    def __init__(self, embedder: Embedder, *, max_passages: int = 4, max_sentences: int = 4,
                 margin: float = 0.04, overlap_weight: float = 0.1, rank_weight: float = 0.01) -> None:
        self.embedder = embedder
        self.max_passages = max_passages
        self.max_sentences = max_sentences
        self.margin = margin
        self.overlap_weight = overlap_weight
        self.rank_weight = rank_weight

    def score(self, question: str, hits: list[Hit]) -> list[Evidence]:
        """Candidate sentences with their scores, best first."""
        candidates = candidate_sentences(hits, self.max_passages)
        if not candidates:
            return []
        q = self.embedder.embed([question], kind="query")[0]
        s = self.embedder.embed([c.sentence for c in candidates], kind="passage")
        sims = s @ q
        terms = set(analyze(question))
        rank = {h.chunk.chunk_id: i for i, h in enumerate(hits)}
        scored = [
            Evidence(hit=c.hit, sentence=c.sentence, start=c.start, end=c.end,
                     score=float(sim) + self.overlap_weight * _overlap(terms, c.sentence)
                     - self.rank_weight * rank[c.hit.chunk.chunk_id])
            for c, sim in zip(candidates, sims)
        ]
        order = np.argsort([-e.score for e in scored], kind="stable")
        return [scored[i] for i in order]

    def generate(self, question: str, hits: list[Hit], language: Language) -> Draft:
        ranked = self.score(question, hits)
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
        return Draft(parts=tuple(Part(text=ev.sentence, evidence=(ev,)) for ev in chosen), support=ranked[0].score)
