"""BM25 over Arabic-normalised, lightly stemmed tokens (index/bm25.py), kept in step with the store.

When the store's fingerprint moves, the index is brought in line with what the store now shows by chunk id:
chunks that are no longer shown are tombstoned, chunks not yet indexed are fetched by id and analysed into a
new small segment; nothing else is analysed again (chunk ids hash a chunk's content, so an id that stays
means text that stays). In a process that already holds the index, the ids shown come from the store's view
(its registry entries list their chunks: no store scan); a process that starts reads the cache
(index/lexical_cache.py) and then every chunk shown, which it needs in memory anyway. Whoever changed the
store (this process, another one, or one that ignored the owner lock) the result is the same set of chunks
as a rebuild, and the same scores (corpus statistics are combined across segments at query time).

When tombstones and small segments reach `MERGE_AT` of the index, the parts are merged into one segment
(arithmetic on the stored counts, no analysis); when there are more than `MAX_PARTS`, only the small ones are
merged, so a run of small uploads never rewrites the big base segment. When more than `REBUILD_AT`
of the chunks are new (a first ingest), the index is built afresh.

>>> from index.types import Chunk
>>> mk = lambda i, t: Chunk(f"c{i}", "d", t, 0, len(t), i)
>>> bm = BM25([mk(0, "فر مقاتلو التنظيم إلى الصحراء"), mk(1, "اجتماع مجلس الأمن في نيويورك")])
>>> [h.chunk.chunk_id for h in bm.search("المقاتلين في الصحراء", 2)]
['c0']
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from index.bm25 import BM25, STOPWORDS, Part, analyze
from index.lexical_cache import LexicalCache
from index.store import ChunkSource
from index.types import Chunk

__all__ = ["BM25", "STOPWORDS", "LexicalIndex", "analyze"]

MERGE_AT = 0.25  # merge when this share of the columns is tombstones or small segments
MAX_PARTS = 12  # merge the small parts when there are more parts than this
REBUILD_AT = 0.5  # analyse everything afresh when more than this share of the chunks is new
_PAGE = 2000


class LexicalIndex:
    """BM25 for a store, following its fingerprint incrementally and cached in `cache_dir`.

    `how` says what the last change of fingerprint cost: "loaded" (from the cache, as it was), "updated"
    (tombstones and/or a new segment), "merged" (updated, then its parts merged) or "rebuilt" (everything
    analysed)."""

    def __init__(self, store: ChunkSource, cache_dir: str | Path, *, merge_at: float = MERGE_AT) -> None:
        self.store = store
        self.merge_at = merge_at
        self.cache = LexicalCache(cache_dir, store.collection_name)
        self._fingerprint = ""
        self._bm25: BM25 | None = None
        self._lock = threading.Lock()  # one update at a time; readers keep the BM25 they were given
        self.how = ""

    def get(self, fingerprint: str | None = None) -> BM25:
        fp = fingerprint or self.store.fingerprint()
        if self._bm25 is not None and fp == self._fingerprint:
            return self._bm25
        with self._lock:
            if self._bm25 is None or fp != self._fingerprint:
                # The fingerprint is read before the chunks: a write in between moves it again, so the
                # next call looks again (and finds nothing, or the rest, to do).
                self._bm25 = self._follow(fp)
                self._fingerprint = fp
            return self._bm25

    def rebuild(self) -> BM25:
        """Analyse every chunk the store shows afresh (and cache the result)."""
        with self._lock:
            fp = self.store.fingerprint()
            self._bm25, self._fingerprint = self._rebuilt(fp, {c.chunk_id: c for c in self.store.iter_chunks()}), fp
            return self._bm25

    def _follow(self, fp: str) -> BM25:
        if self._bm25 is None:
            return self._loaded(fp)
        held = self._bm25.live_ids
        wanted = self._wanted()
        if wanted is None:  # entries that do not list their chunks: read what is shown
            current = {c.chunk_id: c for c in self.store.iter_chunks()}
            return self._updated(fp, self._bm25, held, current)
        missing = wanted - held
        if len(missing) > REBUILD_AT * max(len(wanted), 1):
            return self._rebuilt(fp, {c.chunk_id: c for c in self.store.iter_chunks()})
        fetched = self._fetch(sorted(missing))
        return self._save(fp, self._bm25.changed(list(fetched.values()), held - wanted))

    def _loaded(self, fp: str) -> BM25:
        """From the cache, brought in line with the chunks the store shows; rebuilt if there is none."""
        current = {c.chunk_id: c for c in self.store.iter_chunks()}
        stored = self.cache.load()
        if stored is None:
            return self._rebuilt(fp, current)
        live = [i for p in stored.parts for i in p.segment.ids if i not in p.dead]
        held = set(live)
        if len(held) != len(live):  # a chunk live twice: not a manifest we wrote
            return self._rebuilt(fp, current)
        gone = held - current.keys()
        parts = [Part(p.segment, p.dead | {i for i in gone if i in p.segment.column}) for p in stored.parts]
        bm25 = BM25.of(parts, current)
        if not gone and held == current.keys():
            self.how = "loaded"
            if stored.fingerprint != fp:
                self.cache.save(fp, bm25.parts)
            return bm25
        return self._updated(fp, bm25, held - gone, current)

    def _updated(self, fp: str, bm25: BM25, held: set[str], current: Mapping[str, Chunk]) -> BM25:
        added = [c for i, c in current.items() if i not in held]
        if len(added) > REBUILD_AT * max(len(current), 1):
            return self._rebuilt(fp, current)
        return self._save(fp, bm25.changed(added, held - current.keys()))

    def _rebuilt(self, fp: str, current: Mapping[str, Chunk]) -> BM25:
        bm25 = BM25(list(current.values()))
        self.cache.save(fp, bm25.parts)
        self.how = "rebuilt"
        return bm25

    def _save(self, fp: str, bm25: BM25) -> BM25:
        self.how = "updated"
        if bm25.fragmentation() > self.merge_at:
            bm25, self.how = bm25.merged(), "merged"
        elif len(bm25.parts) > MAX_PARTS:  # many small segments: merge those, the base stays as it is
            bm25, self.how = bm25.merged(small_only=True), "merged"
        self.cache.save(fp, bm25.parts)
        return bm25

    def _wanted(self) -> set[str] | None:
        """The ids of the chunks the store shows, from its registry entries; None if one does not list them."""
        wanted: set[str] = set()
        for listed, _ in self.store.view().docs.values():
            if listed is None:
                return None
            wanted |= listed
        return wanted

    def _fetch(self, ids: list[str]) -> dict[str, Chunk]:
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), _PAGE):
            found.update(self.store.get_chunks(ids[i : i + _PAGE]))
        return found
