"""Late chunking: span pooling and batching (numpy), the real e5 through our own pass, and ingest with it."""

import numpy as np
import pytest

from index.chunking import sentence_id
from index.embedding.pooling import buckets, mean_pool, span_pool
from index.ingest import ChunkSettings, ingest
from tests.conftest import ARTICLES, MODEL_CACHE
from tests.fakes import HashEmbedder


def test_span_pool_averages_the_tokens_a_span_overlaps_and_normalises():
    states = np.array([[9.0, 9.0], [1.0, 0.0], [0.0, 1.0], [3.0, 4.0], [9.0, 9.0]])
    offsets = np.array([[0, 0], [0, 3], [4, 6], [6, 9], [0, 0]])  # <s> … </s> carry (0, 0): in no span
    vectors = span_pool(states, offsets, [(0, 5), (5, 9), (20, 30)])
    assert np.allclose(vectors[0], [0.70710677, 0.70710677])  # tokens 1 and 2
    assert np.allclose(vectors[1], np.array([1.5, 2.5]) / np.linalg.norm([1.5, 2.5]))  # tokens 2 and 3
    assert not vectors[2].any()  # past the text (truncated): zeros, for the caller to embed alone


def test_mean_pool_ignores_padding():
    states = np.array([[[1.0, 0.0], [0.0, 1.0], [5.0, 5.0]]])
    assert np.allclose(mean_pool(states, np.array([[1, 1, 0]])), [[0.70710677, 0.70710677]])


def test_buckets_cover_every_text_once_longest_first_and_grow_with_a_token_budget():
    lengths = [5, 50, 7, 40, 3, 8]
    fixed = list(buckets(lengths, 2))
    assert fixed == [[1, 3], [5, 2], [0, 4]]
    assert list(buckets(lengths, 2, max_tokens=100)) == [[1, 3], [5, 2, 0, 4]]  # short ones: more per batch


class SpanHashEmbedder(HashEmbedder):
    """The hash embedder with `embed_spans`: each span embedded alone (what late chunking approximates)."""

    def embed_spans(self, texts, spans, *, kind="passage"):
        pooled = [self.embed([t[s:e] for s, e in sp], kind=kind) for t, sp in zip(texts, spans)]
        return self.embed(texts, kind=kind), pooled


def test_ingest_pools_sentences_from_the_chunk_pass_when_the_embedder_can(store):
    emb = SpanHashEmbedder()
    report = ingest([ARTICLES], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
                    settings=ChunkSettings(80, 20, late_chunking=True))
    chunks = list(store.iter_chunks())
    assert report.chunks_embedded == len(chunks) and len(report.added) == 5
    ids = {sentence_id(c.doc_id, start, text): text for c in chunks for text, start, _ in c.sentence_texts()}
    stored = store.sentence_vectors(sorted(ids))
    assert set(stored) == set(ids)
    for sid, text in list(ids.items())[:20]:  # each sentence's vector is its own span's (the title shift is right)
        assert np.allclose(stored[sid], emb.embed([text], kind="passage")[0], atol=1e-6)
    again = SpanHashEmbedder()
    report = ingest([ARTICLES], store=store, embedder=again, counter=again, embedder_name=again.name,
                    settings=ChunkSettings(80, 20, late_chunking=False))
    assert len(report.updated) == 5  # another sentence strategy is another doc_hash: re-embedded


@pytest.fixture(scope="module")
def late_torch():
    from index.embedding.late import LateChunkingEmbedder

    emb = LateChunkingEmbedder(runtime="torch-late", cache_dir=MODEL_CACHE)
    emb.warm_up()
    return emb


def _seed_chunks() -> list[tuple[str, list[tuple[int, int]]]]:
    from index.sentences import split_spans

    texts = [p.read_text(encoding="utf-8")[:900] for p in sorted(ARTICLES.glob("*.txt"))]
    return [(t, split_spans(t)) for t in texts]


@pytest.mark.model
def test_late_chunk_vector_equals_the_plain_e5_vector_and_gives_one_unit_vector_per_sentence(late_torch, e5_embedder):
    texts, spans = zip(*_seed_chunks())
    vectors, pooled = late_torch.embed_spans(texts, spans)
    plain = e5_embedder.embed(list(texts), kind="passage")
    assert (vectors * plain).sum(axis=1).min() > 0.99999  # same input, same mean pool: float noise only
    assert [len(p) for p in pooled] == [len(s) for s in spans]
    assert np.allclose(np.linalg.norm(np.vstack(pooled), axis=1), 1, atol=1e-5)
    again = late_torch.embed_spans(texts, spans)[1]
    assert all(np.array_equal(a, b) for a, b in zip(pooled, again))  # deterministic
    assert late_torch.count_tokens(list(texts)) == e5_embedder.count_tokens(list(texts))


@pytest.mark.model
def test_onnx_int8_stays_close_to_fp32(late_torch):
    from index.embedding.late import LateChunkingEmbedder

    int8 = LateChunkingEmbedder(runtime="onnx-int8", cache_dir=MODEL_CACHE)
    texts = [t for t, _ in _seed_chunks()]
    cos = (int8.embed(texts, kind="passage") * late_torch.embed(texts, kind="passage")).sum(axis=1)
    assert 0.995 < cos.mean() < 0.99999  # close, but really quantised
