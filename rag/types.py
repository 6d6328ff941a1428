"""What an answer is: text with [n] markers, and a citation for every marker (the API's JSON shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Language = Literal["en", "ar"]


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


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    answer: str
    language: Language
    abstained: bool
    citations: list[Citation]
    support: float = Field(0.0, description="how closely the best evidence sentence matches the question; "
                                             "below the language's threshold the answer abstains")
    timings_ms: dict[str, float]


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: str
