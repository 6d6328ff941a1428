"""The retriever swap point and its implementations: dense (Chroma) and lexical (BM25).

Hybrid fusion arrives with the answering issue; both retrievers here already return `Hit`s with the
same chunk fields, so a fuser only has to merge lists.
"""

from __future__ import annotations

from typing import Protocol

from index.embedding import Embedder
from index.lexical import LexicalIndex
from index.store import ChromaStore
from index.types import Hit


class Retriever(Protocol):
    def retrieve(self, question: str, top_k: int) -> list[Hit]: ...


class DenseRetriever:
    def __init__(self, store: ChromaStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    def retrieve(self, question: str, top_k: int) -> list[Hit]:
        vector = self.embedder.embed([question], kind="query")[0]
        return self.store.dense_search(vector.tolist(), top_k)


class LexicalRetriever:
    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical

    def retrieve(self, question: str, top_k: int) -> list[Hit]:
        return self.lexical.get().search(question, top_k)
