"""The composition root: components by name, start-up validation, and the lock's promise to readers."""

import threading

import pytest

from index.embedding import BACKENDS
from index.errors import NotFoundError, UnknownNameError
from rag.kb import KnowledgeBase
from rag.registry import GENERATORS, RETRIEVERS
from rag.retrieval import DenseRetriever, Filters, HybridRetriever, LexicalRetriever
from rag.settings import Settings
from tests.fakes import HashEmbedder
from tests.rag.conftest import make_kb


def test_every_registered_retrieval_mode_is_built_by_name(kb):
    built = {mode: type(kb.retriever(mode)) for mode in RETRIEVERS.names()}
    assert built == {"dense": DenseRetriever, "lexical": LexicalRetriever, "hybrid": HybridRetriever}
    assert kb.retriever("hybrid") is kb.retriever("hybrid")  # built once


@pytest.mark.parametrize("field,value,known", [("retrieval_mode", "bm25", RETRIEVERS.names()),
                                               ("generator", "gpt", GENERATORS.names()),
                                               ("embed_backend", "tensorrt", BACKENDS.names())])
def test_an_unknown_component_name_fails_at_start_up_listing_the_known_ones(field, value, known):
    with pytest.raises(UnknownNameError) as err:
        Settings(**{field: value})
    message = str(err.value)
    assert message.startswith(f"RAG_{field.upper()}: unknown") and repr(value) in message
    assert all(name in message for name in known)


def test_the_thresholds_are_decoded_in_one_place():
    from rag.answerability import bundled_model

    fitted = bundled_model().thresholds()
    assert Settings().min_support_by_language() == {"en": fitted["en"], "ar": fitted["ar"]}
    assert Settings(min_support_en=0.5).min_support_by_language() == {"en": 0.5, "ar": fitted["ar"]}
    assert Settings(min_support=0.3, min_support_ar=0.9).min_support_by_language() == {"en": 0.3, "ar": 0.3}


class SlowEmbedder(HashEmbedder):
    """The hash embedder, pausing in every passage call, so an ingest takes long enough to be watched."""

    def embed(self, texts, *, kind):
        if kind == "passage":
            threading.Event().wait(0.05)
        return super().embed(texts, kind=kind)


def test_nobody_is_served_half_an_article_while_it_is_being_ingested(tmp_path):
    kb = make_kb(tmp_path)
    kb = KnowledgeBase(kb.settings, embedder=SlowEmbedder())
    extra = tmp_path / "extra"
    extra.mkdir()
    body = "\n".join(f"الفقرة {i}: خبر طويل عن قاعة واغادوغو في مدينة سرت وما جرى فيها يوم {i}." for i in range(60))
    (extra / "long.txt").write_text("خبر طويل\n\n" + body, encoding="utf-8")
    only_new = Filters(doc_ids=("long",))
    seen: list[int] = []
    done = threading.Event()

    def watch():
        while not done.is_set():
            seen.append(len(kb.search("قاعة واغادوغو سرت", top_k=50, mode="lexical", filters=only_new)))

    watchers = [threading.Thread(target=watch, daemon=True) for _ in range(3)]
    for w in watchers:
        w.start()
    kb.ingest([extra])
    total = len(kb.search("قاعة واغادوغو سرت", top_k=50, mode="lexical", filters=only_new))
    done.set()
    for w in watchers:
        w.join(10)
    assert total > 3 and kb.docs()[-1].doc_id == "long"
    assert seen and set(seen) <= {0, total}  # before the ingest nothing of it, after it all of it; never a part


def _crash_after_storing_chunks(kb: KnowledgeBase, folder) -> None:
    """An ingest that dies after writing the chunks of the first article in `folder`, before registering it."""
    from index.ingest import ChunkSettings, ingest

    crashing = HashEmbedder(fail_after=1)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest([folder], store=kb.store, embedder=crashing, counter=crashing, embedder_name="hash-256",
               settings=ChunkSettings(80, 20))


def _ghost(tmp_path):
    folder = tmp_path / "ghost"
    folder.mkdir()
    (folder / "ghost.txt").write_text("خبر شبح\n\nكلمة زنبرقان لا ترد إلا في هذا الخبر الذي لم يسجل قط.",
                                      encoding="utf-8")
    return folder


def test_remove_reaches_the_chunks_of_a_document_that_was_never_registered(tmp_path):
    kb = make_kb(tmp_path)
    _crash_after_storing_chunks(kb, _ghost(tmp_path))
    assert kb.search("زنبرقان", mode="lexical") == [] and "ghost" not in {d.doc_id for d in kb.docs()}
    assert kb.remove("ghost") > 0
    with pytest.raises(NotFoundError):
        kb.remove("ghost")


def test_the_owner_sweeps_what_a_killed_ingest_left_when_it_claims_the_index(tmp_path):
    kb = make_kb(tmp_path)
    _crash_after_storing_chunks(kb, _ghost(tmp_path))
    before = kb.store.chunk_count()
    kb.close()
    owner = KnowledgeBase(kb.settings, embedder=HashEmbedder())
    swept = owner.claim("ingest")
    assert swept > 0 and owner.store.chunk_count() == before - swept == sum(d.chunks for d in owner.docs())
