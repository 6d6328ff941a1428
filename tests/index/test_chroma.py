"""ChromaStore as the three store Protocols: what goes in comes back, nothing else is stored, deletes reach
every collection, and the fingerprint moves with every change."""

import numpy as np

from index.store import Registration
from index.types import Chunk, DocInfo


def chunk(i: int, doc: str = "d1", text: str = "") -> Chunk:
    text = text or f"نص المقطع رقم {i}"
    return Chunk(chunk_id=f"{doc}#c{i}", doc_id=doc, text=text, start=10 * i, end=10 * i + len(text), position=i,
                 title="عنوان", date="2016-07-01", source="وكالة", url="http://x/1", language="ar",
                 sentences=((0, len(text), 10 * i, 10 * i + len(text)),))


def register(store, *chunks: Chunk) -> None:
    """Write the registry entries that make `chunks` visible to readers (as ingest does after writing them)."""
    by_doc: dict[str, list[str]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
    store.put_docs([Registration(DocInfo(doc, "t", "", "", "", len(ids)), "نص", tuple(ids))
                    for doc, ids in by_doc.items()])


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_chunks_come_back_exactly_as_written(store):
    chunks = [chunk(0), chunk(1)]
    store.add_chunks(chunks, np.stack([unit(1, 0, 0), unit(0, 1, 0)]))
    assert store.get_chunks([c.chunk_id for c in chunks]) == {}  # not registered yet: never shown
    register(store, *chunks)
    assert store.get_chunks([c.chunk_id for c in chunks]) == {c.chunk_id: c for c in chunks}
    assert sorted(store.iter_chunks(), key=lambda c: c.position) == chunks


def test_a_chunk_record_holds_only_what_is_read_back(store):
    store.add_chunks([chunk(0)], unit(1, 0, 0)[None, :])
    store.warm_up()
    meta = store._chunks.get(ids=["d1#c0"], include=["metadatas"])["metadatas"][0]
    assert set(meta) == {"doc_id", "title", "date", "source", "url", "language", "start", "end", "position",
                         "sentences"}  # no llama-index node JSON riding along


def test_dense_search_ranks_by_cosine_and_reports_it(store):
    store.add_chunks([chunk(0), chunk(1), chunk(2)], np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)]))
    register(store, chunk(0), chunk(1), chunk(2))
    hits = store.dense_search(unit(1, 0.2, 0).tolist(), 3)
    assert [h.chunk.chunk_id for h in hits] == ["d1#c0", "d1#c1", "d1#c2"]
    for h, v in zip(hits, (unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1))):
        assert abs(h.score - float(v @ unit(1, 0.2, 0))) < 1e-4


def test_metadata_filters_reach_the_vector_search(store):
    store.add_chunks([chunk(0, "a"), chunk(0, "b")], np.stack([unit(1, 0), unit(1, 0.1)]))
    register(store, chunk(0, "a"), chunk(0, "b"))
    hits = store.dense_search(unit(1, 0).tolist(), 5, where={"doc_id": {"$in": ["b"]}})
    assert [h.chunk.doc_id for h in hits] == ["b"]


def test_deleting_a_document_removes_its_registry_entry_chunks_and_sentences(store):
    store.add_chunks([chunk(0, "a"), chunk(1, "a"), chunk(0, "b")], np.stack([unit(1, 0)] * 3))
    store.add_sentences(["a@0#s0", "b@0#s0"], np.stack([unit(1, 0)] * 2),
                        [{"doc_id": "a", "chunk_ids": '["a#c0"]'}, {"doc_id": "b", "chunk_ids": '["b#c0"]'}])
    register(store, chunk(0, "a"), chunk(1, "a"), chunk(0, "b"))
    assert store.delete_doc("a") == 2
    assert store.doc_info("a") is None and store.existing_ids(["a#c0", "a#c1", "b#c0"]) == {"b#c0"}
    assert store.existing_sentence_ids(["a@0#s0", "b@0#s0"]) == {"b@0#s0"}
    assert [d.doc_id for d in store.docs()] == ["b"]


def test_the_fingerprint_moves_with_every_registered_change(store):
    before = store.fingerprint()
    store.add_chunks([chunk(0, "a")], unit(1, 0)[None, :])
    register(store, chunk(0, "a"))
    registered = store.fingerprint()
    store.delete_doc("a")
    assert len({before, registered, store.fingerprint()}) == 3


def test_sentence_search_returns_the_chunks_holding_each_sentence(store):
    store.add_sentences(["a@0#s0", "a@1#s1"], np.stack([unit(1, 0), unit(0, 1)]),
                        [{"doc_id": "a", "chunk_ids": '["a#c0", "a#c1"]'}, {"doc_id": "a", "chunk_ids": '["a#c2"]'}])
    register(store, chunk(0, "a"), chunk(1, "a"), chunk(2, "a"))
    (ids, sim), (ids2, _) = store.sentence_search(unit(1, 0).tolist(), 2)
    assert ids == ["a#c0", "a#c1"] and abs(sim - 1.0) < 1e-4 and ids2 == ["a#c2"]
    assert set(store.sentence_vectors(["a@0#s0", "a@1#s1", "nope"])) == {"a@0#s0", "a@1#s1"}
