"""Articles → chunks → embeddings → the store, skipping what is already stored.

For each document: a `doc_hash` over its text, metadata and the chunking/embedding settings decides
whether anything changed. Unchanged documents cost nothing. New or changed ones are chunked; the chunks
not yet stored (by stable id) are embedded by llama-index's `IngestionPipeline` (as `TextNode`s, the title
in the embedded text of every chunk but the first) and written to the store with the document's sentence
vectors. With an embedder that pools spans (`SpanEmbedder`: the torch-late and onnx backends) and
`late_chunking`, one pass per chunk gives both its vector and its sentences' (`_store_late`; llama-index's
pipeline is then not in the loop, since it has no way to return per-span vectors); otherwise each sentence is
embedded on its own. Then its registry entry is written, listing exactly those chunks, and only then are its
stale chunks deleted. Readers are shown only the chunks a registry entry lists (index/view.py), so a run killed half-way
serves every finished document whole and nothing of the others, and a changed document switches from its old
version to its new one at once. The next run embeds only the missing chunks and upserts by id, so nothing is
duplicated; what the killed run left unlisted is swept by the index's next owner (`ChromaStore.sweep`).

Near-duplicates (index/near_duplicates.py). A new or changed document whose text is at least
`near_duplicate_threshold` alike to a document stored in full (earlier in the run or before it) is registered
as a *copy* of it: its own metadata, original text and signature, `copy_of` and that document's `doc_hash`, and
no chunks. Every entry keeps its signature, so later runs find copies of earlier articles. A copy is only
ever folded into a document stored in full, and is decided again whenever that one changes, becomes a copy or
goes: `repair()` after every run (which also heals what a killed run left), and *before* a removal or prune
deletes it (`remove_document`), so the story is never served by nobody. Deciding again rebuilds the copy from
its stored text and metadata; the first not alike to anything stored is then chunked and embedded in full.
Unchanged documents are not compared again: a new threshold applies to what is ingested next.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np

from index.chunking import TokenCounter, chunk_document, sentence_id
from index.embedding import Embedder, SpanEmbedder
from index.loading import FieldMap, iter_files, load_file, make_document
from index.near_duplicates import LshIndex, decode, encode, signature
from index.store import IngestStore, Registration
from index.types import Chunk, DocInfo, Document, Failure

BATCH_DOCS = 64
INDEX_FORMAT = 3  # in every doc_hash: bump when what ingest stores changes (2: sentence vectors; 3: glued stops)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    chunks_embedded: int = 0
    folded: dict[str, str] = field(default_factory=dict)  # near-duplicate copy → the document stored in full
    promoted: list[str] = field(default_factory=list)  # copies stored in full again (their document went)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.promoted or self.folded)


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 200
    overlap_tokens: int = 40
    sentence_vectors: bool = True  # one vector per sentence too: better answers, ~3× slower ingest
    near_duplicate_threshold: float = 0.8  # fold a document this alike to one stored (estimated Jaccard; 0: never)
    late_chunking: bool = False  # sentence vectors pooled from the chunk's own pass, if the embedder can (faster;
    # measured: ARCD hybrid hit@1 0.627 vs 0.667 with sentences embedded alone, same onnx-int8 runtime)


# (what, how many): ("total", documents found) once, then after each batch ("documents", n) and ("chunks", n)
Progress = Callable[[str, int], None]


def doc_hash(doc: Document, settings: ChunkSettings, embedder_name: str) -> str:
    payload = json.dumps([doc.text, doc.title, doc.date, doc.source, doc.url, settings.max_tokens,
                          settings.overlap_tokens, settings.sentence_vectors, embedder_name, INDEX_FORMAT,
                          *(["late"] if settings.late_chunking else [])],
                         ensure_ascii=False)
    return hashlib.sha1(payload.encode()).hexdigest()


def read_documents(paths: Iterable[Path], fields: FieldMap, report: IngestReport) -> list[Document]:
    """Load every document under `paths`; failures and duplicate ids go to `report.failed`."""
    docs: dict[str, Document] = {}
    for item in iter_files(paths):
        loaded = [item] if isinstance(item, Failure) else load_file(item, fields)
        for doc in loaded:
            if isinstance(doc, Failure):
                report.failed.append(doc)
            elif doc.doc_id in docs:
                report.failed.append(Failure(doc.origin, f"duplicate document id {doc.doc_id!r} "
                                                         f"(first seen in {docs[doc.doc_id].origin}); skipped"))
            else:
                docs[doc.doc_id] = doc
    return list(docs.values())


def _embed_adapter(embedder: Embedder, name: str) -> Any:
    """Our `Embedder` as a llama-index embedding model (passed explicitly; never the global Settings)."""
    from llama_index.core.embeddings import BaseEmbedding

    class _Adapter(BaseEmbedding):
        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts, kind="passage").tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed([query], kind="query")[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    # One call per document batch: sentence-transformers sorts by length within a call, so bigger is faster.
    return _Adapter(model_name=name, embed_batch_size=2048)


def _node(chunk: Chunk) -> Any:
    """The chunk as llama-index embeds it: its text, headed by the article's title except in the first
    chunk (which already opens with it)."""
    from llama_index.core.schema import TextNode

    return TextNode(id_=chunk.chunk_id, text=chunk.text, metadata={"title": chunk.title},
                    metadata_template="{value}", excluded_embed_metadata_keys=["title"] if chunk.position == 0 else [])


def ingest(paths: Sequence[Path], *, store: IngestStore, embedder: Embedder, counter: TokenCounter,
           embedder_name: str, fields: FieldMap = FieldMap(), settings: ChunkSettings = ChunkSettings(),
           prune: bool = False, progress: Progress | None = None, batch_docs: int = BATCH_DOCS) -> IngestReport:
    """Bring the store in line with the documents under `paths` (see module docstring)."""
    report = IngestReport()
    docs = read_documents(paths, fields, report)
    if progress:
        progress("total", len(docs))
    run = _Run(store, embedder, counter, embedder_name, settings, report)
    for i in range(0, len(docs), batch_docs):
        batch = docs[i : i + batch_docs]
        fresh = run.batch(batch)
        if progress:
            progress("documents", len(batch))
            progress("chunks", fresh)
    if prune:
        seen = {d.doc_id for d in docs}
        unreadable = {_origin_file(f.origin) for f in report.failed}  # keep what we could not re-read
        gone = [i.doc_id for i in store.docs() if i.doc_id not in seen and _origin_file(i.origin) not in unreadable]
        run.remove(gone)
        report.removed.extend(gone)
    run.repair()
    store.put_signatures(run.unsigned)
    return report


def remove_document(doc_id: str, *, store: IngestStore, embedder: Embedder, counter: TokenCounter,
                    embedder_name: str, settings: ChunkSettings = ChunkSettings()) -> tuple[int, IngestReport]:
    """Remove a document and its chunks; its near-duplicate copies are decided again first (the first is then
    stored in full, the others folded into it or stored too), so none is lost. Returns the chunk records removed
    and what became of the copies (`promoted`, `folded`)."""
    report = IngestReport()
    run = _Run(store, embedder, counter, embedder_name, settings, report)
    return run.remove([doc_id]), report


@dataclass(frozen=True)
class _Todo:
    doc: Document
    dhash: str
    chunks: list[Chunk]
    old: DocInfo | None
    minhash: str
    copy_of: str = ""  # folded into this document: no chunks stored
    copy_of_hash: str = ""

    def registration(self) -> Registration:
        d = self.doc
        info = DocInfo(doc_id=d.doc_id, title=d.title, date=d.date, source=d.source, url=d.url,
                       chunks=len(self.chunks), doc_hash=self.dhash, language=d.language, origin=d.origin,
                       copy_of=self.copy_of, copy_of_hash=self.copy_of_hash, minhash=self.minhash)
        return Registration(info, d.original, tuple(c.chunk_id for c in self.chunks))


class _Run:
    """One ingest (or removal): the store and models, the report, and the signatures of the documents stored in
    full, banded for lookup (copies are never matched: each is folded into a document stored in full)."""

    def __init__(self, store: IngestStore, embedder: Embedder, counter: TokenCounter, embedder_name: str,
                 settings: ChunkSettings, report: IngestReport) -> None:
        self.store, self.embedder, self.counter, self.embedder_name = store, embedder, counter, embedder_name
        late = settings.sentence_vectors and settings.late_chunking and isinstance(embedder, SpanEmbedder)
        self.settings = replace(settings, late_chunking=late)  # in doc_hash only where it changes what is stored
        self.report = report
        self.full = LshIndex(settings.near_duplicate_threshold)
        self.hashes: dict[str, str] = {}  # doc_hash of the documents stored in full
        self.unsigned: dict[str, str] = {}  # signatures for unchanged entries that were stored without one
        for info in store.docs():
            sig = decode(info.minhash)
            if not info.copy_of:
                self.hashes[info.doc_id] = info.doc_hash
                if sig is not None:
                    self.full.add(info.doc_id, sig)

    @cached_property
    def pipeline(self) -> Any:
        from llama_index.core.ingestion import IngestionPipeline

        return IngestionPipeline(transformations=[_embed_adapter(self.embedder, self.embedder_name)])

    def batch(self, batch: list[Document], again: bool = False) -> int:
        """Store the documents of `batch` that changed (every one when `again`: copies decided again);
        returns how many chunks were embedded."""
        todo = [t for t in (self._decide(doc, again) for doc in batch) if t is not None]
        all_chunks = [c for t in todo for c in t.chunks]
        stored = self.store.existing_ids([c.chunk_id for c in all_chunks])
        fresh = [c for c in all_chunks if c.chunk_id not in stored]
        pairs = [(t.doc, t.chunks) for t in todo if t.chunks]
        sentence_ids: dict[str, set[str]] = {t.doc.doc_id: set() for t in todo}
        if self.settings.late_chunking:  # one pass per chunk gives its vector and its sentences'
            sentence_ids.update(_store_late(self.store, cast(SpanEmbedder, self.embedder), pairs, fresh))
        else:
            if fresh:
                embedded = {n.node_id: n.embedding for n in self.pipeline.run(nodes=[_node(c) for c in fresh])}
                self.store.add_chunks(fresh, np.asarray([embedded[c.chunk_id] for c in fresh], dtype=np.float32))
            if self.settings.sentence_vectors:
                sentence_ids.update(_store_sentences(self.store, self.embedder, pairs))
        self.report.chunks_embedded += len(fresh)
        self.store.put_docs([t.registration() for t in todo])
        for t in todo:  # after the entries: until then readers were shown the old version
            doc_id = t.doc.doc_id
            self.store.delete_stale_chunks(doc_id, keep={c.chunk_id for c in t.chunks})
            self.store.delete_stale_sentences(doc_id, keep=sentence_ids.get(doc_id, set()))
            if t.copy_of:
                self.report.folded[doc_id] = t.copy_of
            if again:
                if not t.copy_of:
                    self.report.promoted.append(doc_id)
            else:
                (self.report.updated if t.old else self.report.added).append(doc_id)
        return len(fresh)

    def _decide(self, doc: Document, again: bool) -> _Todo | None:
        """None for an unchanged document; else what to store: its chunks, or a copy of the document it
        near-duplicates."""
        dhash = doc_hash(doc, self.settings, self.embedder_name)
        old = self.store.doc_info(doc.doc_id)
        sig = signature(doc.text)
        minhash = encode(sig) if sig is not None else ""
        if not again and old is not None and old.doc_hash == dhash:
            self.report.unchanged.append(doc.doc_id)
            if minhash and old.minhash != minhash:
                self.unsigned[doc.doc_id] = minhash
                if not old.copy_of:
                    self.full.add(doc.doc_id, sig)  # type: ignore[arg-type]
            return None
        self.full.discard(doc.doc_id)
        self.hashes.pop(doc.doc_id, None)
        found = self.full.match(sig) if sig is not None else None
        if found:
            return _Todo(doc, dhash, [], old, minhash, copy_of=found[0], copy_of_hash=self.hashes[found[0]])
        if sig is not None:
            self.full.add(doc.doc_id, sig)
        self.hashes[doc.doc_id] = dhash
        chunks = chunk_document(doc, self.counter, max_tokens=self.settings.max_tokens,
                                overlap_tokens=self.settings.overlap_tokens)
        return _Todo(doc, dhash, chunks, old, minhash)

    def remove(self, doc_ids: list[str]) -> int:
        """Delete documents, after deciding their copies again without them; returns the chunk records removed."""
        gone = set(doc_ids)
        for doc_id in gone:
            self.full.discard(doc_id)
            self.hashes.pop(doc_id, None)
        self.refold([i for i in self.store.docs() if i.copy_of in gone and i.doc_id not in gone])
        return sum(self.store.delete_doc(doc_id) for doc_id in doc_ids)

    def repair(self) -> None:
        """Decide again the copies whose document is gone, is a copy itself, or changed since they were compared
        (its copies after an update; any a killed run left)."""
        infos = {i.doc_id: i for i in self.store.docs()}
        self.refold([i for i in infos.values() if i.copy_of and not _still_copy(i, infos.get(i.copy_of))])

    def refold(self, copies: list[DocInfo]) -> None:
        """Decide `copies` again, from the text and metadata stored with them (their files may be gone)."""
        originals = self.store.originals([i.doc_id for i in copies])
        docs = [make_document(i.doc_id, originals[i.doc_id], title=i.title, date=i.date, source=i.source,
                              url=i.url, origin=i.origin) for i in copies if i.doc_id in originals]
        for k in range(0, len(docs), BATCH_DOCS):
            self.batch(docs[k : k + BATCH_DOCS], again=True)


def _still_copy(copy: DocInfo, canonical: DocInfo | None) -> bool:
    return canonical is not None and not canonical.copy_of and canonical.doc_hash == copy.copy_of_hash


def _sentence_records(docs: list[tuple[Document, list[Chunk]]]
                      ) -> tuple[dict[str, tuple[str, dict[str, Any]]], dict[str, set[str]]]:
    """Each sentence once (text, metadata listing the chunks holding it, first holder first), and each
    document's sentence ids."""
    records: dict[str, tuple[str, dict[str, Any]]] = {}
    per_doc: dict[str, set[str]] = {}
    for doc, chunks in docs:
        per_doc[doc.doc_id] = set()
        for chunk in chunks:
            for text, start, end in chunk.sentence_texts():
                sid = sentence_id(doc.doc_id, start, text)
                per_doc[doc.doc_id].add(sid)
                if sid in records:
                    records[sid][1]["chunk_ids"].append(chunk.chunk_id)
                else:
                    records[sid] = (text, {"doc_id": doc.doc_id, "start": start, "end": end, "source": doc.source,
                                           "date": doc.date, "chunk_ids": [chunk.chunk_id]})
    return records, per_doc


