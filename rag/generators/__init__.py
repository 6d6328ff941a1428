"""The generator swap point: retrieved passages → a `Draft` (answer sentences tied to evidence).

    extractive.py   offline, no LLM: picks the sentences that answer the question (the default)
    openai.py       any OpenAI-compatible server, every generated sentence checked against its sources

and the writer swap point: a draft's sentences → the same sentences in the question's language.

    phrases.py      for an English question: a small chat model names the Arabic span of each evidence sentence
                    that answers it and renders that span as a short English phrase, checked (else the quote)
    grounded.py     a small chat model restates each evidence sentence, checked, falling back to the quote

A generator never numbers citations itself: each `Part` names the `Evidence` it rests on and
`rag.pipeline` turns that into [n] markers and `Citation`s, so markers and citations always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from index.types import Hit
from rag.query import Query


@dataclass(frozen=True)
class Evidence:
    """One sentence of a retrieved passage, with its offsets in the original article."""

    hit: Hit
    sentence: str
    start: int
    end: int
    score: float = 0.0

    @property
    def key(self) -> tuple[str, int]:
        return (self.hit.chunk.doc_id, self.start)


@dataclass(frozen=True)
class Check:
    """A writer's verdict on one sentence it wrote: kept (`ok`), or why the quote was kept instead."""

    ok: bool
    reason: str = ""
    similarity: float = 0.0


@dataclass(frozen=True)
class Phrase:
    """A short answer phrase in the question's language and the exact span of its evidence sentence it renders.

    `start`/`end` are the span's offsets in the original article when the sentence was stored unchanged by
    cleaning (its original length equals its text's); otherwise the whole sentence's offsets, which contain it.
    """

    text: str  # "about 450 km east of Tripoli"
    span: str  # the span as it stands in the evidence sentence
    start: int
    end: int


@dataclass(frozen=True)
class Part:
    """One line of the answer and the evidence it rests on; `check` is set when a writer rewrote it
    (whether the rewrite was kept or not), None when it is shown as drafted. With a kept `phrase`, `text` is the
    phrase and the evidence sentence stays in the citation's quote."""

    text: str
    evidence: tuple[Evidence, ...]
    check: Check | None = None
    phrase: Phrase | None = None


@dataclass(frozen=True)
class Draft:
    parts: tuple[Part, ...]
    support: float  # how likely the evidence answers the question (for abstention; rag.answerability)
    lead: bool = True  # prefix "From N articles:"
    signals: Mapping[str, float] = field(default_factory=dict)  # what `support` was computed from

    @property
    def empty(self) -> bool:
        return not self.parts


class Generator(Protocol):
    def generate(self, query: Query, hits: list[Hit]) -> Draft: ...


class Writer(Protocol):
    """A draft's parts → the same parts in the question's language, each carrying its `check` (in the draft's
    order, or phrases first: the pipeline finds each part's markers by its evidence);
    `warm_up()` loads its model now rather than during the first answer."""

    def warm_up(self) -> None: ...

    def write(self, query: Query, parts: Sequence[Part], on_draft: Callable[[str], None] | None = None
              ) -> Iterable[Part]: ...
