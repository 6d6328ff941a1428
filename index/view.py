"""What readers are shown of a store: exactly the chunk records its document registry lists.

Ingest writes a document's chunks and sentence vectors first and its registry entry last, and the entry names
the chunk ids that make up that version of the document. A reader is shown a chunk only if the entry of its
document lists it. So a document is invisible until all of it is written (an ingest killed half-way leaves
nothing served that `rag docs` does not list), and a changed document switches from its old chunks to its new
ones in the one write of its entry, never showing a mix. Records that no entry lists are strays, which the
index's owner sweeps (`ChromaStore.sweep`).

A `View` is taken at one moment, tagged with the registry's change token, and replaced, never changed:
threads that hold the old one go on with a consistent picture.

Leaves out: entries written before entries listed their chunks (no `chunk_ids`): those show every chunk of
their document, as before, until the document is next ingested.

>>> v = View.of("t1", [("d1", {"chunk_ids": '["d1#a", "d1#b"]', "chunks": 2}), ("old", {"chunks": 1})])
>>> v.shows("d1#a"), v.shows("d1#zz"), v.shows("old#x"), v.shows("gone#a"), v.chunks
(True, False, True, False, 3)
>>> w = v.updated("t2", {"d2": (frozenset({"d2#c"}), 1)}, removed=["d1"])
>>> w.shows("d1#a"), w.shows("d2#c"), w.token, v.shows("d1#a")
(False, True, 't2', True)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from index.chunking import doc_of_chunk

Listing = tuple[frozenset[str] | None, int]  # a document's chunk ids (None: all of its chunks), its chunk count


@dataclass(frozen=True)
class View:
    token: str  # the registry's change token when this view was taken
    docs: Mapping[str, Listing]

    @classmethod
    def of(cls, token: str, records: Iterable[tuple[str, Mapping[str, Any]]]) -> View:
        """A view from registry records (doc id, metadata)."""
        return cls(token, {doc_id: _listing(meta) for doc_id, meta in records})

    @property
    def chunks(self) -> int:
        return sum(count for _, count in self.docs.values())

    def shows(self, chunk_id: str) -> bool:
        listing = self.docs.get(doc_of_chunk(chunk_id))
        return listing is not None and (listing[0] is None or chunk_id in listing[0])

    def registered(self, doc_id: str) -> bool:
        return doc_id in self.docs

    def updated(self, token: str, changed: Mapping[str, Listing], removed: Iterable[str] = ()) -> View:
        """This view after the registry writes of this process (which moved the token to `token`)."""
        docs = dict(self.docs)
        docs.update(changed)
        for doc_id in removed:
            docs.pop(doc_id, None)
        return View(token, docs)


def listing(chunk_ids: Iterable[str]) -> Listing:
    ids = frozenset(chunk_ids)
    return ids, len(ids)


def _listing(meta: Mapping[str, Any]) -> Listing:
    raw = meta.get("chunk_ids")
    count = int(meta.get("chunks", 0) or 0)
    if not isinstance(raw, str):
        return None, count
    try:
        return frozenset(json.loads(raw)), count
    except ValueError:
        return None, count
