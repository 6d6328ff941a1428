"""English names found in an Arabic vocabulary by sound, and the share of a question's names passages hold."""

from index.lexical import BM25, analyze
from index.types import Chunk
from rag.names import ArchiveNames, NameMatcher, name_coverage, names_of, sounded_names

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


def test_gazetteer_names_are_found_whole_and_their_words_are_not_names_again():
    assert names_of("Did the United Nations or ISIS act in South Sudan in March?") == [
        "United Nations", "ISIS", "South Sudan", "March"]
    assert names_of("Did us forces land?") == []  # all-capital spellings only in capitals


def test_a_gazetteer_name_is_written_as_its_arabic_forms_not_as_a_word_that_sounds_like_it():
    m = NameMatcher([*VOCABULARY, "معارك", "مغرب", "داعش"])
    assert ("مغرب",) in m.forms("Morocco") and ("معارك",) not in m.forms("Morocco")  # the same three consonants
    assert ("داعش",) in m.forms("ISIS") and ("طرابلس",) in m.forms("Tripoli")
    assert m.forms("Sirte") == [("سرت",)]  # not in the gazetteer: by sound


def test_retrieval_looks_names_up_by_sound_only():
    m = NameMatcher([*VOCABULARY, "داعش", "دول", "اسلام"])
    assert m.query_terms("Where did ISIS go after Sirte?") == ["سرت"]
    assert sounded_names("Did the United Nations act?") == ["United", "Nations"]


def test_a_gazetteer_name_is_covered_only_by_every_term_of_one_of_its_forms():
    m = NameMatcher(VOCABULARY)
    assert name_coverage(m, "What did the United Nations say?", [set(analyze("قالت الأمم المتحدة"))]) == 1.0
    assert name_coverage(m, "What did the Security Council say?", [set(analyze("قال مجلس النواب"))]) == 0.0
    assert name_coverage(m, "What is the capital of Morocco?", [set(analyze("معارك في سرت"))]) == 0.0


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


def test_names_are_matched_with_words_as_written_and_the_indexed_term_is_returned():
    words = {"القصرين": "قصر", "بالقصرين": "قصر", "كشريان": "كشري", "قصر": "قصر"}
    m = NameMatcher(set(words.values()), words=words)
    assert m.terms("Kasserine")[0] == "قصر"  # قصرين, not the stem قصر alone, has the name's four consonants
    assert NameMatcher(["قصر"]).terms("Kasserine") == ["قصر"]  # without the words: the stem is close enough


def test_maghreb_spellings_g_as_qaf_and_x_as_ks_are_matched():
    words = {"قردان": "قرد", "معيتيقة": "معيتيق", "صفاقس": "صفاقس", "القذافي": "قذاف"}
    m = NameMatcher(set(words.values()), words=words)
    assert m.terms("Guerdane") == ["قرد"]
    assert m.terms("Mitiga") == ["معيتيق"]
    assert m.terms("Sfax") == ["صفاقس"]
    assert m.terms("Gaddafi") == ["قذاف"]


def test_among_equal_skeletons_the_word_that_reads_like_the_name_comes_first():
    words = {"مدنين": "مدن", "مادونا": "مادونا", "مدان": "مدان", "مداني": "مداني", "ميدان": "ميدان"}
    m = NameMatcher(set(words.values()), words=words, per_name=1)
    assert m.terms("Medenine") == ["مدن"]


def test_retrieval_skips_title_words_and_sounds_the_gazetteer_does_not_confirm():
    words = {"لبن": "لبن", "ليبي": "ليبي", "تسعين": "تسعين", "منستير": "منستير", "حرشاني": "حرشان",
             "سرت": "سرت", "البغدادي": "بغداد"}
    m = NameMatcher(set(words.values()), words=words)
    # "Libyan" ~ لبن ("milk") is not confirmed by the gazetteer; "Minister" ~ منستير (Monastir) is a title word
    assert m.query_terms("Did the Libyan Defence Minister Horchani visit Sirte?") == ["سرت", "حرشان"]
    assert m.query_terms("Was al-Baghdadi there?") == ["بغداد"]


def test_the_archive_matcher_reads_the_words_of_the_indexed_chunks():
    names = ArchiveNames(lambda: BM25([Chunk("c0", "d", "هجوم على بن قردان", 0, 17, 0)]))
    assert names.matcher().terms("Guerdane") == ["قرد"]
