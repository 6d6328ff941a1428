"""The retriever swap point: dense (Chroma), lexical (BM25) and hybrid, with filters and diversity.

Hybrid, and why not plain reciprocal-rank fusion: an English question shares no words with Arabic text,
so its BM25 list is noise, and RRF lets that noise pull good dense results down (measured in the
issue: R@1 0.75 → 0.21). Here every candidate gets a weighted sum of

    dense      cosine with the question, min-max scaled over the candidates
    sentence   the best cosine between the question and one sentence of the chunk (sentence vectors
               are stored at ingest): a short Arabic sentence that answers an English question is
               found even when the rest of its chunk dilutes the chunk's own vector
    lexical    BM25 of the question, scaled by its maximum and weighted by *coverage*: the idf share
               of the question's terms that the archive's vocabulary knows (≈ 0 for English questions
               over Arabic text, so this term steps aside instead of adding noise)
    feedback   BM25 of Arabic terms taken from the top dense passages (pseudo-relevance feedback),
               which gives English questions a lexical signal too
    names      for an English question, BM25 of the Arabic terms its names and numbers may be written as
               (`rag.names`: "Warsaw" ~ وارسو, by consonant skeleton)
    translated for an English question, BM25 of the Arabic terms of its common words, from the news and general
               lexicons (`rag.lexicon`: "killed" ~ قتل مقتل قتلى, "prison" ~ سجن سجون): dictionary query
               translation, each word's translations counted as one term (a structured query)

Candidates found only lexically get their dense score from the stored vectors, so both lists are
scored on the same footing. Weights were chosen on ARCD-train (`eval/retrieval_tuning.py --grid`):
lexical 0.5 lifts Arabic hit@1 from 0.633 to 0.687 while English questions keep their dense ranking;
feedback did not pay (English hit@1 0.81 → 0.69 at weight 0.15), so it is off by default. The names weight
was chosen on xquad-ar-en-dev (300 English questions, hit@1 0.810 at 0, 0.817 / 0.823 / 0.827 / 0.827 at
0.1 / 0.2 / 0.3 / 0.5). The translated weight was chosen on two sets at once, English questions only
(hit@1 of the gold article; `/tmp` sweeps of session 10, news first): the ANT Libya questions over the seed and
ANT Libya articles (`eval/datasets/ANT_LIBYA_README.md`, 128) 0.562 at 0, 0.648 / 0.680 / 0.703 / 0.695 at
0.3 / 0.6 / 1.0 / 1.5; xquad-ar-en-dev (632) 0.777 at 0, 0.793 / 0.793 / 0.783 / 0.720. 0.6 gains on both.
With the general lexicon added (session 11), 0.4 / 0.6 / 0.8 / 1.0: news 0.648 / 0.664 / 0.664 / 0.695, xquad
0.829 / 0.839 / 0.848 / 0.842; differences of one to six questions either way, so 0.6 stays.
Each word's translations are one term of a structured query (Pirkola 1998), not a term each: a word with twelve
forms no longer outweighs a word with one. News 0.664 → 0.703 (0.711 at weight 1.0), xquad 0.839 → 0.835
(0.834 / 0.835 at 0.8 / 1.0): 0.6 stays.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.lexical import BM25, LexicalIndex, analyze
from index.store import SearchStore
from index.types import Chunk, Hit
from rag.filters import NO_FILTERS, Filters  # defined there so rag/remote.py need not load retrieval
from rag.lexicon import Lexicon
from rag.names import ArchiveNames
from rag.query import Query


class Retriever(Protocol):
    """A `Query` (already embedded upstream) → the best `top_k` passages, best first."""

    def retrieve(self, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> list[Hit]: ...


def diversify(hits: list[Hit], top_k: int, per_doc: int = 2) -> list[Hit]:
    """Best-first, at most `per_doc` chunks of one article while other articles still have hits."""
    first: list[Hit] = []
    rest: list[Hit] = []
    seen = Counter[str]()
    for hit in hits:
        (first if seen[hit.chunk.doc_id] < per_doc else rest).append(hit)
        seen[hit.chunk.doc_id] += 1
    return (first + rest)[:top_k]


class DenseRetriever:
    def __init__(self, store: SearchStore, candidates: int = 30) -> None:
        self.store = store
        self.candidates = candidates

    def search(self, vector: np.ndarray, k: int, filters: Filters) -> list[Hit]:
        hits = self.store.dense_search(vector.tolist(), k, where=filters.where())
        return [h for h in hits if filters.accepts(h.chunk)] if filters else hits

    def retrieve(self, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> list[Hit]:
        return diversify(self.search(query.vector, max(top_k, self.candidates), filters), top_k)


class LexicalRetriever:
    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical

    def retrieve(self, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> list[Hit]:
        hits = self.lexical.get().search(query.search_text, max(top_k * 3, 30))
        return diversify([h for h in hits if filters.accepts(h.chunk)], top_k)


@dataclass(frozen=True)
class HybridWeights:
    sentence: float = 1.0  # best sentence of the chunk vs the question
    lexical: float = 0.5  # chosen on ARCD-train (eval/retrieval_tuning.py --grid)
    feedback: float = 0.0  # measured: helps Arabic hit@1 by <1 point, costs English questions; off
    feedback_docs: int = 3
    feedback_terms: int = 12
    sentence_candidates: int = 50
    names: float = 0.3  # English questions' names found in Arabic by sound (chosen on xquad-ar-en-dev)
    translated: float = 0.6  # English questions' common words in Arabic, from the news lexicon (rag.lexicon)


def coverage(bm25: BM25, question: str) -> float:
    """idf-weighted share of the question's terms that occur in the archive (0 = none, 1 = all)."""
    terms = analyze(question)
    if not terms:
        return 0.0
    n = max(bm25.n, 1)
    known_idf = sum(np.log(1 + n) for t in terms if bm25.df(t))
    return float(known_idf / (len(terms) * np.log(1 + n)))


