"""The store swap point: what retrieval, the lexical index and ingest each need from a vector store.

Three narrow Protocols rather than one wide class, so each caller names only what it uses:

    SearchStore   retrieval: nearest chunks and sentences to a query vector, chunks and vectors by id
    ChunkSource   the lexical index: every chunk, chunks by id, the view (which chunk ids are shown), and a
                  fingerprint that moves whenever the contents do
    IngestStore   ingest: the document registry (near-duplicate copies too), writes and deletes of chunks and
                  sentences

The first two are the *read side*: they show only the chunks the registry lists (`index.view`), so what a
reader is served is always whole documents that `docs()` lists. `IngestStore` sees every record, strays too.

`index.chroma.ChromaStore` implements all three (embedded Chroma or a Chroma server). Tests use it
on a temp dir; nothing here depends on Chroma.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from index.types import Chunk, DocInfo, Hit
from index.view import View

Where = dict[str, Any] | None  # a metadata filter: {"source": {"$in": [...]}} (Chroma's syntax)


@dataclass(frozen=True)
class Registration:
    """A registry entry as ingest writes it: the document, its original text, and exactly the chunk records
    that make up this version of it (readers are shown those and no others)."""

    info: DocInfo
    original: str
    chunk_ids: tuple[str, ...]


class SearchStore(Protocol):
    def dense_search(self, vector: list[float], top_k: int, where: Where = None) -> list[Hit]: ...

    def sentence_search(self, vector: list[float], top_k: int, where: Where = None) -> list[tuple[list[str], float]]:
        """The nearest sentences: (ids of the chunks holding each, cosine similarity)."""
        ...

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]: ...

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]: ...

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]: ...


class ChunkSource(Protocol):
    collection_name: str

    def iter_chunks(self) -> Iterator[Chunk]: ...

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]: ...

    def view(self) -> View:
        """What readers are shown: the registry's entries, each listing its chunk ids."""
        ...

    def fingerprint(self) -> str: ...


class IngestStore(Protocol):
    def doc_info(self, doc_id: str) -> DocInfo | None: ...

    def docs(self) -> list[DocInfo]: ...

    def existing_ids(self, ids: list[str]) -> set[str]: ...

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None: ...

    def existing_sentence_ids(self, ids: list[str]) -> set[str]: ...

    def add_sentences(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None: ...

    def delete_stale_chunks(self, doc_id: str, keep: set[str] | frozenset[str] = frozenset()) -> int: ...

    def delete_stale_sentences(self, doc_id: str, keep: set[str] | frozenset[str] = frozenset()) -> int: ...

    def put_docs(self, entries: list[Registration]) -> None: ...

    def put_signatures(self, signatures: dict[str, str]) -> None: ...

    def originals(self, doc_ids: list[str]) -> dict[str, str]: ...

    def delete_doc(self, doc_id: str) -> int: ...
