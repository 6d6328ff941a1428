"""rag.glosses: what an Arabic quote states, of the kind an English question asks for, rendered in English."""

import pytest

from index.lexical import analyze
from rag.glosses import asked_kinds, gloss, items
from tests.fakes import TableRomanizer

NAMES = TableRomanizer(counts={"خليفة": 120, "حفتر": 4, "محمد": 900, "شرف": 30},
                       spellings={"خليفة حفتر": "Khalifa Haftar", "نسمة": "Nesma", "محمد شرف": "Mohamed Sharaf"})
MOVED = "تتنقل بين مناطق بني وليد وزليتن غرب سرت وبعض القرى جنوب غرب سرت"


def rendered(question: str, sentence: str, romanizer: TableRomanizer = NAMES) -> list[tuple[str, str]]:
    return [(it.english, sentence[it.start:it.end]) for it in gloss(question, sentence, romanizer, max_items=5)]


@pytest.mark.parametrize("question, kinds", [
    ("Where did ISIS fighters go after they left Sirte?", ("place",)),
    ("How many fighters remain?", ("number",)),
    ("How far is Sirte from Tripoli?", ("number",)),
    ("When did the fighters leave?", ("date",)),
    ("In what year was the city freed?", ("date",)),
    ("Who leads the army in the east?", ("person",)),
    ("Which group claimed the attack?", ("name",)),
    ("Why did the forces withdraw?", ()),
    ("Who was the leader when the city fell?", ("person",)),  # the wording that comes first
])
def test_the_question_wording_names_the_kind_asked_for(question, kinds):
    assert asked_kinds(question) == kinds


def test_a_where_question_gets_the_places_with_their_direction_each_tied_to_its_arabic_words():
    assert rendered("Where did ISIS fighters go after they left Sirte?", MOVED) == [
        ("Bani Walid", "بني وليد"), ("Zliten", "زليتن"), ("west of Sirte", "غرب سرت"),
        ("south-west of Sirte", "جنوب غرب سرت")]


def test_directions_joined_by_and_and_a_place_noun_before_the_place_stay_with_it():
    sentence = "فلول داعش لا تزال تنتقل جنوب وجنوب غرب وشرق مدينة سرت بحرية تامة، وأحيانا في محيط مدينة سرت"
    assert rendered("Where did ISIS move after Sirte?", sentence) == [
        ("south, south-west and east of Sirte", "جنوب وجنوب غرب وشرق مدينة سرت"), ("around Sirte", "محيط مدينة سرت")]


def test_a_region_named_by_a_peoples_adjective_is_a_place():
    assert rendered("Where is their new stronghold?", "مناطق في الجنوب الليبي تعد معقلا جديدا") == [
        ("southern Libya", "الجنوب الليبي")]
    assert rendered("Where did it happen?", "وقع الهجوم في الشرق الليبي مع الجيش الليبي") == [
        ("eastern Libya", "الشرق الليبي")]  # «الجيش الليبي», the Libyan army, is no place


def test_places_named_by_the_question_alone_are_not_glossed():
    assert rendered("Where is Sirte?", "تقع مدينة سرت على الساحل") == []


def test_a_prefixed_preposition_is_not_part_of_the_place_and_adjectives_are_not_places():
    sentence = "انتقلوا بالجفرة مع الجيش الليبي"
    assert rendered("Where did they go?", sentence) == [("Jufra", "الجفرة")]
    assert rendered("What happened?", sentence) == [("Jufra", "الجفرة")]  # «الليبي» is a people's form, not Libya


def test_a_word_is_matched_whole_not_by_its_stem():
    assert rendered("Where?", "نفذت القوات البحرية عملية") == []  # «البحرية» (naval) is not Bahrain


def test_the_name_after_a_place_noun_is_romanized_but_a_noun_with_a_possessive_is_not():
    assert rendered("Where did they flee?", "هربت المجموعات إلى منطقة نسمة قبل أن ترجع") == [("Nesma", "نسمة")]
    assert rendered("Where are they?", "أكبر معقل خارج مناطق سيطرته") == []
    assert rendered("Where are they from?", "جماعات من مدن عدة ومدن ليبية أخرى") == []


@pytest.mark.parametrize("sentence, expected", [
    ("تقع على بعد 450 كيلومتراً شرق طرابلس", ("450 km", "450 كيلومتراً")),
    ("قتل نحو 40 شخصا في الهجوم", ("about 40 people", "نحو 40 شخصا")),
    ("بقي أكثر من 200 عنصر في المدينة", ("more than 200 members", "أكثر من 200 عنصر")),
    ("يتحرك مئات من المقاتلين في الصحراء", ("hundreds of fighters", "مئات من المقاتلين")),
    ("جماعة يصل عددها مائة عنصر", ("100 members", "مائة عنصر")),
    ("بلغت النسبة ٣٥٪ من السكان", ("35%", "٣٥٪")),
    ("فازت ستة مرات بالجائزة", ("six times", "ستة مرات")),
    ("تم اختيار أربعة لاعبين للمباراة", ("four", "أربعة")),
    ("وفازوا بالكأس مرتين", ("twice", "مرتين")),
])
def test_a_how_many_question_gets_numbers_with_their_unit_and_qualifier(sentence, expected):
    assert rendered("How many were there?", sentence) == [expected]