def feedback_query(bm25: BM25, chunks: list[Chunk], n_terms: int) -> str:
    """The most distinctive terms of `chunks` (tf × idf), as a lexical query."""
    counts = Counter(t for c in chunks for t in analyze(c.text))
    n = max(bm25.n, 1)

    def weight(term: str) -> float:
        df = bm25.df(term)
        return counts[term] * float(np.log(n / (1 + df))) if df else 0.0

    return " ".join(sorted(counts, key=weight, reverse=True)[:n_terms])


class HybridRetriever:
    def __init__(self, store: SearchStore, lexical: LexicalIndex, weights: HybridWeights = HybridWeights(),
                 candidates: int = 30, names: ArchiveNames | None = None, lexicon: Lexicon | None = None) -> None:
        self.dense = DenseRetriever(store, candidates)
        self.store = store
        self.lexical = lexical
        self.names = names
        self.lexicon = lexicon
        self.weights = weights
        self.candidates = candidates

    def retrieve(self, query: Query, top_k: int, filters: Filters = NO_FILTERS) -> list[Hit]:
        w, k = self.weights, max(top_k, self.candidates)
        question, vector = query.search_text, query.vector
        dense = self.dense.search(vector, k, filters)
        bm25 = self.lexical.get()
        if not bm25.chunks:
            return dense[:top_k]
        lexical = [h for h in bm25.search(question, k) if filters.accepts(h.chunk)]
        best_sentence: dict[str, float] = {}
        if w.sentence > 0:
            for chunk_ids, sim in self.store.sentence_search(vector.tolist(), w.sentence_candidates, filters.where()):
                for cid in chunk_ids:
                    best_sentence[cid] = max(sim, best_sentence.get(cid, -1.0))
        feedback: list[Hit] = []
        if w.feedback > 0:
            fb_text = feedback_query(bm25, [h.chunk for h in dense[: w.feedback_docs]], w.feedback_terms)
            feedback = [h for h in bm25.search(fb_text, k) if filters.accepts(h.chunk)]
        named = self._named(query, bm25, k, filters)
        translated = self._translated(query, bm25, k, filters)
        pool = {h.chunk.chunk_id: h.chunk for h in dense + lexical + feedback + named + translated}
        extra = self.store.get_chunks([cid for cid in best_sentence if cid not in pool])
        pool.update({cid: c for cid, c in extra.items() if filters.accepts(c)})
        cos = {h.chunk.chunk_id: h.score for h in dense}
        missing = [cid for cid in pool if cid not in cos]
        for cid, vec in self.store.vectors(missing).items():
            cos[cid] = float(vec @ vector)
        fused = _scale({cid: v for cid, v in cos.items() if cid in pool})
        for cid, v in _scale({cid: v for cid, v in best_sentence.items() if cid in pool}).items():
            fused[cid] = fused.get(cid, 0.0) + w.sentence * v
        cov = coverage(bm25, question)
        for part, weight in ((lexical, w.lexical * cov), (feedback, w.feedback), (named, w.names),
                             (translated, w.translated)):
            for cid, v in _scale({h.chunk.chunk_id: h.score for h in part}, floor_zero=True).items():
                fused[cid] = fused.get(cid, 0.0) + weight * v
        ranked = sorted(fused, key=lambda cid: fused[cid], reverse=True)
        hits = [Hit(pool[cid], cos.get(cid, 0.0)) for cid in ranked]
        return diversify(hits, top_k)

    def _named(self, query: Query, bm25: BM25, k: int, filters: Filters) -> list[Hit]:
        """BM25 of the Arabic terms an English question's names may be written as (none for Arabic ones)."""
        if self.names is None or self.weights.names <= 0 or query.language != "en":
            return []
        terms = self.names.matcher().query_terms(query.search_text)
        return [h for h in bm25.search(terms, k) if filters.accepts(h.chunk)] if terms else []

    def _translated(self, query: Query, bm25: BM25, k: int, filters: Filters) -> list[Hit]:
        """BM25 of the Arabic terms of an English question's common words (`rag.lexicon`; none for Arabic), each
        word's translations one term of a structured query (`BM25.search_groups`)."""
        if self.lexicon is None or self.weights.translated <= 0 or query.language != "en":
            return []
        groups = list(dict.fromkeys(self.lexicon.groups(query.search_text)))  # a repeated word counts once
        return [h for h in bm25.search_groups(groups, k) if filters.accepts(h.chunk)] if groups else []


def _scale(scores: dict[str, float], floor_zero: bool = False) -> dict[str, float]:
    """Min-max scale to [0, 1] (or divide by the maximum, for scores whose zero means 'no match')."""
    if not scores:
        return {}
    hi = max(scores.values())
    lo = 0.0 if floor_zero else min(scores.values())
    span = hi - lo
    return {k: ((v - lo) / span if span > 0 else 1.0) for k, v in scores.items()}
