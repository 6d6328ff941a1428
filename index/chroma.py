"""Chroma as the store (`index.store`'s three Protocols): chunk vectors plus a small document registry.

Three collections, each read and written through chromadb's own client and nothing else: `<name>` holds
one record per chunk (vector, text, and only the metadata `chunk_from_record` reads back);
`<name>_sentences` one vector per sentence (with the ids of the chunks holding it),
for sentence-level scoring; `<name>_docs` one record per document (its metadata, `doc_hash`, the ids of its
chunks, its near-duplicate signature and, for a folded copy, `copy_of`; and its original text), written *after*
the document's chunks and sentences. Collections are created
with `embedding_function=None`: we always pass vectors (Chroma's default embedder would download a model).

The read side (search, chunks by id, every chunk, the fingerprint) shows only what the registry lists, through
a `View` (index/view.py) taken once and moved by this store's own registry writes or by `refresh()`; the write
side sees every record. `sweep()` deletes the records no entry lists (what a killed ingest leaves).

Embedded (`PersistentClient(path)`) by default; `url="http://host:port"` uses a Chroma server. An embedded
client keeps its vector index in memory and never sees another process's writes (its reads of ids it does not
know fail with "Error finding id"), so `refresh()` reopens it; `index/owner.py` keeps a second writer out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from index.chunking import doc_of_sentence
from index.errors import StoreError
from index.store import Registration
from index.types import Chunk, DocInfo, Hit
from index.view import View, listing

_PAGE = 2000
_DOC_VECTOR = [1.0]  # the registry needs *a* vector per record; it is never searched


class ChromaStore:
    def __init__(self, *, path: str | Path | None = None, url: str | None = None,
                 collection: str = "articles") -> None:
        self.path = Path(path) if path else None
        self.url = url
        self.collection_name = collection
        self._chunks: Any = None
        self._docs: Any = None
        self._client: Any = None
        self._sentences: Any = None
        self._view: View | None = None

    def warm_up(self) -> None:
        """Open the client and the three collections (once), and take the view readers are shown."""
        if self._chunks is not None:
            return
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False, allow_reset=False)
        try:
            if self.url:
                parts = urlparse(self.url)
                client = chromadb.HttpClient(host=parts.hostname or "localhost", port=parts.port or 8000,
                                             ssl=parts.scheme == "https", settings=settings)
                client.heartbeat()
            else:
                assert self.path is not None, "ChromaStore needs a path or a url"
                self.path.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(self.path), settings=settings)
            self._chunks = client.get_or_create_collection(
                self.collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"})
            self._docs = client.get_or_create_collection(
                f"{self.collection_name}_docs", embedding_function=None)
            self._sentences = client.get_or_create_collection(
                f"{self.collection_name}_sentences", embedding_function=None, metadata={"hnsw:space": "cosine"})
            self._client = client
            self._view = self._read_view()
        except Exception as exc:  # noqa: BLE001 - connection and storage errors alike
            where = self.url or str(self.path)
            raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from exc

    def close(self) -> None:
        """Let go of the Chroma client (an embedded store's files are released once no client uses them)."""
        client, self._client, self._chunks, self._docs, self._sentences = self._client, None, None, None, None
        self._view = None
        if client is not None and hasattr(client, "close"):
            client.close()

    # --- what readers are shown ----------------------------------------------------------------
    def changed_elsewhere(self) -> bool:
        """Whether the registry moved since this store's view was taken, by a write not made through it."""
        return self._view is not None and self._token() != self._view.token

    def refresh(self) -> None:
        """A fresh view of what other processes wrote. An embedded client is reopened first: it holds its
        vector index in memory and would not find their new records ("Error finding id").

        Call it while nobody else uses this store (the knowledge base holds its write lock)."""
        if self.path is not None:
            self.close()
            self.warm_up()
        else:
            self._view = self._read_view()

    def fingerprint(self) -> str:
        """Changes whenever the chunks shown change (keys the lexical index); costs no call to Chroma."""
        view = self._shown()
        return f"{view.token}:{len(view.docs)}:{view.chunks}"

    def view(self) -> View:
        """What readers are shown now (the lexical index follows it by chunk id)."""
        return self._shown()

    def _shown(self) -> View:
        if self._view is None:
            self.warm_up()
            self._view = self._view or self._read_view()
        return self._view

    def _read_view(self) -> View:
        token = self._token()  # before the entries: a write in between moves the token again, never hides
        return View.of(token, _pages(self._docs, include=["metadatas"]))

    def _token(self) -> str:
        """The registry's change token, written with every registry change (one metadata read)."""
        return str((self._client.get_collection(f"{self.collection_name}_docs").metadata or {}).get("changed", ""))

    # --- chunks -----------------------------------------------------------------------------
    def existing_ids(self, ids: list[str]) -> set[str]:
        self.warm_up()
        return _existing(self._chunks, ids)

    def chunk_count(self) -> int:
        self.warm_up()
        return int(self._chunks.count())

    def delete_stale_chunks(self, doc_id: str, keep: set[str] | frozenset[str] = frozenset()) -> int:
        """Delete the document's chunks whose ids are not in `keep`; returns how many."""
        self.warm_up()
        return _delete_stale(self._chunks, doc_id, keep)

    def add_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Upsert chunks by id with their vectors (ids are stable, so a rerun overwrites, never duplicates)."""
        self.warm_up()
        for i in range(0, len(chunks), _PAGE):
            page = chunks[i : i + _PAGE]
            self._chunks.upsert(ids=[c.chunk_id for c in page], embeddings=vectors[i : i + _PAGE].tolist(),
                                documents=[c.text for c in page], metadatas=[chunk_metadata(c) for c in page])

    def dense_search(self, vector: list[float], top_k: int, where: dict[str, Any] | None = None) -> list[Hit]:
        view = self._shown()
        rows = _nearest(self._chunks, vector, top_k, where, ["documents", "metadatas", "distances"],
                        lambda cid, meta: view.shows(cid))
        return [Hit(chunk=chunk_from_record(cid, text or "", meta), score=1.0 - float(dist))
                for cid, text, meta, dist in rows]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by chunk id (for scoring candidates found another way); shown chunks only."""
        view = self._shown()
        return _vectors(self._chunks, [i for i in ids if view.shows(i)])

    def iter_chunks(self) -> Iterator[Chunk]:
        view = self._shown()
        for cid, text, meta in _pages(self._chunks, include=["documents", "metadatas"]):
            if view.shows(cid):
                yield chunk_from_record(cid, text or "", meta)

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]:
        view = self._shown()
        ids = [i for i in ids if view.shows(i)]
        if not ids:
            return {}
        got = self._chunks.get(ids=ids, include=["documents", "metadatas"])
        return {cid: chunk_from_record(cid, text or "", meta)
                for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"])}

    # --- sentences (one vector per sentence, for sentence-level scoring) ---------------------------
    def existing_sentence_ids(self, ids: list[str]) -> set[str]:
        self.warm_up()
        return _existing(self._sentences, ids)

    def add_sentences(self, ids: list[str], vectors: np.ndarray, metadatas: list[dict[str, Any]]) -> None:
        self.warm_up()
        for i in range(0, len(ids), _PAGE):
            self._sentences.upsert(ids=ids[i : i + _PAGE], embeddings=vectors[i : i + _PAGE].tolist(),
                                   metadatas=metadatas[i : i + _PAGE])

    def delete_stale_sentences(self, doc_id: str, keep: set[str] | frozenset[str] = frozenset()) -> int:
        self.warm_up()
        return _delete_stale(self._sentences, doc_id, keep)

    def sentence_search(self, vector: list[float], top_k: int,
                        where: dict[str, Any] | None = None) -> list[tuple[list[str], float]]:
        """The `top_k` sentences nearest `vector`: (ids of the shown chunks holding it, cosine similarity)."""
        view = self._shown()

        def holders(meta: dict[str, Any]) -> list[str]:
            return [c for c in json.loads(meta.get("chunk_ids", "[]")) if view.shows(c)]

        rows = _nearest(self._sentences, vector, top_k, where, ["metadatas", "distances"],
                        lambda sid, meta: bool(holders(meta)))
        return [(holders(meta), 1.0 - float(dist)) for _, meta, dist in rows]

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        self.warm_up()
        return _vectors(self._sentences, ids)

    # --- documents ----------------------------------------------------------------------------
    def doc_info(self, doc_id: str) -> DocInfo | None:
        self.warm_up()
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        return _doc_info(got["ids"][0], got["metadatas"][0]) if got["ids"] else None

    def docs(self) -> list[DocInfo]:
        """The registry, read afresh (so it lists what other processes registered too)."""
        self.warm_up()
        return sorted((_doc_info(i, m) for i, m in _pages(self._docs, include=["metadatas"])), key=lambda d: d.doc_id)

    def copies(self, doc_ids: list[str]) -> dict[str, list[DocInfo]]:
        """The near-duplicate copies folded into each of `doc_ids` (those that have any), by date then id."""
        self.warm_up()
        if not doc_ids:
            return {}
        got = self._docs.get(where={"copy_of": {"$in": list(doc_ids)}}, include=["metadatas"])
        found: dict[str, list[DocInfo]] = {}
        for info in sorted((_doc_info(i, m) for i, m in zip(got["ids"], got["metadatas"])),
                           key=lambda d: (d.date, d.doc_id)):
            found.setdefault(info.copy_of, []).append(info)
        return found

    def originals(self, doc_ids: list[str]) -> dict[str, str]:
        """The original text of each registered document of `doc_ids` (a copy's too: it has no chunks)."""
        self.warm_up()
        got = self._docs.get(ids=list(doc_ids), include=["documents"]) if doc_ids else {"ids": [], "documents": []}
        return {i: text or "" for i, text in zip(got["ids"], got["documents"])}

    def put_signatures(self, signatures: dict[str, str]) -> None:
        """Add signatures to entries written before they were kept (what readers are shown does not change)."""
        if not signatures:
            return
        self.warm_up()
        ids = list(signatures)
        for i in range(0, len(ids), _PAGE):
            page = ids[i : i + _PAGE]
            self._docs.update(ids=page, metadatas=[{"minhash": signatures[d]} for d in page])

    def put_docs(self, entries: list[Registration]) -> None:
        """Register documents in one write, after their chunks are stored: from here on readers see them."""
        if not entries:
            return
        self.warm_up()
        before = self._token()
        self._docs.upsert(ids=[e.info.doc_id for e in entries], embeddings=[_DOC_VECTOR] * len(entries),
                          metadatas=[_entry_metadata(e) for e in entries], documents=[e.original for e in entries])
        self._wrote(before, {e.info.doc_id: listing(e.chunk_ids) for e in entries})

    def delete_doc(self, doc_id: str) -> int:
        """Remove a document and its chunks (registry entry first, so a crash leaves no half-doc). Also
        reaches the stray records of a document that was never registered; returns the chunk records removed."""
        self.warm_up()
        if self._docs.get(ids=[doc_id], include=[])["ids"]:
            before = self._token()
            self._docs.delete(ids=[doc_id])
            self._wrote(before, {}, removed=(doc_id,))
        self.delete_stale_sentences(doc_id)
        return self.delete_stale_chunks(doc_id)

    def sweep(self) -> int:
        """Delete the chunk and sentence records no registry entry lists (what a killed ingest left behind);
        returns how many chunk records went. Only for the index's owner: another process's ingest in
        progress looks exactly like that."""
        self.warm_up()
        view = self._read_view()
        chunks = [cid for (cid,) in _pages(self._chunks, include=[]) if not view.shows(cid)]
        sentences = [sid for (sid,) in _pages(self._sentences, include=[])
                     if not view.registered(doc_of_sentence(sid))]
        for collection, ids in ((self._sentences, sentences), (self._chunks, chunks)):
            for i in range(0, len(ids), _PAGE):
                collection.delete(ids=ids[i : i + _PAGE])
        return len(chunks)

    def _wrote(self, before: str, changed: dict[str, Any], removed: tuple[str, ...] = ()) -> None:
        """Record a registry write: a fresh change token, and this store's view moved with it (re-read
        instead when the registry had moved under the view before this write)."""
        import uuid

        token = uuid.uuid4().hex
        self._docs.modify(metadata={"changed": token})
        view = self._view
        self._view = view.updated(token, changed, removed) if view is not None and view.token == before else None


def _pages(collection: Any, include: list[str]) -> Iterator[tuple[Any, ...]]:
    """Every record of a collection, a page at a time: (id, *the included fields)."""
    fields = [f for f in ("documents", "metadatas") if f in include]
    offset = 0
    while True:
        got = collection.get(include=include, limit=_PAGE, offset=offset)
        if not got["ids"]:
            return
        yield from zip(got["ids"], *(got[f] for f in fields))
        offset += len(got["ids"])


def _nearest(collection: Any, vector: list[float], top_k: int, where: dict[str, Any] | None, include: list[str],
             keep: Any) -> list[tuple[Any, ...]]:
    """The `top_k` nearest records that `keep(id, metadata)` accepts: (id, *included fields, distance).

    Asks for more when some were not kept (strays, or chunks of a version not registered yet)."""
    total = collection.count()
    want = top_k
    while total:
        got = collection.query(query_embeddings=[vector], n_results=min(want, total), include=include,
                               **({"where": where} if where else {}))
        fields = [got[f][0] for f in ("documents", "metadatas", "distances") if f in include]
        rows = list(zip(got["ids"][0], *fields))
        metas = got["metadatas"][0]
        kept = [row for row, meta in zip(rows, metas) if keep(row[0], meta)]
        if len(kept) >= top_k or len(rows) < min(want, total) or want >= total:
            return kept[:top_k]
        want *= 4
    return []


def _existing(collection: Any, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(ids), _PAGE):
        found.update(collection.get(ids=ids[i : i + _PAGE], include=[])["ids"])
    return found


def _delete_stale(collection: Any, doc_id: str, keep: set[str] | frozenset[str]) -> int:
    stale = [i for i in collection.get(where={"doc_id": doc_id}, include=[])["ids"] if i not in keep]
    for i in range(0, len(stale), _PAGE):
        collection.delete(ids=stale[i : i + _PAGE])
    return len(stale)


def _vectors(collection: Any, ids: list[str]) -> dict[str, np.ndarray]:
    if not ids:
        return {}
    got = collection.get(ids=ids, include=["embeddings"])
    return {i: np.asarray(vec, dtype=np.float32) for i, vec in zip(got["ids"], got["embeddings"])}


def _entry_metadata(entry: Registration) -> dict[str, Any]:
    meta = {k: v for k, v in entry.info.__dict__.items() if k != "doc_id"}
    meta["chunk_ids"] = json.dumps(list(entry.chunk_ids))
    return meta


def _doc_info(doc_id: str, meta: dict[str, Any]) -> DocInfo:
    return DocInfo(doc_id=doc_id, title=str(meta.get("title", "")), date=str(meta.get("date", "")),
                   source=str(meta.get("source", "")), url=str(meta.get("url", "")),
                   chunks=int(meta.get("chunks", 0)), doc_hash=str(meta.get("doc_hash", "")),
                   language=str(meta.get("language", "")), origin=str(meta.get("origin", "")),
                   copy_of=str(meta.get("copy_of", "")), copy_of_hash=str(meta.get("copy_of_hash", "")),
                   minhash=str(meta.get("minhash", "")))


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """What a chunk record stores beside its text: exactly what `chunk_from_record` reads back."""
    return {"doc_id": chunk.doc_id, "title": chunk.title, "date": chunk.date, "source": chunk.source,
            "url": chunk.url, "language": chunk.language, "start": chunk.start, "end": chunk.end,
            "position": chunk.position, "sentences": json.dumps(chunk.sentences)}


def chunk_from_record(chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
    sentences = tuple(tuple(s) for s in json.loads(meta.get("sentences") or "[]"))
    return Chunk(chunk_id=chunk_id, doc_id=str(meta.get("doc_id", "")), text=text,
                 start=int(meta.get("start", 0)), end=int(meta.get("end", 0)),
                 position=int(meta.get("position", 0)), title=str(meta.get("title", "")),
                 date=str(meta.get("date", "")), source=str(meta.get("source", "")),
                 url=str(meta.get("url", "")), language=str(meta.get("language", "")),
                 sentences=sentences)  # type: ignore[arg-type]
