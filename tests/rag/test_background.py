"""The background level: an English question's support is its best cosine less half its cosine with the mean
background vector; Arabic questions keep the raw cosine; the vector is computed once per embedder and sample
(the cache itself: test_mean_vectors.py)."""

from pathlib import Path

import numpy as np
import pytest

from index.arabic import language_of
from rag.background import BACKGROUND_FILE, Background, background_sentences
from rag.query import build_query
from tests.fakes import HashEmbedder

SAMPLE = "# provenance line\nقال المتحدث إن الحكومة ستجتمع غدا.\nارتفعت أسعار النفط في الأسواق العالمية.\n"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "background.txt"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def test_english_support_is_the_best_cosine_less_half_the_mean_cosine_with_the_background(sample, tmp_path):
    emb = HashEmbedder()
    bg = Background(emb, path=sample)
    query = build_query("Did oil prices rise in the world markets?", emb)
    sentences = ["قال المتحدث إن الحكومة ستجتمع غدا.", "ارتفعت أسعار النفط في الأسواق العالمية."]
    mean_cosine = float(np.mean(emb.embed(sentences, kind="passage") @ query.text_vector))
    assert bg.level(query) == pytest.approx(mean_cosine, abs=1e-6)
    assert bg.support(query, 0.8) == pytest.approx(0.8 - 0.5 * mean_cosine, abs=1e-6)


def test_an_arabic_question_keeps_the_raw_cosine(sample):
    emb = HashEmbedder()
    query = build_query("هل ارتفعت أسعار النفط؟", emb)
    assert Background(emb, path=sample).support(query, 0.83) == 0.83


def test_the_vector_is_embedded_once_then_read_from_the_cache_by_later_processes(sample, tmp_path):
    first = HashEmbedder()
    vector = Background(first, cache_dir=tmp_path / "cache", path=sample).vector()
    assert first.texts_embedded == 2  # the provenance line is not a sentence
    later = HashEmbedder()
    assert np.array_equal(Background(later, cache_dir=tmp_path / "cache", path=sample).vector(), vector)
    assert later.texts_embedded == 0


def test_the_bundled_sample_is_arabic_news_sentences_with_their_provenance_left_out():
    sentences = background_sentences()
    assert len(sentences) >= 200
    assert sum(language_of(s) == "ar" for s in sentences) >= 0.95 * len(sentences)
    assert "ANT v1.1" in BACKGROUND_FILE.read_text(encoding="utf-8").split("\n", 3)[1]
