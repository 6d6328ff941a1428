"""Near-duplicate articles: the signatures alone, then folded at ingest into a real Chroma (temp dir) with the hash
embedder: stored once, every copy's metadata kept, and never lost when the article it was folded into goes."""

import json
import shutil
from itertools import combinations
from pathlib import Path

import pytest

from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest, remove_document
from index.near_duplicates import LshIndex, decode, encode, fold, signature, similarity
from tests.conftest import ARTICLES
from tests.fakes import HashEmbedder

SMALL = ChunkSettings(max_tokens=80, overlap_tokens=20)
KEPT = "003_3c966266f86ced41"  # sorted before the copy: read first, so it is the one stored in full
COPY = "003_copy"
COPY_META = {"title": "مخاوف من خلايا سرية لداعش في ليبيا", "source": "وكالة الأناضول", "date": "2016-07-20",
             "url": "https://example.org/copy"}
OTHER_STORY = ("أعلنت بلدية صفاقس عن افتتاح سوق أسبوعية جديدة للمنتجات الفلاحية في حي الحبيب، "
               "وقال رئيس البلدية إن السوق ستفتح أبوابها كل يوم سبت من الثامنة صباحًا حتى الثانية ظهرًا، "
               "وإن الفلاحين من الجهات المجاورة سيعرضون فيها الخضر والغلال والزيت بأسعار مراقبة.")


def near_copy(text: str) -> str:
    """The article with one word changed."""
    assert text.count("الطائلة") == 1
    return text.replace("الطائلة", "الكبيرة")


def seed_text(doc_id: str = KEPT) -> str:
    return (ARTICLES / f"{doc_id}.txt").read_text(encoding="utf-8")


def run(paths, store, embedder=None, settings=SMALL, **kw):
    embedder = embedder or HashEmbedder()
    return ingest(paths, store=store, embedder=embedder, counter=embedder, embedder_name=embedder.name,
                  settings=settings, **kw)


def remove(doc_id, store):
    emb = HashEmbedder()
    return remove_document(doc_id, store=store, embedder=emb, counter=emb, embedder_name=emb.name, settings=SMALL)


