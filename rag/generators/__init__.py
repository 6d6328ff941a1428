"""The generator swap point: retrieved passages → a `Draft` (answer sentences tied to evidence).

    extractive.py   offline, no LLM: picks the sentences that answer the question (the default)
    openai.py       any OpenAI-compatible server, every generated sentence checked against its sources

and the writer swap point: a draft's sentences → the same sentences in the question's language.

    grounded.py     a small chat model restates each evidence sentence, checked, falling back to the quote

A generator never numbers citations itself: each `Part` names the `Evidence` it rests on and
`rag.pipeline` turns that into [n] markers and `Citation`s, so markers and citations always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from index.types import Hit
from rag.types import Language


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
class Part:
    text: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Draft:
    parts: tuple[Part, ...]
    support: float  # how well the best evidence matches the question (for abstention)
    lead: bool = True  # prefix "From N articles:"

    @property
    def empty(self) -> bool:
        return not self.parts


class Generator(Protocol):
    def generate(self, question: str, hits: list[Hit], language: Language) -> Draft: ...


class Writer(Protocol):
    def write(self, question: str, parts: Sequence[Part], language: Language,
              on_draft: Callable[[str], None] | None = None) -> Iterable[Part]: ...
