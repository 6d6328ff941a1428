"""rag.generators.glosses: the extractive tier heads an English question's Arabic quotes with English glosses."""

from index.lexical import analyze
from index.types import Chunk, Hit
from rag.generators import Evidence, Part
from rag.generators.glosses import GlossWriter
from rag.lexicon import Lexicon
from tests.fakes import TableRomanizer, make_query
from tests.rag.conftest import make_kb

ARTICLE = "تقرير. وفر الباقون من سرت إلى مناطق بني وليد وزليتن غرب سرت بعد المعارك."
SENTENCE = ARTICLE[len("تقرير. "):]


def part(sentence: str = SENTENCE, start: int = len("تقرير. "), score: float = 1.0, doc: str = "d") -> Part:
    chunk = Chunk(chunk_id="c", doc_id=doc, text=sentence, start=start, end=start + len(sentence), position=0,
                  title="t")
    return Part(text=sentence, evidence=(Evidence(hit=Hit(chunk=chunk, score=1.0), sentence=sentence, start=start,
                                                  end=start + len(sentence), score=score),))


def test_an_english_question_gets_the_gloss_as_its_line_tied_to_the_arabic_words_in_the_article():
    [out] = GlossWriter(TableRomanizer()).write(make_query("Where did the fighters go after Sirte?"), [part()])
    assert out.text == "Bani Walid, Zliten, west of Sirte"
    assert out.phrase.text == out.text and out.check is None  # nothing was translated or checked by a model
    assert ARTICLE[out.phrase.start:out.phrase.end] == out.phrase.span == "بني وليد وزليتن غرب سرت"


def test_glossed_quotes_come_first_best_evidence_first_and_the_others_stay_quotes_in_draft_order():
    nothing = part("وأضاف أن الوضع هادئ في المدينة بعد المعارك.", start=0, score=0.9, doc="a")
    weaker = part("وصلت القوات إلى طرابلس يوم الخميس.", start=0, score=0.2, doc="b")
    writer = GlossWriter(TableRomanizer())
    out = list(writer.write(make_query("Where did they go from Sirte?"), [nothing, weaker, part()]))
    assert [p.text for p in out] == ["Bani Walid, Zliten, west of Sirte", "Tripoli", nothing.text]
    assert out[2] == nothing


def test_arabic_questions_and_english_evidence_are_passed_through():
    english = part("The fighters moved to Bani Walid.", start=0)
    writer = GlossWriter(TableRomanizer())
    assert list(writer.write(make_query("إلى أين ذهب المقاتلون؟"), [part()])) == [part()]
    assert list(writer.write(make_query("Where did they go?"), [english])) == [english]


def test_the_default_answer_to_an_english_question_opens_with_a_gloss_whose_span_is_in_its_quote(tmp_path):
    kb = make_kb(tmp_path)
    result = kb.ask("Where did ISIS fighters go after they left Sirte?")
    glossed = [c for c in result.citations if c.phrase]
    assert glossed and result.answer.splitlines()[1] in {f"{c.phrase} [{c.n}]" for c in glossed}  # best first
    assert all(c.span_text in c.quote and c.phrase.isascii() for c in glossed)
    assert not result.checks and "Machine-translated" not in result.answer


def test_glosses_can_be_turned_off(tmp_path):
    kb = make_kb(tmp_path, glosses=False)
    result = kb.ask("Where did ISIS fighters go after they left Sirte?")
    assert kb.writer() is None and not any(c.phrase for c in result.citations)


def test_the_question_words_in_the_lexicon_put_the_number_beside_them_first():
    sentence = "سجل الفريق 24 هدفا في الموسم ولم يتخل دفاعه إلا عن 308 نقطة"
    question = make_query("How many points did the defence give up?")
    assert next(GlossWriter(TableRomanizer()).write(question, [part(sentence, start=0)])).text == "24, 308"
    lexicon = Lexicon({"points": tuple(analyze("نقطة نقاط"))})
    assert next(GlossWriter(TableRomanizer(), lexicon=lexicon).write(question, [part(sentence, start=0)])).text \
        == "308, 24"
