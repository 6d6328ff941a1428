"""The composition root: the store, the embedder, the lexical index and the named components, wired from
`Settings` through the registries (`rag.registry`), each built once on first use.

Everything that answers goes through here: the CLI, the HTTP API, the UI and `rag eval`. A readers–writer
lock lets questions run concurrently while an ingest or a removal runs alone, so nobody is served half a
document.

Across processes, an embedded index has one owner (index/owner.py): `claim()` makes this process it (`rag
serve`, `rag ingest`, `rag remove`) and sweeps what a killed ingest left; any other use of the store holds the
index's lock shared, so it is refused (`IndexBusyError`, naming the owner) while an owner runs. Before every
question the store's change token is checked: when another process changed the store (a Chroma server shared
with others, or a process that ignored the lock), the store is reopened and the lexical index follows.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from index.chroma import ChromaStore
from index.embedding import TokenizingEmbedder, create_embedder
from index.embedding.remote import RemoteEmbedder, local_tokenizer
from index.errors import NotFoundError
from index.ingest import ChunkSettings, IngestReport, Progress, ingest, remove_document
from index.lexical import LexicalIndex
from index.loading import FieldMap
from index.owner import IndexLock, Owner
from index.types import DocInfo, Hit
from rag.background import Background
from rag.generators import Generator, Writer
from rag.language_shift import LanguageShift
from rag.locks import RWLock
from rag.names import ArchiveNames
from rag.pipeline import answer
from rag.query import Condenser, HeuristicCondenser, build_query, check_question
from rag.registry import CONDENSERS, GENERATORS, RETRIEVERS, WRITERS
from rag.retrieval import Filters, Retriever
from rag.settings import Settings
from rag.streaming import stream
from rag.types import Answer, Turn


class KnowledgeBase:
    def __init__(self, settings: Settings, *, embedder: TokenizingEmbedder | None = None,
                 generators: Mapping[str, Generator] | None = None,
                 writers: Mapping[str, Writer] | None = None) -> None:
        """`embedder`, `generators` and `writers` (by generator name) replace the configured ones (fakes in tests)."""
        self.settings = settings
        self._embedder = embedder
        self.lock = RWLock()  # questions share it; ingest and remove take it alone
        self._reopening = RWLock()  # what reads outside `lock` (the registry) share; a reopen takes it alone
        self.index_lock = None if settings.chroma_url else IndexLock(settings.index_dir)  # across processes
        self._retrievers: dict[str, Retriever] = {}
        self._generators: dict[str, Generator] = dict(generators or {})
        self._writers: dict[str, Writer] = dict(writers or {})
        self._condensers: dict[str, Condenser] = {}

    # --- the parts ------------------------------------------------------------------------------
    @cached_property
    def store(self) -> ChromaStore:
        """The store; opening an embedded one takes its lock shared unless this process owns it."""
        s = self.settings
        if self.index_lock is not None and not self.index_lock.mode:
            self.index_lock.acquire_shared()
        return ChromaStore(path=None if s.chroma_url else s.index_dir, url=s.chroma_url, collection=s.collection)

    def claim(self, command: str, *, url: str = "", wait: float = 60.0,
              on_wait: Callable[[], None] | None = None) -> int:
        """Own the index for the rest of this process's life, then sweep what no registry entry lists;
        returns how many stray chunks went. `IndexBusyError` names the current owner; readers still
        running are waited for, up to `wait` s (`on_wait` is called once if they are). A Chroma server
        has no local owner: nothing is locked or swept (its writers may be anywhere)."""
        if self.index_lock is None:
            return 0
        self.index_lock.acquire_exclusive(Owner(os.getpid(), command, url), wait=wait, on_wait=on_wait)
        with self.lock.write():
            return self.store.sweep()

    def close(self) -> None:
        """Let go of the store and of the index's lock (a process's exit does the same)."""
        if "store" in self.__dict__:
            self.store.close()
            del self.__dict__["store"]
            self.__dict__.pop("lexical", None)
            self.__dict__.pop("names", None)
            self._retrievers.clear()
        if self.index_lock is not None:
            self.index_lock.release()

    def _follow_other_writers(self) -> None:
        """Reopen the store if another process changed it since we last looked (one metadata read, under the
        read lock: a reopen in progress on another thread must not be looked at half-done)."""
        with self.lock.read():
            moved = self.store.changed_elsewhere()
        if moved:
            with self.lock.write():
                self._refresh_if_moved()

    def _refresh_if_moved(self) -> None:
        """Under the write lock: reopen the store if another process changed it."""
        if self.store.changed_elsewhere():
            with self._reopening.write():
                self.store.refresh()

    @property
    def embedder(self) -> TokenizingEmbedder:
        if self._embedder is None:
            self._embedder = _embedder_for(self.settings)
        return self._embedder

    @cached_property
    def background(self) -> Background:
        return Background(self.embedder, cache_dir=self.settings.model_dir / "background")

    @cached_property
    def language_shift(self) -> LanguageShift:
        return LanguageShift(self.embedder, cache_dir=self.settings.model_dir / "background")

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.store, self.settings.index_dir)

    @cached_property
    def names(self) -> ArchiveNames:
        """English names → the archive's Arabic terms, following the lexical index."""
        return ArchiveNames(lambda: self.lexical.get())

    def retriever(self, mode: str | None = None) -> Retriever:
        mode = mode or self.settings.retrieval_mode
        if mode not in self._retrievers:
            self._retrievers[mode] = RETRIEVERS.create(mode, self)
        return self._retrievers[mode]

    def generator(self, name: str | None = None) -> Generator:
        name = name or self.settings.generator
        if name not in self._generators:
            self._generators[name] = GENERATORS.create(name, self)
        return self._generators[name]

    def writer(self, generator: str | None = None) -> Writer | None:
        """The writer that rewrites this generator's drafts (the local model's for `llamacpp`, the glosses for
        `extractive` unless `RAG_GLOSSES=false`), else None."""
        name = generator or self.settings.generator
        if name == "extractive" and not self.settings.glosses and name not in self._writers:
            return None
        if name not in self._writers and name in WRITERS:
            self._writers[name] = WRITERS.create(name, self)
        return self._writers.get(name)

    def condenser(self, generator: str | None = None) -> Condenser:
        name = generator or self.settings.generator
        if name not in self._condensers:
            self._condensers[name] = CONDENSERS.create(name, self) if name in CONDENSERS else HeuristicCondenser()
        return self._condensers[name]

    def warm_up(self) -> None:
        """Load the models and the lexical index now (a server does this before its first request)."""
        self.embedder.warm_up()
        self.background.warm_up()
        self.language_shift.warm_up()
        writer = self.writer()
        if writer is not None:
            writer.warm_up()
        self.lexical.get()
        self.names.matcher()

    # --- what users do --------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path], *, fields: FieldMap = FieldMap(), prune: bool = False,
               progress: Progress | None = None) -> IngestReport:
        with self.lock.write():
            self._refresh_if_moved()
            report = ingest(paths, store=self.store, embedder=self.embedder, counter=self.embedder,
                            embedder_name=self.embedder.name, fields=fields, prune=prune, progress=progress,
                            settings=self.chunk_settings())
            if prune:
                self.store.sweep()  # also what a killed ingest left (the index's owner asked for it)
            if report.changed:
                self.lexical.get()  # follow now (the changed chunks only), not on the first question
            return report

    def chunk_settings(self) -> ChunkSettings:
        s = self.settings
        return ChunkSettings(s.chunk_tokens, s.chunk_overlap, s.sentence_vectors, s.near_duplicate_threshold,
                             late_chunking=s.late_chunking)

    def ask(self, question: str, *, history: Sequence[Turn] = (), top_k: int | None = None,
            mode: str | None = None, filters: Filters | None = None, generator: str | None = None,
            on_text: Callable[[str], None] | None = None, on_draft: Callable[[str], None] | None = None) -> Answer:
        """Answer through `rag.pipeline.answer` with the configured (or named) retrieval mode and generator."""
        check_question(question)
        chosen, writer, condenser = self.generator(generator), self.writer(generator), self.condenser(generator)
        self._follow_other_writers()
        with self.lock.read():
            return answer(question, embedder=self.embedder, retriever=self.retriever(mode), generator=chosen,
                          writer=writer, condenser=condenser, history=history, top_k=top_k or self.settings.top_k,
                          filters=filters or Filters(), min_support=self.settings.min_support_by_language(),
                          copies=self.store.copies, on_text=on_text, on_draft=on_draft)

    def ask_stream(self, question: str, **options: Any) -> Iterator[tuple[str, str] | Answer]:
        """`ask` on a worker thread: yields ("text", piece) as checked text is added to the answer and
        ("draft", sentence) while the writer writes one, then the `Answer`. Errors are raised here."""
        check_question(question)
        return stream(lambda on_text, on_draft: self.ask(question, on_text=on_text, on_draft=on_draft, **options))

    def search(self, question: str, *, top_k: int = 5, mode: str | None = None,
               filters: Filters | None = None) -> list[Hit]:
        check_question(question)
        self._follow_other_writers()
        with self.lock.read():
            query = build_query(question, self.embedder)
            return self.retriever(mode).retrieve(query, top_k, filters or Filters())

    def docs(self) -> list[DocInfo]:
        """The registry as it is now (read alongside an ingest: it lists only documents already whole)."""
        with self._reopening.read():
            return self.store.docs()

    def remove(self, doc_id: str) -> int:
        """Remove a document, or the stray chunks a killed ingest left of one never registered. Its near-duplicate
        copies stay: the first is stored in full in its place (index.ingest.remove_document)."""
        with self.lock.write():
            self._refresh_if_moved()
            registered = self.store.doc_info(doc_id) is not None
            removed, _ = remove_document(doc_id, store=self.store, embedder=self.embedder, counter=self.embedder,
                                         embedder_name=self.embedder.name, settings=self.chunk_settings())
            if not registered and not removed:
                raise NotFoundError(f"no document with id {doc_id!r}")
            self.lexical.get()
            return removed


def _embedder_for(s: Settings) -> TokenizingEmbedder:
    """The one place the embedder is chosen: an embeddings server when RAG_EMBED_URL is set, else the local model."""
    if s.embed_url:
        return RemoteEmbedder(s.embed_url, s.embed_remote_model, api_key=s.embed_api_key, side=s.embed_prefix,
                              batch_size=s.embed_batch_size, tokenizer=local_tokenizer(s.embed_model, s.model_dir))
    embedder: TokenizingEmbedder = create_embedder(s.embed_model, backend=s.embed_backend,
                                                   cache_dir=str(s.model_dir), batch_size=s.embed_batch_size)
    return embedder
