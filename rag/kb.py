"""The knowledge base: store, embedder and lexical index built from `Settings`, loaded lazily."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from index.embedding import create_embedder
from index.ingest import ChunkSettings, IngestReport, Progress, ingest
from index.lexical import LexicalIndex
from index.loading import FieldMap
from index.store import ChromaStore
from index.types import DocInfo, Hit
from rag.generators import Generator, Writer
from rag.locks import RWLock
from rag.retrieval import Filters, Retriever
from rag.settings import Settings
from rag.types import Answer, Turn


class KnowledgeBase:
    def __init__(self, settings: Settings, *, embedder: Any = None, generators: Mapping[str, Generator] | None = None,
                 writers: Mapping[str, Writer] | None = None) -> None:
        """`embedder`, `generators` and `writers` (by generator name) replace the configured ones (fakes in tests)."""
        self.settings = settings
        self._embedder = embedder
        self.lock = RWLock()  # questions share it; ingest and remove take it alone
        self._retrievers: dict[str, Retriever] = {}
        self._generators: dict[str, Generator] = dict(generators or {})
        self._writers: dict[str, Writer] = dict(writers or {})

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
        with self.lock.write():
            return self._ingest(paths, fields, prune, progress)

    def _ingest(self, paths: Sequence[Path], fields: FieldMap, prune: bool, progress: Progress | None) -> IngestReport:
        s = self.settings
        report = ingest(paths, store=self.store, embedder=self.embedder, counter=self.embedder,
                        embedder_name=self.embedder_name, fields=fields, prune=prune, progress=progress,
                        settings=ChunkSettings(s.chunk_tokens, s.chunk_overlap, s.sentence_vectors))
        if report.changed:
            self.lexical.get()  # rebuild now, not on the first question
        return report

    def retriever(self, mode: str | None = None) -> Retriever:
        mode = mode or self.settings.retrieval_mode
        if mode not in self._retrievers:
            self._retrievers[mode] = self._make_retriever(mode)
        return self._retrievers[mode]

    def _make_retriever(self, mode: str) -> Retriever:
        from index.errors import InputError
        from rag.retrieval import DenseRetriever, HybridRetriever, LexicalRetriever

        if mode == "dense":
            return DenseRetriever(self.store, self.embedder)
        if mode == "lexical":
            return LexicalRetriever(self.lexical)
        if mode == "hybrid":
            return HybridRetriever(self.store, self.embedder, self.lexical)
        raise InputError(f"unknown retrieval mode {mode!r} (use dense, lexical or hybrid)")

    def generator(self, name: str | None = None) -> Generator:
        name = name or self.settings.generator
        if name not in self._generators:
            self._generators[name] = self._make_generator(name)
        return self._generators[name]

    def _make_generator(self, name: str) -> Generator:
        from index.errors import InputError

        if name == "extractive":
            from rag.generators.extractive import ExtractiveGenerator

            return ExtractiveGenerator(self.embedder, store=self.store)
        if name == "openai":
            from rag.generators.extractive import ExtractiveGenerator
            from rag.generators.openai import OpenAIGenerator

            s = self.settings
            if not s.llm_url:
                raise InputError("RAG_GENERATOR=openai needs RAG_LLM_URL (an OpenAI-compatible server, e.g. "
                                 "http://127.0.0.1:11434/v1)")
            return OpenAIGenerator(self.embedder, url=s.llm_url, model=s.llm_model, api_key=s.llm_api_key,
                                   timeout=s.llm_timeout, scorer=ExtractiveGenerator(self.embedder, store=self.store))
        if name == "llamacpp":  # the extractive draft, rewritten by the local model (see writer())
            return self.generator("extractive")
        raise InputError(f"unknown generator {name!r} (use extractive, openai or llamacpp)")

    def writer(self, generator: str | None = None) -> Writer | None:
        """The local model's writer when the generator is `llamacpp`, else None (drafts are shown as they are)."""
        if (generator or self.settings.generator) != "llamacpp":
            return None
        if "llamacpp" not in self._writers:
            from rag.generators.grounded import GroundedWriter
            from rag.gguf import resolve_model
            from rag.local_llm import LocalLLM

            s = self.settings
            self._writers["llamacpp"] = GroundedWriter(
                LocalLLM(resolve_model(s.llm_model, s.model_dir), n_threads=s.llm_threads), self.embedder)
        return self._writers["llamacpp"]

    def ask(self, question: str, *, history: Sequence[Turn] = (), top_k: int | None = None,
            mode: str | None = None, filters: Filters | None = None, generator: str | None = None,
            on_text: Callable[[str], None] | None = None, on_draft: Callable[[str], None] | None = None) -> Answer:
        """Answer through `rag.pipeline.answer` with the configured (or named) retrieval mode and generator."""
        from rag.pipeline import DEFAULT_MIN_SUPPORT, answer

        s = self.settings
        thresholds: float | dict[str, float] = s.min_support if s.min_support is not None else {
            "en": DEFAULT_MIN_SUPPORT["en"] if s.min_support_en is None else s.min_support_en,
            "ar": DEFAULT_MIN_SUPPORT["ar"] if s.min_support_ar is None else s.min_support_ar}
        chosen, writer = self.generator(generator), self.writer(generator)
        with self.lock.read():
            return answer(question, retriever=self.retriever(mode), generator=chosen, writer=writer,
                          history=history, top_k=top_k or s.top_k, filters=filters or Filters(),
                          min_support=thresholds, condense=getattr(chosen, "condense", None), on_text=on_text,
                          on_draft=on_draft)

    def ask_stream(self, question: str, **options: Any) -> Iterator[tuple[str, str] | Answer]:
        """`ask` on a worker thread: yields ("text", piece) as checked text is added to the answer and
        ("draft", sentence) while the writer writes one, then the `Answer`. Errors are raised here."""
        events: queue.Queue[tuple[str, Any]] = queue.Queue()

        def work() -> None:
            try:
                events.put(("done", self.ask(question, on_text=lambda t: events.put(("text", t)),
                                             on_draft=lambda d: events.put(("draft", d)), **options)))
            except BaseException as exc:  # noqa: BLE001 - handed to the consumer's thread and raised there
                events.put(("error", exc))

        threading.Thread(target=work, daemon=True, name="rag-answer").start()
        while True:
            kind, value = events.get()
            if kind == "error":
                raise value
            if kind == "done":
                yield value
                return
            yield kind, value

    def search(self, question: str, *, top_k: int = 5, mode: str | None = None,
               filters: Filters | None = None) -> list[Hit]:
        with self.lock.read():
            return self.retriever(mode).retrieve(question, top_k, filters or Filters())

    def docs(self) -> list[DocInfo]:
        return self.store.docs()

    def remove(self, doc_id: str) -> int:
        from index.errors import NotFoundError

        with self.lock.write():
            if self.store.doc_info(doc_id) is None:
                raise NotFoundError(f"no document with id {doc_id!r} (see `rag docs`)")
            removed = self.store.delete_doc(doc_id)
            self.lexical.get()
            return removed
