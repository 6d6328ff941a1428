"""The lexical (BM25) cache on disk: data only, never executed, rebuilt when it is not usable."""

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.ingest import ChunkSettings, ingest
from index.lexical import LexicalIndex
from tests.conftest import ARTICLES

QUERY = "واغادوغو"


class _Planted:
    """Unpickling this creates `marker`: proof that a cache file's code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def filled(tmp_path, store, fake_embedder):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    ingest([corpus], store=store, embedder=fake_embedder, counter=fake_embedder, embedder_name=fake_embedder.name,
           settings=ChunkSettings(max_tokens=80, overlap_tokens=20))
    return store


def _expected(store, cache_dir: Path) -> list[str]:
    return [h.chunk.chunk_id for h in LexicalIndex(store, cache_dir).get().search(QUERY, 5)]


def test_a_pickle_planted_at_the_old_cache_path_is_never_loaded(filled, tmp_path):
    cache_dir, marker = tmp_path / "index", tmp_path / "pwned"
    cache_dir.mkdir()
    old = cache_dir / f"bm25-{filled.collection_name}.pkl"
    old.write_bytes(pickle.dumps((filled.fingerprint(), _Planted(marker))))
    hits = LexicalIndex(filled, cache_dir).get().search(QUERY, 5)
    assert hits and not marker.exists()
    assert not old.exists()  # replaced by the data-only cache


def test_a_corrupt_or_foreign_cache_is_rebuilt_without_running_anything(filled, tmp_path):
    cache_dir, marker = tmp_path / "index", tmp_path / "pwned"
    expected = _expected(filled, tmp_path / "reference")
    [cache] = (tmp_path / "reference").glob("bm25-*")
    cache_dir.mkdir()
    planted = cache_dir / cache.name
    with planted.open("wb") as f:  # an .npz whose array would unpickle the planted object
        np.savez(f, meta=np.array([_Planted(marker)], dtype=object))
    for content in (None, b"\x00garbage", cache.read_bytes()[:100]):
        if content is not None:
            planted.write_bytes(content)
        lexical = LexicalIndex(filled, cache_dir)
        assert [h.chunk.chunk_id for h in lexical.get().search(QUERY, 5)] == expected
        assert not marker.exists()


def test_the_cache_is_reused_by_the_next_process_and_follows_the_store(filled, tmp_path):
    cache_dir = tmp_path / "index"
    expected = _expected(filled, cache_dir)
    [cache] = cache_dir.glob("bm25-*")
    written = cache.stat().st_mtime_ns
    assert [h.chunk.chunk_id for h in LexicalIndex(filled, cache_dir).get().search(QUERY, 5)] == expected
    assert cache.stat().st_mtime_ns == written  # loaded, not rebuilt
    for doc_id in {c.split("#")[0] for c in expected}:
        filled.delete_doc(doc_id)
    assert LexicalIndex(filled, cache_dir).get().search(QUERY, 5) == []


def test_bm25_ranks_the_chunk_sharing_the_rarest_terms_first_and_skips_non_matches():
    from index.lexical import BM25
    from index.types import Chunk

    texts = ["مقاتلو داعش في سرت", "اجتماع في طرابلس", "داعش في سرت وبني وليد", "طقس مشمس"]
    chunks = [Chunk(f"c{i}", f"d{i}", t, 0, len(t), 0) for i, t in enumerate(texts)]
    hits = BM25(chunks).search("بني وليد داعش", 4)
    assert [h.chunk.chunk_id for h in hits] == ["c2", "c0"]  # c2 holds the rare terms; c1, c3 share none
    assert hits[0].score > hits[1].score > 0
    assert BM25(chunks).search("Sirte", 4) == []  # no shared term: nothing, not noise


def test_normalised_and_stemmed_forms_match():
    from index.lexical import BM25, analyze
    from index.types import Chunk

    assert analyze("والمقاتلين") == analyze("المقاتلين") == ["مقاتل"]
    chunk = Chunk("c", "d", "أعلنت القوات الأمريكية", 0, 22, 0)
    assert BM25([chunk]).search("اعلنت القوات الامريكيه", 1)[0].chunk.chunk_id == "c"


def test_a_removed_document_leaves_the_lexical_index_at_once(filled, tmp_path):
    store, lexical = filled, LexicalIndex(filled, tmp_path / "cache")
    doc = lexical.get().search(QUERY, 5)[0].chunk.doc_id
    store.delete_doc(doc)
    assert doc not in {h.chunk.doc_id for h in lexical.get().search(QUERY, 50)}
