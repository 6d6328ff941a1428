"""What an answer is: text with [n] markers, and a citation for every marker (the API's JSON shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.types import DocInfo, Hit

Language = Literal["en", "ar"]


class ArticleCopy(BaseModel):
    """A near-duplicate of a cited article (the same story from another source or on another date), stored
    without passages of its own: index/near_duplicates.py."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    title: str
    source: str
    date: str
    url: str

    @classmethod
    def of(cls, info: DocInfo) -> ArticleCopy:
        return cls(doc_id=info.doc_id, title=info.title, source=info.source, date=info.date, url=info.url)


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True)

    n: int = Field(description="the marker number, [n] in the answer")
    doc_id: str
    title: str
    source: str
    date: str
    url: str
    chunk_id: str
    text: str = Field(description="the retrieved passage")
    quote: str = Field(description="the exact sentence that supports the claim")
    start: int = Field(description="offset of the quote in the original article")
    end: int
    score: float
    phrase: str = Field(default="", description="the short English answer phrase the local model rendered "
                        "from this evidence, shown in the answer with its marker; \"\" when none was kept")
    span_text: str = Field(default="", description="the exact words of the quote that `phrase` renders; \"\" "
                           "without a phrase")
    span_start: int | None = Field(default=None, description="offset of `span_text` in the original article "
                                   "(the quote's own offsets when cleaning changed the sentence)")
    span_end: int | None = Field(default=None, description="end offset of `span_text` in the original article")
    also_reported_by: list[ArticleCopy] = Field(default_factory=list, description="near-duplicates of the "
                                                "article, each stored once: other sources or dates of the story")


class SentenceCheck(BaseModel):
    """The writer's verdict on one sentence it rewrote into the question's language."""

    model_config = ConfigDict(frozen=True)

    markers: str = Field(description="the sentence's citation markers, e.g. [1]")
    kept: bool = Field(description="the rewrite passed every check and is shown; else the quote is shown")
    reason: str = Field(description="'kept', or the check that failed")
    similarity: float = Field(0.0, description="cross-lingual similarity of the rewrite to its quote")


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    answer: str
    language: Language
    abstained: bool
    citations: list[Citation]
    support: float = Field(0.0, description="how likely the evidence answers the question (0–1: the "
                                             "answerability model over `signals`); below the language's "
                                             "threshold the answer abstains")
    signals: dict[str, float] = Field(default_factory=dict, description="what `support` was computed from: "
                                      "best evidence cosine, the question's background level, term, name and place "
                                      "coverage of the retrieved passages")
    checks: list[SentenceCheck] = Field(default_factory=list, description="one per sentence a writer rewrote "
                                        "(local-LLM answers); empty for extractive answers")
    timings_ms: dict[str, float]


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: str


class SearchHit(BaseModel):
    """One retrieved passage, as `/api/search` and `rag search --json` show it."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    chunk_id: str
    title: str
    text: str
    score: float
    start: int = Field(description="offset of the passage in the original article")
    end: int

    @classmethod
    def of(cls, hit: Hit) -> SearchHit:
        c = hit.chunk
        return cls(doc_id=c.doc_id, chunk_id=c.chunk_id, title=c.title, text=c.text, score=round(hit.score, 4),
                   start=c.start, end=c.end)


class DocumentEntry(BaseModel):
    """One stored article, as `/api/documents` and `rag docs --json` list it."""

    model_config = ConfigDict(frozen=True)

    doc_id: str
    title: str
    date: str
    source: str
    url: str
    chunks: int
    copy_of: str = Field("", description="a near-duplicate of this document, which holds its passages; "
                                         "\"\" for a document stored in full")

    @classmethod
    def of(cls, info: DocInfo) -> DocumentEntry:
        return cls(doc_id=info.doc_id, title=info.title, date=info.date, source=info.source, url=info.url,
                   chunks=info.chunks, copy_of=info.copy_of)