def test_a_time_on_the_clock_is_a_date():
    assert rendered("What was the time on the clock when it ended?", "مع بقاء 4:51 من الوقت") == [("4:51", "4:51")]


def test_numbers_in_the_unit_the_question_names_come_first():
    assert rendered("How many years did it last?", "قتل 40 شخصا خلال 3 سنوات") == [("3 years", "3 سنوات"),
                                                                                ("40 people", "40 شخصا")]


def test_numbers_nearest_the_questions_own_words_come_next_else_the_sentence_order():
    sentence = "سجل الفريق 24 هدفا في الموسم ولم يتخل دفاعه إلا عن 308 نقطة"
    question = "How many points did the defence give up?"
    assert [it.english for it in gloss(question, sentence, NAMES)] == ["24", "308"]
    near = frozenset(analyze("نقطة نقاط دفاع"))  # what "points" and "defence" may be written as
    assert [it.english for it in gloss(question, sentence, NAMES, near=near)] == ["308", "24"]


def test_the_name_the_question_asks_about_does_not_come_first_for_holding_its_own_words():
    sentence = "التقى خليفة حفتر مع محمد شرف في بنغازي"
    near = frozenset(analyze("حفتر"))  # "Hafter", as the names matcher writes it
    assert [it.english for it in gloss("Who did General Hafter meet?", sentence, NAMES, near=near)] == [
        "Mohamed Sharaf", "Khalifa Haftar"]


def test_a_birthplace_is_not_muscat():
    sentence = "دخل التنظيم مدينة سرت، مسقط رأس معمر القذافي، ثم انتقل إلى مسقط"
    assert [it.english for it in items(sentence, NAMES) if it.kind == "place"] == ["Sirte", "Muscat"]
    assert [it.english for it in items("وهي المدينة ومسقط رأس القذافي", NAMES) if it.kind == "place"] == []


def test_a_year_is_a_date_not_a_count():
    sentence = "خرج التنظيم من سرت عام 2016 بعد معارك"
    assert rendered("How many battles?", sentence) == []
    assert rendered("When did it leave?", sentence) == [("2016", "2016")]


def test_a_month_is_glossed_with_its_day_and_year():
    assert rendered("When was it?", "وقع الهجوم في 12 أبريل 2017 صباحا") == [("12 April 2017", "12 أبريل 2017")]
    assert rendered("When was it?", "بين مايو ويونيو 2016") == [("May", "مايو"), ("June 2016", "يونيو 2016")]


def test_a_who_question_gets_runs_of_attested_names_and_not_function_words():
    sentence = "وقال محمد شرف إلى أن قوات خليفة حفتر تسيطر على الجفرة"
    assert rendered("Who controls Jufra?", sentence) == [("Mohamed Sharaf", "محمد شرف"),
                                                         ("Khalifa Haftar", "خليفة حفتر")]


def test_the_name_after_a_title_is_a_person_even_when_the_dictionary_does_not_know_it():
    names = TableRomanizer(counts={"توماس": 3}, spellings={"توماس وولدهاوس": "Thomas Waldhauser"})
    sentence = "وقال الجنرال توماس وولدهاوس إن عدد المقاتلين تراجع، وقال المشير حفتر أكد ذلك"
    assert rendered("Who commands AFRICOM?", sentence, names) == [("Thomas Waldhauser", "توماس وولدهاوس"),
                                                                  ("<حفتر>", "حفتر")]  # «أكد» is not a name


def test_a_which_group_question_gets_organisations():
    assert rendered("Which group claimed the attack?", "تبنى تنظيم داعش الهجوم على مصراتة") == [("ISIS", "داعش")]


def test_a_name_does_not_run_across_punctuation():
    names = TableRomanizer(counts={"بول": 40, "توماس": 40, "ديفيس": 5})
    assert rendered("Who was picked?", "للعب في برو بول: توماس ديفيس", names) == [("<توماس ديفيس>", "توماس ديفيس")]


def test_items_keep_the_order_of_the_sentence_and_never_overlap():
    found = items("في 12 أبريل 2017 غادر 300 مقاتل مدينة سرت إلى بني وليد", NAMES)
    assert [it.kind for it in found] == ["date", "number", "place", "place"]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_the_bundled_romanizer_spells_known_names_offline():
    from rag.romanizer import NameRomanizer

    names = NameRomanizer()
    assert names.romanize("خليفة حفتر") == "Khalifa Haftar"
    assert names.name_count("محمد") > 100 and names.name_count("الاشتباكات") == 0
