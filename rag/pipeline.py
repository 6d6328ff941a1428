"""question → retrieval → draft → answer with numbered, checkable citations.

`answer()` is what the CLI, the HTTP API, the UI and the evaluation all call.

>>> from rag.pipeline import lead_text
>>> lead_text(2, "en"), lead_text(2, "ar"), lead_text(5, "ar")
('From 2 articles:', 'من مقالين:', 'من 5 مقالات:')
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from index.embedding import Embedder
from index.types import DocInfo
from rag.generators import Draft, Evidence, Generator, Part, Writer
from rag.query import Condenser, build_query
from rag.retrieval import NO_FILTERS, Filters, Retriever
from rag.types import Answer, ArticleCopy, Citation, Language, SentenceCheck, Turn

Copies = Callable[[list[str]], Mapping[str, Sequence[DocInfo]]]  # doc ids → their near-duplicate copies

NOT_FOUND = {
    "en": "The articles in the archive do not say.",
    "ar": "لا تذكر المقالات الموجودة في الأرشيف ذلك.",
}
# After an answer with sentences the local model translated: they are checked, but a small model's translation
# can still shift the meaning, and the reader should know to compare with the quotes.
TRANSLATION_NOTE = {
    "en": "(Machine-translated from the quoted Arabic by a local model; compare with the sources.)",
    "ar": "(ترجمة آلية بنموذج محلي للجمل المقتبسة؛ قارنها بالمصادر.)",
}


def answer(question: str, *, embedder: Embedder, retriever: Retriever, generator: Generator,
           min_support: Mapping[str, float], writer: Writer | None = None, history: Sequence[Turn] = (),
           top_k: int = 5, filters: Filters = NO_FILTERS, condenser: Condenser | None = None,
           copies: Copies | None = None, on_text: Callable[[str], None] | None = None,
           on_draft: Callable[[str], None] | None = None) -> Answer:
    """Answer `question` from the archive, or say plainly that the archive does not hold the answer.

    `min_support`: abstain when the draft's support is below the threshold for the question's language.
    With a `writer`, the draft's sentences are rewritten in the question's language after the decision not to
    abstain. `copies` looks up the near-duplicates folded into the cited articles (each citation then lists
    them in `also_reported_by`). `on_text` receives the answer as it grows, a checked sentence at a time (with
    its marker); `on_draft` the sentence the writer is still writing, unchecked, for display only.
    """
    started = time.perf_counter()
    query = build_query(question, embedder, history=history, condenser=condenser)
    hits = retriever.retrieve(query, top_k, filters)
    retrieved = time.perf_counter()
    draft = generator.generate(query, hits)
    support = round(float(draft.support), 4)
    if draft.empty or draft.support < min_support[query.language]:
        emit = Emitter(on_text, NOT_FOUND[query.language])
        return Answer(answer=emit.text, language=query.language, abstained=True, citations=[], support=support,
                      signals=dict(draft.signals), timings_ms=timings(started, retrieved))
    markers, citations = number_citations(draft)
    marker_of = {keys(p): m for p, m in zip(draft.parts, markers)}  # a writer may put phrases first
    citations = with_copies(citations, copies)
    emit = Emitter(on_text, f"{lead_text(len({c.doc_id for c in citations}), query.language)}\n" if draft.lead else "")
    parts: list[Part] = []
    for part in writer.write(query, draft.parts, on_draft) if writer else draft.parts:
        emit(f"{chr(10) if parts else ''}{part.text.strip()} {marker_of[keys(part)]}")  # the answer streams
        parts.append(part)
    if any(p.check is not None and p.check.ok for p in parts):
        emit(f"\n{TRANSLATION_NOTE[query.language]}")
    return Answer(answer=emit.text, language=query.language, abstained=False, support=support,
                  signals=dict(draft.signals),
                  citations=with_phrases(citations, parts),
                  checks=[sentence_check(p, marker_of[keys(p)]) for p in parts if p.check is not None],
                  timings_ms=timings(started, retrieved))


def with_phrases(citations: list[Citation], parts: Sequence[Part]) -> list[Citation]:
    """The citations, the one of each part's first evidence carrying that part's kept phrase and its span."""
    index = {(c.doc_id, c.start): i for i, c in enumerate(citations)}
    out = list(citations)
    for part in parts:
        if part.phrase is not None:
            i, ph = index[part.evidence[0].key], part.phrase
            out[i] = out[i].model_copy(update={"phrase": ph.text, "span_text": ph.span, "span_start": ph.start,
                                               "span_end": ph.end})
    return out


def keys(part: Part) -> tuple[tuple[str, int], ...]:
    return tuple(e.key for e in part.evidence)


def sentence_check(part: Part, marker: str) -> SentenceCheck:
    assert part.check is not None
    return SentenceCheck(markers=marker, kept=part.check.ok, reason=part.check.reason or "kept",
                         similarity=round(part.check.similarity, 4))


class Emitter:
    """Collects the answer text and passes each new piece on to `on_text`."""

    def __init__(self, on_text: Callable[[str], None] | None, first: str) -> None:
        self.on_text, self.text = on_text, ""
        if first:
            self(first)

    def __call__(self, piece: str) -> None:
        self.text += piece
        if self.on_text is not None:
            self.on_text(piece)


def timings(started: float, retrieved: float) -> dict[str, float]:
    done = time.perf_counter()
    return {"retrieve": ms(retrieved - started), "generate": ms(done - retrieved), "total": ms(done - started)}


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def number_citations(draft: Draft) -> tuple[list[str], list[Citation]]:
    """Each part's markers ("[1][2]"), numbered by first use; one citation per distinct evidence sentence."""
    numbers: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    markers = []
    for part in draft.parts:
        marks = []
        for ev in part.evidence:
            if ev.key not in numbers:
                numbers[ev.key] = len(numbers) + 1
                citations.append(_citation(numbers[ev.key], ev))
            marks.append(f"[{numbers[ev.key]}]")
        markers.append("".join(dict.fromkeys(marks)))
    return markers, citations


def _citation(n: int, ev: Evidence) -> Citation:
    c = ev.hit.chunk
    return Citation(n=n, doc_id=c.doc_id, title=c.title, source=c.source, date=c.date, url=c.url,
                    chunk_id=c.chunk_id, text=c.text, quote=ev.sentence, start=ev.start, end=ev.end,
                    score=round(ev.hit.score, 4))


def with_copies(citations: list[Citation], copies: Copies | None) -> list[Citation]:
    """The citations, each with the near-duplicate copies of its article (one lookup for all of them)."""
    found = copies(sorted({c.doc_id for c in citations})) if copies is not None and citations else {}
    return [c.model_copy(update={"also_reported_by": [ArticleCopy.of(i) for i in found[c.doc_id]]})
            if found.get(c.doc_id) else c for c in citations]


def lead_text(n_articles: int, language: Language) -> str:
    if language == "en":
        return f"From {n_articles} article{'s' if n_articles != 1 else ''}:"
    if n_articles == 1:
        return "من مقال واحد:"
    if n_articles == 2:
        return "من مقالين:"
    return f"من {n_articles} مقالات:" if n_articles <= 10 else f"من {n_articles} مقالًا:"