def write_copy(folder: Path, text: str | None = None) -> Path:
    path = folder / f"{COPY}.txt"
    path.write_text(near_copy(seed_text()) if text is None else text, encoding="utf-8")
    (folder / f"{COPY}.meta.json").write_text(json.dumps(COPY_META, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """The five seed articles and a copy of one of them, one word changed, from another source and date."""
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    write_copy(folder)
    return folder


def docs_by_id(store):
    return {d.doc_id: d for d in store.docs()}


def served(store) -> dict[str, int]:
    counts: dict[str, int] = {}
    for chunk in store.iter_chunks():
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return counts


# --- the signatures ------------------------------------------------------------------------------------------
def test_one_changed_word_is_a_near_duplicate_and_articles_on_the_same_topic_are_not():
    text = seed_text()
    assert similarity(signature(text), signature(near_copy(text))) >= 0.9
    seeds = sorted(p.stem for p in ARTICLES.glob("*.txt"))  # five articles on ISIS in Libya
    for a, b in combinations(seeds, 2):
        assert similarity(signature(seed_text(a)), signature(seed_text(b))) < 0.2, (a, b)


def test_normalised_spelling_and_case_do_not_tell_copies_apart():
    assert similarity(signature("أحمد إلى المدرسة Today ١٢"), signature("احمد الى المدرسه today 12")) == 1.0
    assert signature("  ,. ") is None


def test_a_signature_round_trips_as_text_and_another_scheme_reads_as_none():
    sig = signature(seed_text())
    assert (decode(encode(sig)) == sig).all()
    assert decode("mh0-w3-p64:" + encode(sig).partition(":")[2]) is None
    assert decode("") is None and decode("garbage") is None


def test_the_index_finds_the_most_similar_above_the_threshold_and_nothing_when_off():
    text = seed_text()
    index = LshIndex(0.8)
    for doc_id in sorted(p.stem for p in ARTICLES.glob("*.txt")):
        index.add(doc_id, signature(seed_text(doc_id)))
    assert index.match(signature(near_copy(text)))[0] == KEPT
    index.discard(KEPT)
    assert index.match(signature(near_copy(text))) is None and len(index) == 4
    off = LshIndex(0.0)
    off.add(KEPT, signature(text))
    assert off.match(signature(text)) is None


def test_folding_in_order_keeps_the_first_and_matches_only_kept_articles():
    a = ("the council met on monday in tripoli and agreed to hold the vote in march after two weeks of talks "
         "between the rival governments; the envoy said the date would be kept whatever the weather, and the "
         "parties asked the observers to arrive a month early to check the lists in every town of the south")
    b = a.replace("monday", "tuesday")
    folded = fold([("a", signature(a)), ("b", signature(b)), ("c", signature(a)), ("empty", None)], 0.8)
    assert {k: v[0] for k, v in folded.items()} == {"b": "a", "c": "a"}


# --- at ingest -----------------------------------------------------------------------------------------------
def test_a_near_identical_article_is_folded_not_embedded_and_keeps_its_own_metadata(corpus, store, tmp_path):
    report = run([corpus], store)
    assert report.folded == {COPY: KEPT} and COPY in report.added
    docs = docs_by_id(store)
    copy = docs[COPY]
    assert (copy.copy_of, copy.chunks, copy.copy_of_hash) == (KEPT, 0, docs[KEPT].doc_hash)
    assert (copy.title, copy.source, copy.date, copy.url) == tuple(COPY_META.values())
    assert COPY not in served(store) and served(store)[KEPT] == docs[KEPT].chunks
    assert not [s for s in store._sentences.get(where={"doc_id": COPY}, include=[])["ids"]]
    assert store.originals([COPY])[COPY] == near_copy(seed_text())  # the copy's own text is kept

    alone = ChromaStore(path=tmp_path / "alone", collection="alone")
    without = tmp_path / "without"
    shutil.copytree(ARTICLES, without)
    assert run([without], alone).chunks_embedded == report.chunks_embedded  # nothing embedded for the copy


def test_different_articles_on_the_same_topic_are_not_folded(tmp_path, store):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    report = run([folder], store)
    assert not report.folded and len(report.added) == 5
    assert all(not d.copy_of and d.chunks for d in store.docs())


def test_reingesting_is_idempotent(corpus, store):
    run([corpus], store)
    before = docs_by_id(store)
    again = HashEmbedder()
    report = run([corpus], store, again)
    assert len(report.unchanged) == 6 and not report.folded and not report.added and not report.changed
    assert again.texts_embedded == 0 and docs_by_id(store) == before


def test_a_later_ingest_finds_copies_of_what_an_earlier_one_stored(tmp_path):
    first, later = tmp_path / "first", tmp_path / "later"
    shutil.copytree(ARTICLES, first)
    later.mkdir()
    write_copy(later)
    run([first], ChromaStore(path=tmp_path / "index", collection="test"))
    reopened = ChromaStore(path=tmp_path / "index", collection="test")  # signatures persist with the registry
    assert run([later], reopened).folded == {COPY: KEPT}


def test_entries_stored_before_signatures_get_them_on_the_next_ingest(tmp_path, store):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    run([folder], store)
    store.put_signatures({d.doc_id: "" for d in store.docs()})  # as an index made before this feature
    assert run([folder], store).unchanged and all(decode(d.minhash) is not None for d in store.docs())
    write_copy(folder)
    assert run([folder], store).folded == {COPY: KEPT}


def test_removing_a_copy_just_drops_it(corpus, store):
    run([corpus], store)
    chunks = store.chunk_count()
    removed, report = remove(COPY, store)
    assert removed == 0 and not report.promoted and COPY not in docs_by_id(store)
    assert store.chunk_count() == chunks


def test_removing_the_kept_article_stores_its_copy_in_full(corpus, store):
    run([corpus], store)
    removed, report = remove(KEPT, store)
    assert removed > 0 and report.promoted == [COPY]
    docs = docs_by_id(store)
    assert KEPT not in docs and not docs[COPY].copy_of and docs[COPY].chunks == served(store)[COPY] > 0
    assert {c.source for c in store.iter_chunks() if c.doc_id == COPY} == {COPY_META["source"]}
    (corpus / f"{KEPT}.txt").unlink()
    (corpus / f"{KEPT}.meta.json").unlink()
    again = HashEmbedder()
    assert len(run([corpus], store, again).unchanged) == 5 and again.texts_embedded == 0  # rebuilt as ingested


def test_pruning_the_kept_article_stores_its_copy_in_full(corpus, store):
    run([corpus], store)
    (corpus / f"{KEPT}.txt").unlink()
    report = run([corpus], store, prune=True)
    assert report.removed == [KEPT] and report.promoted == [COPY]
    assert served(store)[COPY] == docs_by_id(store)[COPY].chunks > 0


def test_an_updated_article_is_checked_again(corpus, store):
    run([corpus], store)
    write_copy(corpus, OTHER_STORY)  # the copy becomes another story
    report = run([corpus], store)
    assert report.updated == [COPY] and not report.folded
    assert not docs_by_id(store)[COPY].copy_of and served(store)[COPY] > 0
    write_copy(corpus)  # and a copy again: its chunks go
    assert run([corpus], store).folded == {COPY: KEPT} and COPY not in served(store)


def test_when_the_kept_article_changes_its_copies_are_decided_again(corpus, store):
    run([corpus], store)
    (corpus / f"{KEPT}.txt").write_text(seed_text() + "\n\nتصحيح: ورد في الخبر خطأ في التاريخ.", encoding="utf-8")
    report = run([corpus], store)  # still alike: the copy stays folded, checked against the new version
    assert report.updated == [KEPT] and report.folded == {COPY: KEPT} and not report.promoted
    docs = docs_by_id(store)
    assert docs[COPY].copy_of_hash == docs[KEPT].doc_hash
    (corpus / f"{KEPT}.txt").write_text(seed_text("004_9711346d17d328a9"), encoding="utf-8")
    report = run([corpus], store)  # now another story: the copy is stored in full
    assert report.promoted == [COPY] and served(store)[COPY] == docs_by_id(store)[COPY].chunks > 0


def test_a_threshold_of_zero_turns_folding_off(corpus, store):
    report = run([corpus], store, settings=ChunkSettings(80, 20, near_duplicate_threshold=0.0))
    assert not report.folded and served(store)[COPY] > 0
