"""English names found in an Arabic vocabulary by sound, and the share of a question's names passages hold."""

from index.lexical import BM25, analyze
from index.types import Chunk
from rag.names import ArchiveNames, NameMatcher, name_coverage, names_of

VOCABULARY = ["سرت", "وارسو", "ماركوني", "ميتران", "طرابلس", "2016", "قال", "مقاتل"]


def test_question_words_and_lower_case_words_are_not_names():
    assert names_of("Where did the fighters go after they left Sirte in 2016?") == ["Sirte", "2016"]
    assert names_of("What is it?") == []


def test_a_name_matches_its_transliteration_and_a_number_itself():
    m = NameMatcher(VOCABULARY)
    assert m.terms("Sirte") == ["سرت"]
    assert m.terms("Warsaw") == ["وارسو"]
    assert m.terms("Marconi") == ["ماركوني"]
    assert m.terms("2016") == ["2016"] and m.terms("1999") == []


def test_a_long_name_matches_a_close_skeleton_but_an_unrelated_one_matches_nothing():
    m = NameMatcher(VOCABULARY)
    assert m.terms("Mitterrand") == ["ميتران"]  # mtrnd vs mtrn: close, not equal
    assert m.terms("Copenhagen") == []


def test_name_coverage_counts_the_names_found_in_the_passages():
    m = NameMatcher(VOCABULARY)
    passages = [set(analyze("قال مقاتل في سرت"))]
    assert name_coverage(m, "Who left Sirte in 2016?", passages) == 0.5
    assert name_coverage(m, "Who left Warsaw?", passages) == 0.0
    assert name_coverage(m, "Who left the city?", passages) is None


def test_the_matcher_follows_the_lexical_index():
    states = [BM25([Chunk("c0", "d", "في سرت", 0, 5, 0)])]
    names = ArchiveNames(lambda: states[-1])
    assert names.matcher().terms("Marconi") == []
    first = names.matcher()
    assert names.matcher() is first  # the same index: built once
    states.append(states[0].changed([Chunk("c1", "e", "قال ماركوني", 0, 8, 0)], removed=set()))
    assert names.matcher().terms("Marconi") == ["ماركون"]  # as indexed: light-stemmed
