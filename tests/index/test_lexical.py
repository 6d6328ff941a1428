"""The lexical index follows the store incrementally, scores as a rebuild would, and caches only data."""

import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest
from index.lexical import BM25, LexicalIndex
from tests.conftest import ARTICLES

QUERY = "واغادوغو"
QUERIES = [QUERY, "داعش سرت", "الأمم المتحدة مجلس الأمن", "قاعة المؤتمرات في العاصمة", "Sirte ISIS fighters"]


class _Planted:
    """Unpickling this creates `marker`: proof that a cache file's code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _ingest(store, fake_embedder, folder: Path) -> None:
    ingest([folder], store=store, embedder=fake_embedder, counter=fake_embedder, embedder_name=fake_embedder.name,
           settings=ChunkSettings(max_tokens=80, overlap_tokens=20, sentence_vectors=False))


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    return folder


@pytest.fixture
def filled(corpus, store, fake_embedder):
    _ingest(store, fake_embedder, corpus)
    return store


def _expected(store, cache_dir: Path) -> list[str]:
    return [h.chunk.chunk_id for h in LexicalIndex(store, cache_dir).get().search(QUERY, 5)]


def assert_scores_as_rebuilt(bm25: BM25, store) -> None:
    """Every query scores every chunk as BM25 built from scratch over the store's chunks does."""
    fresh = BM25(list(store.iter_chunks()))
    assert sorted(c.chunk_id for c in bm25.chunks) == sorted(c.chunk_id for c in fresh.chunks)
    for query in QUERIES:
        got, want = bm25.scores(query), fresh.scores(query)
        assert got.keys() == want.keys()
        for cid, score in want.items():
            assert got[cid] == pytest.approx(score, rel=1e-5, abs=1e-6)


def test_a_pickle_planted_at_the_old_cache_paths_is_never_loaded(filled, tmp_path):
    cache_dir, marker = tmp_path / "index", tmp_path / "pwned"
    cache_dir.mkdir()
    old = cache_dir / f"bm25-{filled.collection_name}.pkl"
    old.write_bytes(pickle.dumps((filled.fingerprint(), _Planted(marker))))
    older = cache_dir / f"bm25-{filled.collection_name}.npz"
    with older.open("wb") as f:
        np.savez(f, meta=np.array([_Planted(marker)], dtype=object))
    hits = LexicalIndex(filled, cache_dir).get().search(QUERY, 5)
    assert hits and not marker.exists()
    assert not old.exists() and not older.exists()  # replaced by the segmented cache


def test_a_corrupt_or_foreign_cache_is_rebuilt_without_running_anything(filled, tmp_path):
    cache_dir, marker = tmp_path / "index", tmp_path / "pwned"
    expected = _expected(filled, cache_dir)
    manifest = cache_dir / f"bm25-{filled.collection_name}.json"
    [segment] = cache_dir.glob("bm25-*.seg-*.npz")
    good_manifest, good_segment = manifest.read_bytes(), segment.read_bytes()
    for path, content in ((segment, None), (segment, b"\x00garbage"), (segment, good_segment[:100]),
                          (manifest, b"{not json"), (manifest, good_manifest.replace(segment.name[-36:-4].encode(),
                                                                                      b"../../../etc/passwd"))):
        manifest.write_bytes(good_manifest)
        segment.write_bytes(good_segment)
        if content is None:  # an .npz whose array would unpickle the planted object
            with path.open("wb") as f:
                np.savez(f, meta=np.array([_Planted(marker)], dtype=object))
        else:
            path.write_bytes(content)
        lexical = LexicalIndex(filled, cache_dir)
        assert [h.chunk.chunk_id for h in lexical.get().search(QUERY, 5)] == expected
        assert lexical.how == "rebuilt" and not marker.exists()


def test_the_cache_is_reused_by_the_next_process_and_follows_the_store(filled, tmp_path):
    cache_dir = tmp_path / "index"
    expected = _expected(filled, cache_dir)
    [segment] = cache_dir.glob("bm25-*.seg-*")
    written = segment.stat().st_mtime_ns
    lexical = LexicalIndex(filled, cache_dir)
    assert [h.chunk.chunk_id for h in lexical.get().search(QUERY, 5)] == expected
    assert lexical.how == "loaded" and segment.stat().st_mtime_ns == written  # loaded, not rebuilt
    for doc_id in {c.split("#")[0] for c in expected}:
        filled.delete_doc(doc_id)
    lexical = LexicalIndex(filled, cache_dir)
    assert lexical.get().search(QUERY, 5) == []
    assert lexical.how in ("updated", "merged")  # tombstones, not a rebuild
    assert_scores_as_rebuilt(lexical.get(), filled)


