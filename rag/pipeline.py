"""question → retrieval → draft → answer with numbered, checkable citations.

`answer()` is what the CLI, the HTTP API, the UI and the evaluation all call.

>>> from rag.pipeline import lead_text
>>> lead_text(2, "en"), lead_text(2, "ar"), lead_text(5, "ar")
('From 2 articles:', 'من مقالين:', 'من 5 مقالات:')
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence

from index.arabic import ARABIC_LETTER, LATIN_LETTER
from rag.generators import Draft, Evidence, Generator, Writer
from rag.retrieval import NO_FILTERS, Filters, Retriever
from rag.types import Answer, Citation, Language, Turn

MAX_QUESTION_CHARS = 4000  # longer input is refused by the CLI, the API and the UI alike

NOT_FOUND = {
    "en": "The articles in the archive do not say.",
    "ar": "لا تذكر المقالات الموجودة في الأرشيف ذلك.",
}
# After an answer with sentences the local model translated: they are checked, but a small model's translation
# can still shift the meaning, and the reader should know to compare with the quotes.
TRANSLATION_NOTE = {
    "en": "(Machine-translated from the quoted Arabic sentences by a local model; compare with the sources.)",
    "ar": "(ترجمة آلية بنموذج محلي للجمل المقتبسة؛ قارنها بالمصادر.)",
}
# Abstain when the best question–sentence cosine is below this, by question language (questions in English
# meet Arabic text at lower similarities). Calibrated by eval/calibrate_abstention.py; see the README.
DEFAULT_MIN_SUPPORT: dict[str, float] = {"en": 0.78, "ar": 0.82}


Condense = Callable[[str, Sequence[Turn]], str]  # (follow-up, history) → a standalone question


def answer(question: str, *, retriever: Retriever, generator: Generator, writer: Writer | None = None,
           history: Sequence[Turn] = (), top_k: int = 5, filters: Filters = NO_FILTERS,
           min_support: float | Mapping[str, float] = DEFAULT_MIN_SUPPORT, condense: Condense | None = None,
           on_text: Callable[[str], None] | None = None, on_draft: Callable[[str], None] | None = None) -> Answer:
    """Answer `question` from the archive, or say plainly that the archive does not hold the answer.

    With a `writer`, the draft's sentences are rewritten in the question's language after the decision not to
    abstain. `on_text` receives the answer as it grows, a checked sentence at a time (with its marker);
    `on_draft` the sentence the writer is still writing, unchecked, for display only.
    """
    started = time.perf_counter()
    language = question_language(question)
    query = condense(question, history) if (condense and history) else retrieval_query(question, history)
    hits = retriever.retrieve(query, top_k, filters)
    retrieved = time.perf_counter()
    draft = generator.generate(question, hits, language)
    threshold = min_support if isinstance(min_support, (int, float)) else min_support[language]
    support = round(float(draft.support), 4)
    if draft.empty or draft.support < threshold:
        emit = Emitter(on_text, NOT_FOUND[language])
        return Answer(answer=emit.text, language=language, abstained=True, citations=[], support=support,
                      timings_ms=timings(started, retrieved))
    markers, citations = number_citations(draft)
    emit = Emitter(on_text, f"{lead_text(len({c.doc_id for c in citations}), language)}\n" if draft.lead else "")
    parts = writer.write(question, draft.parts, language, on_draft) if writer else draft.parts
    translated = 0
    for i, (part, original, mark) in enumerate(zip(parts, draft.parts, markers, strict=True)):
        emit(f"{chr(10) if i else ''}{part.text.strip()} {mark}")
        translated += part.text != original.text
    if translated:
        emit(f"\n{TRANSLATION_NOTE[language]}")
    return Answer(answer=emit.text, language=language, abstained=False, citations=citations, support=support,
                  timings_ms=timings(started, retrieved))


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


def question_language(text: str) -> Language:
    """'ar' when Arabic letters are at least as many as Latin ones (mixed questions lean Arabic)."""
    return "ar" if len(ARABIC_LETTER.findall(text)) >= max(1, len(LATIN_LETTER.findall(text))) else "en"


def lead_text(n_articles: int, language: Language) -> str:
    if language == "en":
        return f"From {n_articles} article{'s' if n_articles != 1 else ''}:"
    if n_articles == 1:
        return "من مقال واحد:"
    if n_articles == 2:
        return "من مقالين:"
    return f"من {n_articles} مقالات:" if n_articles <= 10 else f"من {n_articles} مقالًا:"


_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|و|وماذا|وما|وهل|وكم|وأين|ومن|ومتى)\b|"
    r"\b(he|she|they|him|her|them|his|their|its|it|this|that|these|those|there|then)\b|"
    r"(هو|هي|هم|ذلك|تلك|هذا|هذه|هناك|عنه|عنها|عنهم|له|لها|لهم)(\s|$|[؟?.])",
    re.IGNORECASE,
)


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """A follow-up ("and what did he announce?") is searched together with the previous question."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), "")
    if previous and (len(question.split()) <= 6 or _FOLLOW_UP.search(question)):
        return f"{previous} {question}"
    return question
