"""The language shift's pairs: the shipped file is exactly what `eval/fit_language_shift.py --write` writes from
xquad-ar-en-dev, English questions with their own Arabic twins."""

import pytest

from eval.datasets import XQUAD_DIR, xquad_dev
from eval.fit_language_shift import write_pairs
from rag.language_shift import PAIRS_FILE, question_pairs

pytestmark = pytest.mark.skipif(not XQUAD_DIR.is_dir(), reason="shared datasets not present")


def test_the_shipped_pairs_are_what_the_script_writes(tmp_path):
    out = tmp_path / "pairs.tsv"
    write_pairs(240, out)
    assert out.read_text(encoding="utf-8") == PAIRS_FILE.read_text(encoding="utf-8")


def test_each_english_question_is_paired_with_its_own_arabic_twin(tmp_path):
    out = tmp_path / "pairs.tsv"
    write_pairs(10, out)
    _, questions = xquad_dev(limit=10)
    twins = {" ".join(q.question.split()): q for q in questions}  # the file keeps one space between words
    pairs = question_pairs(out)
    assert len(pairs) == 10
    for english, arabic in pairs:
        assert twins[english].id.removesuffix("-en") == twins[arabic].id.removesuffix("-ar")