def test_adding_and_removing_documents_updates_the_index_as_a_rebuild_would(corpus, store, fake_embedder, tmp_path):
    later = tmp_path / "later"
    later.mkdir()
    for path in sorted(corpus.glob("*.txt"))[-2:]:
        shutil.move(path, later / path.name)
    _ingest(store, fake_embedder, corpus)
    lexical = LexicalIndex(store, tmp_path / "cache", merge_at=1.0)  # never merged: parts and tombstones stay
    lexical.get()
    assert lexical.how == "rebuilt"

    _ingest(store, fake_embedder, later)
    bm25 = lexical.get()
    assert lexical.how == "updated" and len(bm25.parts) == 2
    assert_scores_as_rebuilt(bm25, store)

    doc = bm25.search(QUERY, 1)[0].chunk.doc_id
    store.delete_doc(doc)
    assert doc not in {h.chunk.doc_id for h in lexical.get().search(QUERY, 50)}
    assert_scores_as_rebuilt(lexical.get(), store)

    assert len(lexical.get().parts) == 2 and any(p.dead for p in lexical.get().parts)  # a tombstone
    reloaded = LexicalIndex(store, tmp_path / "cache")  # the next process: the parts and tombstones on disk
    assert_scores_as_rebuilt(reloaded.get(), store)
    assert reloaded.how == "loaded" and len(reloaded.get().parts) == 2
    merged = LexicalIndex(store, tmp_path / "cache").get().merged()
    assert len(merged.parts) == 1
    assert_scores_as_rebuilt(merged, store)


def test_the_index_follows_writes_made_through_another_store(filled, corpus, tmp_path, fake_embedder):
    lexical = LexicalIndex(filled, tmp_path / "cache")
    lexical.get()
    other = ChromaStore(path=filled.path, collection=filled.collection_name)  # as another process would
    doc = sorted(d.doc_id for d in other.docs())[0]
    other.delete_doc(doc)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("واغادوغو عاصمة بوركينا فاسو وفيها قاعة كبيرة للمؤتمرات.\n", encoding="utf-8")
    _ingest(other, fake_embedder, extra)
    other.close()
    assert filled.changed_elsewhere()
    filled.refresh()
    bm25 = lexical.get()
    assert lexical.how in ("updated", "merged")
    assert "new" in {c.doc_id for c in bm25.chunks} and doc not in {c.doc_id for c in bm25.chunks}
    assert_scores_as_rebuilt(bm25, filled)


def test_two_writers_never_share_a_temporary_file(filled, tmp_path, monkeypatch):
    from index import files

    seen: list[Path] = []
    real = files.open_private
    monkeypatch.setattr(files, "open_private", lambda path: seen.append(Path(path)) or real(path))
    LexicalIndex(filled, tmp_path / "cache").rebuild()
    LexicalIndex(filled, tmp_path / "cache").rebuild()
    assert len(seen) == len(set(seen)) == 4  # a segment and a manifest each, every one under its own name
    assert not list((tmp_path / "cache").glob("*.tmp"))


def test_bm25_ranks_the_chunk_sharing_the_rarest_terms_first_and_skips_non_matches():
    from index.types import Chunk

    texts = ["مقاتلو داعش في سرت", "اجتماع في طرابلس", "داعش في سرت وبني وليد", "طقس مشمس"]
    chunks = [Chunk(f"c{i}", f"d{i}", t, 0, len(t), 0) for i, t in enumerate(texts)]
    hits = BM25(chunks).search("بني وليد داعش", 4)
    assert [h.chunk.chunk_id for h in hits] == ["c2", "c0"]  # c2 holds the rare terms; c1, c3 share none
    assert hits[0].score > hits[1].score > 0
    assert BM25(chunks).search("Sirte", 4) == []  # no shared term: nothing, not noise


def test_segments_tombstones_and_merges_score_as_one_bm25_over_the_live_chunks():
    import random

    from index.types import Chunk

    rng = random.Random(7)
    words = "داعش سرت طرابلس مقاتل الصحراء مجلس الامن نيويورك قاعة مؤتمر بوركينا تونس جوهرة اذاعة".split()
    pool = [Chunk(f"d{i // 3}#{i}", f"d{i // 3}", " ".join(rng.choices(words, k=rng.randint(3, 30))), 0, 1, i % 3,
                  title=f"عنوان {i}") for i in range(120)]
    live = pool[:40]
    bm25 = BM25(live)
    for step in range(12):
        added = pool[40 + step * 6 : 46 + step * 6]
        removed = {c.chunk_id for c in rng.sample(live, 4)}
        live = [c for c in live if c.chunk_id not in removed] + added
        bm25 = bm25.changed(added, removed)
        if step % 5 == 4:
            bm25 = bm25.merged()
            assert len(bm25.parts) == 1
        elif step % 5 == 2:
            biggest = max(bm25.parts, key=lambda p: len(p.segment.ids))
            bm25 = bm25.merged(small_only=True)
            assert len(bm25.parts) == 2 and bm25.parts[0] == biggest  # the base is kept, tombstones and all
        fresh = BM25(live)
        assert bm25.n == fresh.n == len(live)
        for query in ("داعش في سرت", "مجلس الامن", "قاعة مؤتمر تونس عنوان", "nothing"):
            got, want = bm25.scores(query), fresh.scores(query)
            assert got.keys() == want.keys()
            assert all(got[c] == pytest.approx(want[c], rel=1e-5) for c in want)
            assert bm25.df(query.split()[0]) == fresh.df(query.split()[0])


