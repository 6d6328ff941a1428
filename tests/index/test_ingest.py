"""Ingest into a real Chroma (temp dir) with the hash embedder: change detection, crash safety, prune."""

import json
import shutil
from pathlib import Path

import pytest

from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest
from index.lexical import LexicalIndex
from index.loading import FieldMap
from tests.conftest import ARTICLES, SHARED
from tests.fakes import HashEmbedder

SMALL = ChunkSettings(max_tokens=80, overlap_tokens=20)


def run(paths, store, embedder, **kw):
    return ingest(paths, store=store, embedder=embedder, counter=embedder, embedder_name=embedder.name,
                  settings=SMALL, **kw)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    return folder


def test_first_ingest_stores_every_article_with_its_chunks(corpus, store, fake_embedder):
    report = run([corpus], store, fake_embedder)
    assert len(report.added) == 5 and not report.failed
    docs = store.docs()
    assert [d.doc_id for d in docs] == sorted(p.stem for p in corpus.glob("*.txt"))
    assert all(d.title for d in docs)
    assert store.chunk_count() == sum(d.chunks for d in docs) == report.chunks_embedded
    assert all(c.sentences for c in store.iter_chunks())  # sentence spans survive the round trip


def test_reingest_unchanged_article_adds_no_chunks_and_embeds_nothing(corpus, store):
    run([corpus], store, HashEmbedder())
    before = store.chunk_count()
    again = HashEmbedder()
    report = run([corpus], store, again)
    assert len(report.unchanged) == 5 and not report.added
    assert store.chunk_count() == before and again.texts_embedded == 0


def test_changed_article_replaces_its_chunks(corpus, store, fake_embedder):
    run([corpus], store, fake_embedder)
    path = next(corpus.glob("000_*.txt"))
    path.write_text(path.read_text(encoding="utf-8") + "\n\nفقرة جديدة عن الكفرة والهروج.", encoding="utf-8")
    report = run([corpus], store, fake_embedder)
    assert report.updated == [path.stem]
    stored = [c for c in store.iter_chunks() if c.doc_id == path.stem]
    assert len(stored) == store.doc_info(path.stem).chunks
    assert any("الهروج" in c.text for c in stored)


def test_killed_ingest_leaves_a_usable_index_and_rerun_completes_without_duplicates(corpus, store):
    crashing = HashEmbedder(fail_after=4)  # two one-document batches (chunks + sentences) written, third dies
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([corpus], store=store, embedder=crashing, counter=crashing, embedder_name="hash-256",
               settings=ChunkSettings(max_tokens=20, overlap_tokens=0), batch_docs=1)
    half = store.chunk_count()
    assert half > 0 and len(store.docs()) == 2  # the registry lists only the documents fully written
    report = ingest([corpus], store=store, embedder=HashEmbedder(), counter=HashEmbedder(),
                    embedder_name="hash-256", settings=ChunkSettings(max_tokens=20, overlap_tokens=0))
    ids = [c.chunk_id for c in store.iter_chunks()]
    assert len(ids) == len(set(ids)) == sum(d.chunks for d in store.docs())
    assert len(report.added) + len(report.unchanged) == 5


def test_remove_and_prune_delete_documents_and_their_chunks(corpus, store, fake_embedder):
    run([corpus], store, fake_embedder)
    removed = sorted(corpus.glob("*.txt"))[:2]
    store.delete_doc(removed[0].stem)
    removed[1].unlink()
    report = run([corpus], store, fake_embedder, prune=True)
    assert report.added == [removed[0].stem] and report.removed == [removed[1].stem]
    assert removed[1].stem not in {c.doc_id for c in store.iter_chunks()}


def test_prune_keeps_documents_whose_file_could_not_be_read_this_time(corpus, store, fake_embedder):
    run([corpus], store, fake_embedder)
    victim = next(corpus.glob("001_*.txt"))
    victim.write_bytes(bytes(range(256)) * 4)
    report = run([corpus], store, fake_embedder, prune=True)
    assert not report.removed and store.doc_info(victim.stem) is not None
    assert any("not text" in f.reason for f in report.failed)


def test_bad_files_are_named_and_the_rest_of_the_batch_goes_on(tmp_path, store, fake_embedder):
    (tmp_path / "good.txt").write_bytes("عنوان\n\nخبر مكتوب بترميز ويندوز العربي.".encode("cp1256"))
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "zdup").mkdir()
    (tmp_path / "zdup" / "good.md").write_text("نسخة أخرى بنفس المعرف.", encoding="utf-8")
    report = run([tmp_path], store, fake_embedder)
    assert report.added == ["good"]
    reasons = {Path(f.origin).name: f.reason for f in report.failed}
    assert "not text" in reasons["image.txt"] and "duplicate document id 'good'" in reasons["good.md"]