def _add_sentences(store: IngestStore, records: dict[str, tuple[str, dict[str, Any]]], ids: list[str],
                   vectors: np.ndarray) -> None:
    metas = [{**records[sid][1], "chunk_ids": json.dumps(records[sid][1]["chunk_ids"])} for sid in ids]
    store.add_sentences(ids, vectors, metas)


def _store_sentences(store: IngestStore, embedder: Embedder,
                     docs: list[tuple[Document, list[Chunk]]]) -> dict[str, set[str]]:
    """Embed and store the sentences not stored yet, each on its own; returns each document's sentence ids."""
    records, per_doc = _sentence_records(docs)
    stored = store.existing_sentence_ids(list(records))
    fresh = [sid for sid in records if sid not in stored]
    if fresh:
        _add_sentences(store, records, fresh, embedder.embed([records[sid][0] for sid in fresh], kind="passage"))
    return per_doc


def _store_late(store: IngestStore, embedder: SpanEmbedder, docs: list[tuple[Document, list[Chunk]]],
                fresh: list[Chunk]) -> dict[str, set[str]]:
    """Late chunking: one pass over each chunk to store (fresh, or first holder of a sentence not stored yet)
    gives the chunk's vector and, pooled from the same token states, its sentences' vectors. A sentence is
    pooled in its first chunk (the context it opens or continues); one cut off by truncation is embedded alone.
    Returns each document's sentence ids."""
    records, per_doc = _sentence_records(docs)
    stored = store.existing_sentence_ids(list(records))
    todo_sentences = [sid for sid in records if sid not in stored]
    first_holders = {records[sid][1]["chunk_ids"][0] for sid in todo_sentences}
    fresh_ids = {c.chunk_id for c in fresh}
    chunks = [c for _, cs in docs for c in cs if c.chunk_id in fresh_ids or c.chunk_id in first_holders]
    texts = [_node(c).get_content(metadata_mode=_embed_mode()) for c in chunks]
    shifts = [len(t) - len(c.text) for t, c in zip(texts, chunks)]  # the title heading all but the first chunk
    spans = [[(s + k, e + k) for s, e, _, _ in c.sentences] for c, k in zip(chunks, shifts)]
    vectors, pooled = embedder.embed_spans(texts, spans, kind="passage") if chunks else (np.zeros((0, 0)), [])
    by_sentence: dict[str, np.ndarray] = {}
    for chunk, rows in zip(chunks, pooled):
        for (text, start, _), row in zip(chunk.sentence_texts(), rows):
            by_sentence.setdefault(sentence_id(chunk.doc_id, start, text), row)
    if fresh:
        index = {c.chunk_id: i for i, c in enumerate(chunks)}
        store.add_chunks(fresh, np.asarray([vectors[index[c.chunk_id]] for c in fresh], dtype=np.float32))
    if todo_sentences:
        cut = [sid for sid in todo_sentences if not by_sentence[sid].any()]
        if cut:
            by_sentence.update(zip(cut, embedder.embed([records[sid][0] for sid in cut], kind="passage")))
        _add_sentences(store, records, todo_sentences, np.stack([by_sentence[sid] for sid in todo_sentences]))
    return per_doc


def _embed_mode() -> Any:
    from llama_index.core.schema import MetadataMode

    return MetadataMode.EMBED


def _origin_file(origin: str) -> str:
    """'data/a.jsonl:12' or 'data/a.json[3]' → the file path."""
    for sep in ("[", ":"):
        head, found, tail = origin.rpartition(sep)
        if found and head and (tail.rstrip("]").isdigit()):
            return head
    return origin
