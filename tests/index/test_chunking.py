"""Chunks: token budget, sentence boundaries, overlap, offsets into the original article."""

import pytest

from index.chunking import chunk_document
from index.loading import load_file, make_document
from index.sentences import split
from tests.conftest import ARTICLES
from tests.fakes import HashEmbedder

COUNTER = HashEmbedder()


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.txt")), ids=lambda p: p.stem)
def test_chunks_point_at_their_text_in_the_original_article(path):
    [doc] = list(load_file(path))
    chunks = chunk_document(doc, COUNTER, max_tokens=60, overlap_tokens=15)
    assert len(chunks) > 1
    for c in chunks:
        span = doc.original[c.start : c.end]
        assert span.split()[0].lstrip("#") == c.text.split()[0]
        assert span.split()[-1] == c.text.split()[-1]


def test_chunks_respect_the_budget_and_never_cut_inside_a_sentence():
    sentences = [f"الجملة رقم {i} فيها كلمات عن سرت والصحراء." for i in range(40)]
    doc = make_document("d", " ".join(sentences))
    chunks = chunk_document(doc, COUNTER, max_tokens=30, overlap_tokens=8)
    for c in chunks:
        assert COUNTER.count_tokens([c.text])[0] <= 30
        assert all(s in sentences for s in split(c.text))


def test_consecutive_chunks_overlap_by_whole_sentences():
    doc = make_document("d", " ".join(f"Sentence number {i} is here." for i in range(12)))
    chunks = chunk_document(doc, COUNTER, max_tokens=15, overlap_tokens=5)
    for a, b in zip(chunks, chunks[1:]):
        assert split(a.text)[-1] == split(b.text)[0]
        assert b.start < a.end


def test_a_sentence_longer_than_the_budget_is_cut_at_word_boundaries():
    long_sentence = " ".join(f"كلمة{i}" for i in range(100)) + "."
    doc = make_document("d", long_sentence)
    chunks = chunk_document(doc, COUNTER, max_tokens=30, overlap_tokens=0)
    assert len(chunks) >= 4
    assert " ".join(c.text for c in chunks).split() == long_sentence.split()


def test_chunk_ids_are_stable_and_change_with_content():
    doc = make_document("d", "One sentence. Two sentence.")
    same = chunk_document(make_document("d", "One sentence. Two sentence."), COUNTER)
    other = chunk_document(make_document("d", "One sentence. Three sentence."), COUNTER)
    assert [c.chunk_id for c in chunk_document(doc, COUNTER)] == [c.chunk_id for c in same]
    assert chunk_document(doc, COUNTER)[0].chunk_id != other[0].chunk_id


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.txt"))[:2], ids=lambda p: p.stem)
def test_each_chunk_records_its_sentences_with_original_offsets(path):
    [doc] = list(load_file(path))
    for c in chunk_document(doc, COUNTER, max_tokens=60, overlap_tokens=15):
        assert c.sentences and c.sentences[0][0] == 0 and c.sentences[-1][1] == len(c.text)
        for sentence, start, end in c.sentence_texts():
            assert doc.original[start:end].split()[-1] == sentence.split()[-1]
