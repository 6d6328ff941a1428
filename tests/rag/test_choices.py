"""rag.generators.choices: the local model picks an English question's answer among the quotes' glosses."""

from rag.generators.choices import SYSTEM, choose
from rag.generators.glosses import GlossWriter
from rag.generators.phrases import PhraseWriter
from tests.fakes import ScriptedJSON, TableRomanizer, make_query
from tests.rag.test_phrase_writer import Untouched, part

NEAR = "تقرير. تقع مدينة سرت على بعد 450 كيلومترا شرق طرابلس."
FAR = "خبر. وتبعد مصراتة 200 كلم عن طرابلس."
GLOSSES = GlossWriter(TableRomanizer())


def parts():
    return [part(NEAR[7:], start=7, score=0.9, doc="a"), part(FAR[5:], start=5, score=0.8, doc="b")]


def test_the_model_picks_among_the_glosses_and_the_pick_carries_its_arabic_words():
    chat = ScriptedJSON({"answer": 2})
    out = choose(chat, make_query("How far is Misrata from Tripoli?"), parts(), GLOSSES)
    assert out.text == "200 km" and out.phrase.span == "200 كلم" and FAR[out.phrase.start:out.phrase.end] == "200 كلم"
    assert out.check.ok and out.evidence[0].hit.chunk.doc_id == "b"
    sent = chat.sent[0]
    assert sent[0]["content"] == SYSTEM and "1. 450 km" in sent[1]["content"] and "2. 200 km" in sent[1]["content"]
    assert chat.schemas[0]["properties"]["answer"]["enum"] == [0, 1, 2]  # only the candidates, or none


def test_no_pick_when_the_model_says_none_or_the_question_has_no_kind_or_one_candidate():
    assert choose(ScriptedJSON({"answer": 0}), make_query("How far is it?"), parts(), GLOSSES) is None
    untyped = ScriptedJSON({"answer": 1})
    assert choose(untyped, make_query("Why is Sirte important?"), parts(), GLOSSES) is None and not untyped.sent
    single = ScriptedJSON({"answer": 1})
    assert choose(single, make_query("How far is it?"), parts()[:1], GLOSSES) is None and not single.sent


def test_the_phrase_writer_opens_with_the_pick_and_glosses_the_rest_without_asking_for_phrases():
    chat = ScriptedJSON({"answer": 1})
    writer = PhraseWriter(chat, Untouched(), glosses=GLOSSES)
    out = list(writer.write(make_query("How far is Sirte from Tripoli?"), parts()))
    assert [p.text for p in out] == ["450 km", "200 km"] and len(chat.sent) == 1
    assert out[0].check.ok and out[1].check is None  # the second is a gloss, not the model's
