"""Hand-written deterministic fakes for the swap points."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.arabic import light_stem, tokens


class HashEmbedder:
    """Bag of stemmed, normalised words hashed into 256 signed buckets: same words → close vectors.

    Also a `TokenCounter` (one token per word). `fail_after` makes the N+1-th `embed` call raise, to
    simulate a crash in the middle of an ingest.
    """

    name = "hash-256"
    dim = 256

    def __init__(self, fail_after: int | None = None) -> None:
        self.calls = 0
        self.texts_embedded = 0
        self.fail_after = fail_after

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        if self.fail_after is not None and self.calls >= self.fail_after:
            raise RuntimeError("simulated crash while embedding")
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in tokens(text):
                h = hashlib.md5(light_stem(tok).encode()).digest()
                out[i, h[0]] += 1.0 if h[1] % 2 else -1.0
            if not out[i].any():
                out[i, 0] = 1.0
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [len(t.split()) for t in texts]


class FlatEmbedder(HashEmbedder):
    """Every text the same vector: cosines tie, so only what else scores a sentence orders it."""

    def embed(self, texts, kind="passage"):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def sentences_hit(sentences: list[str], score: float = 0.9):  # -> index.types.Hit
    """One retrieved chunk holding `sentences`, their spans recorded as ingest records them."""
    from index.types import Chunk, Hit

    text, spans, at = "", [], 0
    for s in sentences:
        spans.append((at, at + len(s), at, at + len(s)))
        text += s + " "
        at = len(text)
    return Hit(chunk=Chunk(chunk_id="c0", doc_id="d0", text=text, start=0, end=len(text), position=0,
                           sentences=tuple(spans)), score=score)


def make_query(text: str, embedder=None):  # -> rag.query.Query
    """The `Query` `answer()` would build for `text` (no history), embedded by `embedder` (default: hash)."""
    from rag.query import build_query

    return build_query(text, embedder or HashEmbedder())


@dataclass(frozen=True)
class Reply:
    """A chat model's reply, as the writers read it (`text`, and `finish_reason` "length" when cut off)."""

    text: str
    finish_reason: str = "stop"


class TableRomanizer:
    """A `rag.glosses.Romanizer` from two tables: how often a word is attested as a name, and spellings
    (a word it has no spelling for comes back in angle brackets, so a test sees it was romanized)."""

    def __init__(self, counts: dict[str, int] | None = None, spellings: dict[str, str] | None = None) -> None:
        self.counts = counts or {}
        self.spellings = spellings or {}

    def warm_up(self) -> None:
        pass

    def name_count(self, word: str) -> int:
        return self.counts.get(word, 0)

    def romanize(self, words: str) -> str:
        return self.spellings.get(words, f"<{words}>")


class ScriptedJSON:
    """Replies from a script, in order, each a JSON object (or raw text); records the messages and schemas."""

    def __init__(self, *replies: dict | str) -> None:
        self.replies = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in replies]
        self.sent: list[list[dict[str, str]]] = []
        self.schemas: list[dict | None] = []

    def warm_up(self):
        pass

    def chat(self, messages, *, max_tokens, json_schema=None):
        self.sent.append(messages)
        self.schemas.append(json_schema)
        return Reply(self.replies[min(len(self.sent), len(self.replies)) - 1])