def test_normalised_and_stemmed_forms_match():
    from index.lexical import analyze
    from index.types import Chunk

    assert analyze("والمقاتلين") == analyze("المقاتلين") == ["مقاتل"]
    chunk = Chunk("c", "d", "أعلنت القوات الأمريكية", 0, 22, 0)
    assert BM25([chunk]).search("اعلنت القوات الامريكيه", 1)[0].chunk.chunk_id == "c"


def test_a_removed_document_leaves_the_lexical_index_at_once(filled, tmp_path):
    store, lexical = filled, LexicalIndex(filled, tmp_path / "cache")
    doc = lexical.get().search(QUERY, 5)[0].chunk.doc_id
    store.delete_doc(doc)
    assert doc not in {h.chunk.doc_id for h in lexical.get().search(QUERY, 50)}


def test_segments_no_manifest_lists_are_tidied_only_once_they_are_old(filled, tmp_path):
    import os

    from index.lexical_cache import GRACE

    cache_dir = tmp_path / "cache"
    LexicalIndex(filled, cache_dir).rebuild()
    [first] = cache_dir.glob("bm25-*.seg-*.npz")
    LexicalIndex(filled, cache_dir).rebuild()  # a new segment: the first is listed nowhere now
    assert first.exists()  # young: a reader may have read the manifest that listed it a moment ago
    old = first.stat().st_mtime - GRACE - 1
    os.utime(first, (old, old))
    LexicalIndex(filled, cache_dir).rebuild()
    assert not first.exists() and len(list(cache_dir.glob("bm25-*.seg-*.npz"))) == 2
    assert LexicalIndex(filled, cache_dir).get() and not list(cache_dir.glob("*.tmp"))


def test_a_search_by_analysed_terms_scores_as_the_text_they_come_from():
    from index.lexical import analyze
    from index.types import Chunk

    bm = BM25([Chunk("c0", "d", "فر مقاتلو التنظيم إلى الصحراء", 0, 9, 0),
               Chunk("c1", "d", "اجتماع في نيويورك", 0, 9, 1)])
    by_text = bm.search("المقاتلين في الصحراء", 2)
    by_terms = bm.search(analyze("المقاتلين في الصحراء"), 2)
    assert [(h.chunk.chunk_id, h.score) for h in by_text] == [(h.chunk.chunk_id, h.score) for h in by_terms]
    assert bm.vocabulary() >= {"صحراء", "نيويورك"}


def test_a_structured_query_counts_a_words_translations_as_one_term():
    from index.lexical import analyze
    from index.types import Chunk

    texts = ["قتل ومقتل ومصرع في الهجوم على المدينة", "قتل في السجن", "اجتماع في نيويورك", "طقس مشمس في تونس"]
    bm = BM25([Chunk(f"c{i}", f"d{i}", t, 0, len(t), i) for i, t in enumerate(texts)])
    kill, prison = analyze("قتل مقتل مصرع"), analyze("سجن")
    flat = bm.search(kill + prison, 4)
    assert flat[0].chunk.chunk_id == "c0"  # three forms of "killed" outweigh "killed" and "prison"
    structured = bm.search_groups([kill, prison], 4)
    assert [h.chunk.chunk_id for h in structured] == ["c1", "c0"]  # both words first; nothing for the others
    assert bm.search_groups([prison], 4)[0].score == pytest.approx(bm.search(prison, 4)[0].score)  # plain BM25
    assert bm.search_groups([analyze("صحراء")], 4) == []


def test_a_structured_query_over_segments_and_removals_scores_as_a_fresh_index():
    from index.lexical import analyze
    from index.types import Chunk

    texts = ["قتل ومقتل في الهجوم", "قتل في السجن", "مصرع سجين", "اجتماع في نيويورك"]
    chunks = [Chunk(f"c{i}", f"d{i}", t, 0, len(t), i) for i, t in enumerate(texts)]
    grown = BM25(chunks[:2]).changed(chunks[2:]).changed([], removed={"c1"})
    fresh = BM25([chunks[0], chunks[2], chunks[3]])
    groups = [analyze("قتل مقتل مصرع"), analyze("سجن سجين")]
    assert [(h.chunk.chunk_id, pytest.approx(h.score)) for h in grown.search_groups(groups, 4)] == [
        (h.chunk.chunk_id, h.score) for h in fresh.search_groups(groups, 4)]
    assert "c1" not in {h.chunk.chunk_id for h in grown.search_groups(groups, 4)}
