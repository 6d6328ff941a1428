"""The knowledge base: store, embedder and lexical index built from `Settings`, loaded lazily."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from index.embedding import create_embedder
from index.ingest import ChunkSettings, IngestReport, Progress, ingest
from index.lexical import LexicalIndex
from index.loading import FieldMap
from index.store import ChromaStore
from index.types import DocInfo
from rag.settings import Settings


class KnowledgeBase:
    def __init__(self, settings: Settings, *, embedder: Any = None) -> None:
        self.settings = settings
        self._embedder = embedder

    @cached_property
    def store(self) -> ChromaStore:
        s = self.settings
        return ChromaStore(path=None if s.chroma_url else s.index_dir, url=s.chroma_url,
                           collection=s.collection)

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            s = self.settings
            self._embedder = create_embedder(s.embed_model, backend=s.embed_backend, cache_dir=str(s.model_dir),
                                             batch_size=s.embed_batch_size)
        return self._embedder

    @property
    def embedder_name(self) -> str:
        return str(getattr(self.embedder, "name", type(self.embedder).__name__))

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.store, self.settings.index_dir)

    def ingest(self, paths: Sequence[Path], *, fields: FieldMap = FieldMap(), prune: bool = False,
               progress: Progress | None = None) -> IngestReport:
        s = self.settings
        report = ingest(paths, store=self.store, embedder=self.embedder, counter=self.embedder,
                        embedder_name=self.embedder_name, fields=fields, prune=prune, progress=progress,
                        settings=ChunkSettings(s.chunk_tokens, s.chunk_overlap))
        if report.changed:
            self.lexical.get()  # rebuild now, not on the first question
        return report

    def docs(self) -> list[DocInfo]:
        return self.store.docs()

    def remove(self, doc_id: str) -> int:
        from index.errors import NotFoundError

        if self.store.doc_info(doc_id) is None:
            raise NotFoundError(f"no document with id {doc_id!r} (see `rag docs`)")
        removed = self.store.delete_doc(doc_id)
        self.lexical.get()
        return removed
