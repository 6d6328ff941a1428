"""Place coverage: the places and organisations a question names, found (or not) in the retrieved passages."""

from rag.places import asked_places, mentioned, place_coverage


def test_an_english_question_names_places_by_their_nouns_not_their_adjectives():
    assert asked_places("What is the capital of Morocco?") == ["Morocco"]
    assert asked_places("When did the US open its embassy in Tripoli?") == ["United States", "Tripoli"]
    assert asked_places("Which German architect designed the Moroccan pavilion?") == []


def test_an_arabic_question_names_places_by_their_arabic_noun():
    assert asked_places("ما هي عاصمة المغرب؟") == ["Morocco"]
    assert asked_places("ماذا قال المسؤول المغربي؟") == []  # an adjective: the people, not the place


def test_a_passage_mentions_a_place_by_any_of_its_forms_after_a_prefix():
    assert "Morocco" in mentioned(["وصل مقاتلون مغاربة وآخرون من المغرب"])
    assert "Libya" in mentioned(["عاد إلى ليبيا"]) and "Sirte" in mentioned(["وفي سرت"])


def test_a_form_two_names_share_mentions_both():
    assert {"Algeria", "Algiers"} <= mentioned(["قتل كثيرون في الجزائر"])


def test_a_place_inside_a_longer_name_is_not_that_place():
    assert "Morocco" not in mentioned(["تنظيم القاعدة في بلاد المغرب الإسلامي الناشط في مالي"])


def test_coverage_is_the_share_of_the_asked_places_that_the_passages_mention():
    passages = ["انسحب مقاتلو داعش من سرت نحو الجنوب"]
    assert place_coverage("Where did ISIS go after Sirte?", passages) == 1.0
    assert place_coverage("Did ISIS reach Tunisia from Sirte?", passages) == 2 / 3
    assert place_coverage("What is the capital of Morocco?", passages) == 0.0


def test_a_question_naming_no_place_is_fully_covered():
    assert place_coverage("How many fighters were killed?", []) == 1.0
