"""The language shift: the mean Arabic question vector less the mean English one, over the shipped pairs; an
English question's vector is moved by it (and kept a unit vector), an Arabic question's is not; the extractive
answer ranks an English question's Arabic sentences with the moved vector but reports the plain cosine."""

from pathlib import Path

import numpy as np
import pytest

from index.arabic import language_of
from rag.generators.extractive import ExtractiveGenerator
from rag.language_shift import PAIRS_FILE, LanguageShift, question_pairs
from tests.fakes import HashEmbedder, make_query, sentences_hit

PAIRS = "# provenance\nWhere did the fighters go?\tإلى أين ذهب المقاتلون؟\nHow far is Sirte?\tكم تبعد سرت؟\n"


@pytest.fixture
def pairs(tmp_path: Path) -> Path:
    (path := tmp_path / "pairs.tsv").write_text(PAIRS, encoding="utf-8")
    return path


def test_the_shift_is_the_mean_arabic_question_less_the_mean_english_one(pairs):
    emb = HashEmbedder()
    english = emb.embed(["Where did the fighters go?", "How far is Sirte?"], kind="query")
    arabic = emb.embed(["إلى أين ذهب المقاتلون؟", "كم تبعد سرت؟"], kind="query")
    shift = LanguageShift(emb, path=pairs).vector()
    assert np.allclose(shift, arabic.mean(axis=0) - english.mean(axis=0), atol=1e-6)


def test_an_english_question_is_moved_and_stays_a_unit_vector_an_arabic_one_is_not(pairs):
    emb = HashEmbedder()
    shift = LanguageShift(emb, path=pairs)
    english, arabic = make_query("Where did they go?", emb), make_query("أين ذهبوا؟", emb)
    moved = shift.selecting(english, english.text_vector)
    assert np.linalg.norm(moved) == pytest.approx(1.0)
    assert float(moved @ shift.vector()) > float(english.text_vector @ shift.vector())
    assert shift.selecting(arabic, arabic.text_vector) is arabic.text_vector


def test_the_shift_is_computed_once_then_read_from_the_cache(pairs, tmp_path):
    first = HashEmbedder()
    vector = LanguageShift(first, cache_dir=tmp_path / "cache", path=pairs).vector()
    later = HashEmbedder()
    assert np.array_equal(LanguageShift(later, cache_dir=tmp_path / "cache", path=pairs).vector(), vector)
    assert first.texts_embedded == 4 and later.texts_embedded == 0



def test_english_questions_rank_arabic_sentences_through_the_shift_and_report_the_plain_cosine(pairs):
    emb = HashEmbedder()
    # the plain vector prefers the sentence sharing the English word; the shifted one the sentence like the twin
    hits = [sentences_hit(["قال مسؤول عن fighters إن المدينة هادئة اليوم.", "ذهب المقاتلون إلى الصحراء بعد المعركة."])]
    query = make_query("Where did the fighters go?", emb)
    plain_ranked, plain_support, _ = ExtractiveGenerator(emb).score(query, hits)
    ranked, support, signals = ExtractiveGenerator(emb, shift=LanguageShift(emb, path=pairs)).score(query, hits)
    assert plain_ranked[0].sentence.startswith("قال مسؤول")
    assert ranked[0].sentence.startswith("ذهب المقاتلون")
    assert support == plain_support and signals == {"cosine": plain_support}


def test_an_arabic_question_is_ranked_as_without_a_shift(pairs):
    emb = HashEmbedder()
    hits = [sentences_hit(["قالت الحكومة إن المدينة هادئة اليوم.", "ذهب المقاتلون إلى الصحراء بعد المعركة."])]
    query = make_query("هل المدينة هادئة؟", emb)
    with_shift = ExtractiveGenerator(emb, shift=LanguageShift(emb, path=pairs)).score(query, hits)[0]
    assert [e.score for e in with_shift] == [e.score for e in ExtractiveGenerator(emb).score(query, hits)[0]]


def test_the_bundled_pairs_are_english_questions_with_arabic_twins():
    pairs = question_pairs()
    assert len(pairs) >= 200
    twins = [language_of(e, mixed=False) == "en" and language_of(a) == "ar" for e, a in pairs]
    assert sum(twins) >= 0.98 * len(pairs)  # a few Arabic twins keep a Latin name: «أين يقع Energiprojekt AB؟»
    assert "CC BY-SA 4.0" in PAIRS_FILE.read_text(encoding="utf-8").split("\n", 1)[0]
