"""Sentence-aware chunks sized in the embedder's own tokens, with overlap and original-text offsets.

Sentences are packed in order until the next one would pass `max_tokens`; the next chunk starts with
the last sentences of the previous one, up to `overlap_tokens`. A sentence longer than `max_tokens` on
its own is cut at word boundaries. Token counts come from a `TokenCounter` (the embedding model's
tokenizer): English-biased counters such as tiktoken charge ~4 tokens per Arabic word and would make
chunks a quarter of the intended size.

>>> from index.loading import make_document
>>> doc = make_document("d1", "One two three. Four five six. Seven eight nine.")
>>> class Words:
...     def count_tokens(self, texts): return [len(t.split()) for t in texts]
>>> [(c.text, c.start, c.end) for c in chunk_document(doc, Words(), max_tokens=6, overlap_tokens=3)]
[('One two three. Four five six.', 0, 29), ('Four five six. Seven eight nine.', 15, 47)]
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol

from index.cleaning import original_span
from index.sentences import split_spans
from index.types import Chunk, Document


class TokenCounter(Protocol):
    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


def chunk_id(doc: Document, text: str, start: int) -> str:
    """Stable id from the document id and what the chunk stores: its text, place and the doc's metadata."""
    key = "\x00".join([doc.doc_id, str(start), text, doc.title, doc.date, doc.source, doc.url])
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    return f"{doc.doc_id}#{digest}"


def sentence_id(doc_id: str, start: int, text: str) -> str:
    """Stable id of one sentence of a document (its vector lives in the store's sentence collection)."""
    return f"{doc_id}@{start}#{hashlib.sha1(text.encode()).hexdigest()[:10]}"


def doc_of_chunk(chunk_id: str) -> str:
    """The document id inside a `chunk_id` (so a store can tell whose a record is from its id alone).

    >>> doc_of_chunk(chunk_id(Document("a#b", "t", "t", (0,)), "t", 0)), doc_of_sentence(sentence_id("a@b", 3, "t"))
    ('a#b', 'a@b')
    """
    return chunk_id.rpartition("#")[0]


def doc_of_sentence(sentence: str) -> str:
    """The document id inside a `sentence_id`."""
    return sentence.rpartition("#")[0].rpartition("@")[0]


def _cut_long(text: str, span: tuple[int, int], count: int, max_tokens: int) -> list[tuple[int, int, int]]:
    """Cut one over-long sentence at word boundaries into pieces of about `max_tokens`."""
    s, e = span
    words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", text[s:e])]
    per_word = count / max(len(words), 1)
    step = max(1, int(max_tokens / per_word))
    pieces = []
    for i in range(0, len(words), step):
        group = words[i : i + step]
        pieces.append((group[0][0], group[-1][1], int(len(group) * per_word) + 1))
    return pieces


def _units(doc: Document, counter: TokenCounter, max_tokens: int) -> list[tuple[int, int, int]]:
    spans = split_spans(doc.text)
    counts = counter.count_tokens([doc.text[s:e] for s, e in spans]) if spans else []
    units: list[tuple[int, int, int]] = []
    for span, n in zip(spans, counts):
        units.extend(_cut_long(doc.text, span, n, max_tokens) if n > max_tokens else [(*span, n)])
    return units


def chunk_document(
    doc: Document, counter: TokenCounter, *, max_tokens: int = 200, overlap_tokens: int = 40
) -> list[Chunk]:
    """Split `doc` into chunks (see module docstring)."""
    units = _units(doc, counter, max_tokens)
    groups: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    total = 0
    for unit in units:
        if current and total + unit[2] > max_tokens:
            groups.append(current)
            carry: list[tuple[int, int, int]] = []
            for prev in reversed(current):
                if sum(u[2] for u in carry) + prev[2] > overlap_tokens or len(carry) + 1 == len(current):
                    break
                carry.insert(0, prev)
            while carry and sum(u[2] for u in carry) + unit[2] > max_tokens:
                carry.pop(0)
            current, total = carry, sum(u[2] for u in carry)
        current.append(unit)
        total += unit[2]
    if current:
        groups.append(current)
    chunks = []
    for position, group in enumerate(groups):
        s, e = group[0][0], group[-1][1]
        text = doc.text[s:e]
        o_start, o_end = original_span(doc.offsets, s, e)
        sentences = tuple((us - s, ue - s, *original_span(doc.offsets, us, ue)) for us, ue, _ in group)
        chunks.append(
            Chunk(
                chunk_id=chunk_id(doc, text, o_start), doc_id=doc.doc_id, text=text,
                start=o_start, end=o_end, position=position, title=doc.title, date=doc.date,
                source=doc.source, url=doc.url, language=doc.language, sentences=sentences,
            )
        )
    return chunks