def test_lexical_index_follows_the_store(corpus, store, fake_embedder, tmp_path):
    run([corpus], store, fake_embedder)
    lexical = LexicalIndex(store, tmp_path / "lex")
    assert lexical.get().search("واغادوغو", 3)
    doomed = {h.chunk.doc_id for h in lexical.get().search("واغادوغو", 10)}
    for doc_id in doomed:
        store.delete_doc(doc_id)
    assert lexical.get().search("واغادوغو", 3) == []


@pytest.mark.skipif(not (SHARED / "datasets/ant").exists(), reason="shared datasets not present")
def test_ant_subset_ingests_non_empty_articles_with_titles_and_dates(store, fake_embedder):
    path = SHARED / "datasets/ant/ant_v1.1_libya_isis_subset.jsonl"
    records = [json.loads(line) for line in path.open(encoding="utf-8")]
    with_text = {r["docno"] for r in records if r["text"].strip()}
    report = run([path], store, fake_embedder, fields=FieldMap.parse("ant"))
    assert set(report.added) == with_text
    assert len(report.failed) == len(records) - len(with_text)
    docs = store.docs()
    assert all(d.title and d.date[:2] in ("20", "19") and d.source == "Jawhara FM" for d in docs)


def test_store_can_be_reopened_from_disk(corpus, tmp_path, fake_embedder):
    first = ChromaStore(path=tmp_path / "db", collection="reopen")
    run([corpus], first, fake_embedder)
    again = ChromaStore(path=tmp_path / "db", collection="reopen")
    assert len(again.docs()) == 5 and again.chunk_count() == first.chunk_count()


def test_sentence_vectors_are_stored_once_and_removed_with_their_document(corpus, store, fake_embedder):
    run([corpus], store, fake_embedder)
    doc_id = next(corpus.glob("002_*.txt")).stem
    chunks = [c for c in store.iter_chunks() if c.doc_id == doc_id]
    from index.chunking import sentence_id

    ids = {sentence_id(doc_id, start, text) for c in chunks for text, start, _ in c.sentence_texts()}
    assert store.existing_sentence_ids(sorted(ids)) == ids  # each sentence once, overlap or not
    store.delete_doc(doc_id)
    assert store.existing_sentence_ids(sorted(ids)) == set()


def test_without_sentence_vectors_ingest_embeds_only_chunks(corpus, store):
    emb = HashEmbedder()
    report = ingest([corpus], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
                    settings=ChunkSettings(80, 20, sentence_vectors=False))
    assert emb.texts_embedded == report.chunks_embedded
    assert store.sentence_search(emb.embed(["سرت"], kind="query")[0].tolist(), 5) == []


def test_a_crashed_ingest_shows_readers_nothing_of_an_unregistered_document_and_sweep_deletes_it(corpus, store):
    crashing = HashEmbedder(fail_after=5)  # two documents whole; the third's chunks stored, its sentences not
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([corpus], store=store, embedder=crashing, counter=crashing, embedder_name="hash-256",
               settings=ChunkSettings(max_tokens=20, overlap_tokens=0), batch_docs=1)
    registered = {d.doc_id for d in store.docs()}
    assert len(registered) == 2 and store.chunk_count() > sum(d.chunks for d in store.docs())  # strays stored
    query = HashEmbedder().embed(["سرت داعش"], kind="query")[0].tolist()
    assert {c.doc_id for c in store.iter_chunks()} == registered
    assert {h.chunk.doc_id for h in store.dense_search(query, 500)} <= registered
    assert store.sweep() > 0
    assert store.chunk_count() == sum(d.chunks for d in store.docs())


def test_a_changed_article_is_shown_in_its_old_version_until_all_of_the_new_one_is_written(corpus, store):
    settings = ChunkSettings(max_tokens=20, overlap_tokens=0)
    emb = HashEmbedder()
    ingest([corpus], store=store, embedder=emb, counter=emb, embedder_name="hash-256", settings=settings)
    path = next(corpus.glob("000_*.txt"))
    old = sorted(c.chunk_id for c in store.iter_chunks() if c.doc_id == path.stem)
    path.write_text(path.read_text(encoding="utf-8") + "\n\nفقرة جديدة عن الكفرة والهروج.", encoding="utf-8")
    crashing = HashEmbedder(fail_after=1)  # the new chunks stored, the sentences not, the entry not rewritten
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([path], store=store, embedder=crashing, counter=crashing, embedder_name="hash-256", settings=settings)
    assert store.chunk_count() > sum(d.chunks for d in store.docs())
    assert sorted(c.chunk_id for c in store.iter_chunks() if c.doc_id == path.stem) == old
    ingest([path], store=store, embedder=emb, counter=emb, embedder_name="hash-256", settings=settings)
    new = [c for c in store.iter_chunks() if c.doc_id == path.stem]
    assert any("الهروج" in c.text for c in new) and len(new) == store.doc_info(path.stem).chunks
    assert store.chunk_count() == sum(d.chunks for d in store.docs())  # the old version's chunks are gone
