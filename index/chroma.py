"""Chroma as the store (`index.store`'s three Protocols): chunk vectors plus a small document registry.

Three collections, each read and written through chromadb's own client and nothing else: `<name>` holds
one record per chunk (vector, text, and only the metadata `chunk_from_record` reads back);
`<name>_sentences` one vector per sentence (with the ids of the chunks holding it),
for sentence-level scoring; `<name>_docs` one record per document (its metadata, `doc_hash`, chunk count
and original text), written *after* the document's chunks and sentences, so a document counts as
ingested only once all of it is in. Collections are created with `embedding_function=None`: we always pass
vectors (Chroma's default embedder would download a model).

Embedded (`PersistentClient(path)`) by default; `url="http://host:port"` uses a Chroma server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from index.errors import StoreError
from index.types import Chunk, DocInfo, Hit

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

    def warm_up(self) -> None:
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
        except Exception as exc:  # noqa: BLE001 - connection and storage errors alike
            where = self.url or str(self.path)
            raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from exc

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
        self.warm_up()
        if self._chunks.count() == 0:
            return []
        got = self._chunks.query(query_embeddings=[vector], n_results=top_k,
                                 include=["documents", "metadatas", "distances"], **({"where": where} if where else {}))
        return [Hit(chunk=chunk_from_record(cid, text or "", meta), score=1.0 - float(dist))
                for cid, text, meta, dist in zip(got["ids"][0], got["documents"][0], got["metadatas"][0],
                                                 got["distances"][0])]

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Stored embeddings by chunk id (for scoring candidates found another way)."""
        self.warm_up()
        return _vectors(self._chunks, ids)

    def iter_chunks(self) -> Iterator[Chunk]:
        self.warm_up()
        offset = 0
        while True:
            got = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
                yield chunk_from_record(cid, text or "", meta)
            offset += len(got["ids"])

    def get_chunks(self, ids: list[str]) -> dict[str, Chunk]:
        if not ids:
            return {}
        self.warm_up()
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
        """The `top_k` sentences nearest `vector`: (ids of the chunks holding it, cosine similarity)."""
        self.warm_up()
        if self._sentences.count() == 0:
            return []
        got = self._sentences.query(query_embeddings=[vector], n_results=top_k, include=["metadatas", "distances"],
                                    **({"where": where} if where else {}))
        return [(json.loads(m.get("chunk_ids", "[]")), 1.0 - float(d))
                for m, d in zip(got["metadatas"][0], got["distances"][0])]

    def sentence_vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        self.warm_up()
        return _vectors(self._sentences, ids)

    # --- documents ----------------------------------------------------------------------------
    def doc_info(self, doc_id: str) -> DocInfo | None:
        self.warm_up()
        got = self._docs.get(ids=[doc_id], include=["metadatas"])
        return _doc_info(got["ids"][0], got["metadatas"][0]) if got["ids"] else None

    def docs(self) -> list[DocInfo]:
        self.warm_up()
        out: list[DocInfo] = []
        offset = 0
        while True:
            got = self._docs.get(include=["metadatas"], limit=_PAGE, offset=offset)
            if not got["ids"]:
                break
            out.extend(_doc_info(i, m) for i, m in zip(got["ids"], got["metadatas"]))
            offset += len(got["ids"])
        return sorted(out, key=lambda d: d.doc_id)

    def put_docs(self, entries: list[tuple[DocInfo, str]]) -> None:
        """Register documents (info, original text) in one write, after their chunks are stored."""
        if not entries:
            return
        self.warm_up()
        self._docs.upsert(ids=[info.doc_id for info, _ in entries], embeddings=[_DOC_VECTOR] * len(entries),
                          metadatas=[{k: v for k, v in info.__dict__.items() if k != "doc_id"} for info, _ in entries],
                          documents=[original for _, original in entries])
        self._touch()

    def delete_doc(self, doc_id: str) -> int:
        """Remove a document and its chunks (registry entry first, so a crash leaves no half-doc)."""
        self.warm_up()
        self._docs.delete(ids=[doc_id])
        self.delete_stale_sentences(doc_id)
        removed = self.delete_stale_chunks(doc_id)
        self._touch()
        return removed

    def _touch(self) -> None:
        """Record that the contents changed: a fresh token in the registry's metadata (cheap to read)."""
        import uuid

        self._docs.modify(metadata={"changed": uuid.uuid4().hex})

    def fingerprint(self) -> str:
        """Changes whenever any document is added, changed or removed (keys the lexical index).

        One metadata read and two counts, so it is cheap enough to check on every query, and it sees
        writes made by other processes (another ingest, a Chroma server shared with others).
        """
        self.warm_up()
        token = (self._client.get_collection(f"{self.collection_name}_docs").metadata or {}).get("changed", "")
        return f"{token}:{self._docs.count()}:{self._chunks.count()}"


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


def _doc_info(doc_id: str, meta: dict[str, Any]) -> DocInfo:
    return DocInfo(doc_id=doc_id, title=str(meta.get("title", "")), date=str(meta.get("date", "")),
                   source=str(meta.get("source", "")), url=str(meta.get("url", "")),
                   chunks=int(meta.get("chunks", 0)), doc_hash=str(meta.get("doc_hash", "")),
                   language=str(meta.get("language", "")), origin=str(meta.get("origin", "")))


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
