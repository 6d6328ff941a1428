"""Typed values passed between the index stages and on to `rag`.

    Document  one article after loading and cleaning (original text kept for citation offsets)
    Chunk     a passage of a document, with its character span in the *original* article text
    Hit       a chunk found for a question, with its retrieval score
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str  # cleaned text, what we chunk and show
    original: str  # the text as decoded from the file or record
    offsets: tuple[int, ...] = field(repr=False)  # offsets[i]: index in `original` of text[i]
    title: str = ""
    date: str = ""  # ISO 8601 (YYYY-MM-DD or full timestamp) or ""
    source: str = ""
    url: str = ""
    language: str = ""  # "ar" | "en" | "mixed" | ""
    origin: str = ""  # file path (and line) it came from, for messages


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    start: int  # span in the original article text
    end: int
    position: int  # 0-based index of the chunk within its document
    title: str = ""
    date: str = ""
    source: str = ""
    url: str = ""
    language: str = ""
    # Sentence spans: (start, end) within `text`, then (start, end) in the original article.
    sentences: tuple[tuple[int, int, int, int], ...] = ()

    def sentence_texts(self) -> list[tuple[str, int, int]]:
        """(sentence, original start, original end) for each sentence of the chunk."""
        return [(self.text[s:e], os_, oe) for s, e, os_, oe in self.sentences]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class DocInfo:
    """What the store knows of one ingested document (`rag docs`)."""

    doc_id: str
    title: str
    date: str
    source: str
    url: str
    chunks: int
    doc_hash: str = ""
    language: str = ""
    origin: str = ""
    # A near-duplicate copy (index/near_duplicates.py) is stored without chunks: `copy_of` names the document
    # stored in full, `copy_of_hash` that document's `doc_hash` when they were compared.
    copy_of: str = ""
    copy_of_hash: str = ""
    minhash: str = field(default="", repr=False)  # the text's signature, encoded ("" when it has no words)


@dataclass(frozen=True)
class Failure:
    origin: str
    reason: str
