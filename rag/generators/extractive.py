"""The offline generator: the 1–4 sentences of the retrieved passages that best answer the question.

Each sentence of every retrieved passage is scored by

    similarity   cosine between the question (query side) and the sentence (passage side), with the
                 same multilingual embedder, so an English question finds its Arabic sentence;
                 sentence vectors come from the store (embedded at ingest), so this costs one query.
                 An English question is compared with Arabic sentences through its vector moved by the
                 language shift (`rag.language_shift`); the draft's signals keep the plain cosine
    overlap      share of the question's normalised, stemmed terms found in the sentence (× 0.1); for an
                 English question, share of its words and names whose Arabic terms the sentence holds
                 (`rag.lexicon`, `rag.names`; × 0.05). English questions whose answer is in a retrieved
                 passage: the answer's sentence first, ANT Libya news 0.333 → 0.470, xquad-ar-en-dev
                 0.651 → 0.675; among the sentences cited, news 0.752 → 0.829, xquad 0.904 → 0.883 (× 0.1:
                 news first 0.513, xquad cited 0.829). With the general lexicon (session 11): xquad first
                 0.704, cited 0.902; news 0.466 and 0.831

The passage's rank is deliberately not a feature: measured on the development questions, a rank
penalty hid the evidence for English questions, which often sits in the fourth or fifth passage.

The draft's support is the answerability model's probability over the signals the draft holds
(`rag.answerability`: the best cosine, the question's background level, term and name coverage); without a
model, the best cosine (less the background level for an English question).

The best sentence is always kept; others join while they score within `margin` of it and do not repeat
a sentence already chosen (`chosen`). The places a question names are looked for in the passages of those
sentences (`rag.places`). Sentences stay in their own language; the lead ("From 2 articles:") is in
the question's language and is written by `rag.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from index.arabic import language_of
from index.chunking import sentence_id
from index.embedding import Embedder
from index.lexical import analyze
from index.types import Hit
from rag.answerability import AnswerabilityModel, TermStats, question_terms, term_coverage
from rag.background import Background
from rag.generators import Draft, Evidence, Part
from rag.generators.planted import addresses_a_model
from rag.language_shift import LanguageShift
from rag.lexicon import Lexicon
from rag.names import ArchiveNames, name_coverage, names_of
from rag.places import place_coverage
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


def _selecting_vector(query: Query) -> np.ndarray:
    """What sentences are compared with: the question as asked, or for a follow-up rewritten with the
    conversation («وماذا عنها؟» alone names nothing) the mean of the two."""
    if query.search_text == query.text:
        return query.text_vector
    mean = query.text_vector + query.vector
    return mean / max(float(np.linalg.norm(mean)), 1e-9)


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
                 background: Background | None = None, model: AnswerabilityModel | None = None,
                 lexical: Callable[[], TermStats] | None = None, names: ArchiveNames | None = None,
                 shift: LanguageShift | None = None, lexicon: Lexicon | None = None, max_passages: int = 10,
                 max_sentences: int = 4, margin: float = 0.04, overlap_weight: float = 0.1,
                 translated_weight: float = 0.05) -> None:
        """`model` scores the draft's signals, which need the `background`, the `lexical` index's term
        statistics and the archive's `names`."""
        if model is not None and (background is None or lexical is None or names is None):
            raise ValueError("the answerability model needs the background, the lexical index and the names")
        self.embedder = embedder
        self.store = store
        self.background = background
        self.model = model
        self.lexical = lexical
        self.names = names
        self.shift = shift
        self.lexicon = lexicon
        self.max_passages = max_passages
        self.max_sentences = max_sentences
        self.margin = margin
        self.overlap_weight = overlap_weight
        self.translated_weight = translated_weight

    def score(self, query: Query, hits: list[Hit]) -> tuple[list[Evidence], float, dict[str, float]]:
        """(candidates best first, the draft's support, the signals it was computed from). Support: the
        model's probability; without one, the best plain question–sentence cosine, less the question's
        background level for an English question when a `background` is given."""
        candidates = candidate_sentences(hits, self.max_passages)
        if not candidates:
            return [], 0.0, {}
        matrix, vector = self.sentence_matrix(candidates), _selecting_vector(query)
        sims = matrix @ vector
        bonus = self._word_bonus(query)
        scored = [
            Evidence(hit=c.hit, sentence=c.sentence, start=c.start, end=c.end, score=float(sim) + bonus(c.sentence))
            for c, sim in zip(candidates, self._ranking_cosines(query, candidates, matrix, vector, sims))
        ]
        order = np.argsort([-e.score for e in scored], kind="stable")
        ranked = [scored[i] for i in order]
        best = float(sims.max())
        if self.model is None:
            return ranked, self.background.support(query, best) if self.background else best, {"cosine": best}
        signals = self.signals(query, hits, ranked, best)
        return ranked, self.model.support(query.language, signals), signals

    def signals(self, query: Query, hits: list[Hit], ranked: list[Evidence], best: float) -> dict[str, float]:
        """What `rag.answerability` weighs (rounded: they travel in the answer)."""
        assert self.background is not None and self.lexical is not None and self.names is not None
        asked = query.search_text  # a follow-up («وماذا عنها؟») with the conversation's question before it
        terms = question_terms(asked)
        stats = self.lexical()
        passages = [h.chunk.title + "\n" + h.chunk.text for h in hits[:5]]
        names = (name_coverage(self.names.matcher(), asked, [set(analyze(p)) for p in passages])
                 if names_of(asked) else None)  # no names (every Arabic question): no matcher to build
        values = {"cosine": best, "level": self.background.level(query),
                  "lexical": term_coverage(stats, terms, passages),
                  "lexical_sentence": term_coverage(stats, terms, [e.sentence for e in ranked[:10]]),
                  "names": 1.0 if names is None else names,
                  "places": place_coverage(asked, self._evidence_passages(ranked)),
                  "passage": hits[0].score}  # a hit's score is its dense cosine, whatever ranked it
        return {k: round(v, 4) for k, v in values.items()}

    def chosen(self, ranked: list[Evidence]) -> list[Evidence]:
        """The sentences the draft cites, best first: the best, then others within `margin` of it that do not
        repeat one already chosen, at most `max_sentences`."""
        chosen = ranked[:1]
        for ev in ranked[1:]:
            if len(chosen) == self.max_sentences or ev.score < ranked[0].score - self.margin:
                break
            if not any(_near_duplicate(ev.sentence, c.sentence) for c in chosen):
                chosen.append(ev)
        return chosen

    def _evidence_passages(self, ranked: list[Evidence]) -> list[str]:
        """The passages (with their titles) the draft cites: where a place the question names must be
        mentioned. A passage ranked high for other words ("capital") may name Morocco in a list of fighters'
        countries while no passage the answer would cite does."""
        chunks = {e.hit.chunk.chunk_id: e.hit.chunk for e in self.chosen(ranked)}
        return [c.title + "\n" + c.text for c in chunks.values()]

    def _word_bonus(self, query: Query) -> Callable[[str], float]:
        """Sentence → its bonus for holding the question's words: `overlap_weight` × the share of the question's
        terms it holds; for an English question (with a lexicon), `translated_weight` × the share of its words
        and names whose Arabic terms it holds (any one of a word's terms holds it)."""
        if query.language != "en" or self.lexicon is None:
            terms = set(analyze(query.text))
            return lambda sentence: self.overlap_weight * _overlap(terms, sentence)
        groups = [set(g) for g in self.lexicon.groups(query.text)]
        if self.names is not None:
            groups += [set(g) for g in self.names.matcher().query_groups(query.text)]
        if not groups:
            return lambda sentence: 0.0

        def held(sentence: str) -> float:
            terms = set(analyze(sentence))
            return self.translated_weight * sum(bool(g & terms) for g in groups) / len(groups)
        return held

    def _ranking_cosines(self, query: Query, candidates: list[Evidence], matrix: np.ndarray, vector: np.ndarray,
                         sims: np.ndarray) -> np.ndarray:
        """The cosines sentences are ranked by: `sims`, but for an English question's Arabic sentences the
        cosine with its shifted vector."""
        if self.shift is None or query.language != "en":
            return sims
        arabic = np.array([language_of(c.sentence, mixed=False) == "ar" for c in candidates])
        return np.where(arabic, matrix @ self.shift.selecting(query, vector), sims)

    def sentence_matrix(self, candidates: list[Evidence]) -> np.ndarray:
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
        ranked, support, signals = self.score(query, hits)
        if not ranked:
            return Draft(parts=(), support=0.0)
        chosen = self.chosen(ranked)
        # Read in article order within each article, articles in order of their best sentence.
        doc_rank: dict[str, int] = {}
        for ev in chosen:
            doc_rank.setdefault(ev.hit.chunk.doc_id, len(doc_rank))
        chosen.sort(key=lambda e: (doc_rank[e.hit.chunk.doc_id], e.start))
        return Draft(parts=tuple(Part(text=ev.sentence, evidence=(ev,)) for ev in chosen), support=support,
                     signals=signals)
