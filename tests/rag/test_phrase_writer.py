"""rag.generators.phrases: a scripted JSON chat model; each reply's span and English checked before it is shown.

The pipeline tests use the seed articles with the hash embedder (tests/rag/conftest.py).
"""

import json

import pytest

from index.types import Chunk, Hit
from rag.generators import Check, Evidence, Part
from rag.generators.phrases import SCHEMA, PhraseWriter
from rag.pipeline import TRANSLATION_NOTE
from tests.fakes import Reply, ScriptedJSON, make_query
from tests.rag.conftest import make_kb

ARTICLE = "تقرير. وقال الجنرال توماس وولدهاوس إن عدد المقاتلين تراجع إلى 200 عنصر في سرت وفر الباقون إلى بني وليد."
SENTENCE = ARTICLE[len("تقرير. "):]


class Untouched:
    """The whole-sentence writer Arabic questions go to: returns the parts as they are, and records the call."""

    def __init__(self) -> None:
        self.called = False

    def warm_up(self):
        pass

    def write(self, query, parts, on_draft=None):
        self.called = True
        return list(parts)


def part(sentence: str = SENTENCE, start: int = len("تقرير. "), score: float = 1.0, doc: str = "d") -> Part:
    chunk = Chunk(chunk_id="c", doc_id=doc, text=sentence, start=start, end=start + len(sentence), position=0,
                  title="t")
    return Part(text=sentence, evidence=(Evidence(hit=Hit(chunk=chunk, score=1.0), sentence=sentence, start=start,
                                                  end=start + len(sentence), score=score),))


def phrases(*replies: dict | str) -> tuple[PhraseWriter, ScriptedJSON]:
    chat = ScriptedJSON(*replies)
    return PhraseWriter(chat, Untouched()), chat


def test_a_good_phrase_is_kept_with_the_offsets_of_its_span_in_the_article():
    w, chat = phrases({"arabic_span": "إلى  بني وليد", "english": "to Bani Walid"})
    [out] = w.write(make_query("Where did the rest of the fighters go?"), [part()])
    assert out.text == "to Bani Walid" and out.check == Check(True)
    assert out.phrase.span == "إلى بني وليد"
    assert ARTICLE[out.phrase.start:out.phrase.end] == "إلى بني وليد"
    assert chat.schemas == [SCHEMA]  # the reply is held to the schema
    assert "Where did the rest" in chat.sent[0][-1]["content"] and SENTENCE in chat.sent[0][-1]["content"]


@pytest.mark.parametrize(("reply", "reason"), [
    ({"arabic_span": "إلى مدينة مصراتة", "english": "to Misrata"}, "span not in the evidence sentence"),
    ({"arabic_span": "200 عنصر", "english": "2,000 fighters"}, "numbers not in the span: ['2000']"),
    ({"arabic_span": "تراجع إلى 200 عنصر", "english": "fell"}, "numbers of the span dropped: ['200']"),
    ({"arabic_span": "المقاتلين", "english": "five fighters"}, "numbers not in the span: ['5']"),
    ({"arabic_span": "الجنرال توماس وولدهاوس", "english": "General John Smith"}, "names not in the span"),
    ({"arabic_span": "بني وليد", "english": "Kabul"}, "names not in the span: ['Kabul']"),
    ({"arabic_span": "بني وليد", "english": "بني وليد"}, "not written in English"),
    ({"arabic_span": SENTENCE, "english": "General Thomas Waldhauser said the number of fighters fell to 200 in "
                                          "Sirte and the rest fled to Bani Walid"}, "not a short phrase"),
    ({"arabic_span": "", "english": ""}, "no answer in this sentence"),
    ({"arabic_span": "الجنرال توماس وولدهاوس", "english": "General Thomas Waldhauser"}, "no number for a question"),
    ({"arabic_span": "الخط بني", "english": "Bani"}, "span not in the evidence sentence"),  # too short to trim
    ({"arabic_span": "في سرت", "english": "in Sirte"}, "only repeats words of the question"),
    ('{"arabic_span": "بني', "cut off"),
])
def test_a_reply_that_fails_a_check_is_dropped_and_the_quote_shown(reply, reason):
    w, _ = phrases(reply)
    [out] = w.write(make_query("How many fighters were there in Sirte and where did they go?"), [part()])
    assert out.text == SENTENCE and out.phrase is None
    assert not out.check.ok and reason in out.check.reason


def test_a_copy_with_a_garbled_edge_word_is_matched_without_it_and_checked_against_what_the_sentence_holds():
    w, _ = phrases({"arabic_span": "والفر إلى بني وليد", "english": "to Bani Walid"})
    [kept] = w.write(make_query("Where did the rest go?"), [part()])
    assert kept.text == "to Bani Walid" and ARTICLE[kept.phrase.start:kept.phrase.end] == "إلى بني وليد"


def test_a_name_written_in_the_span_by_sound_or_from_the_question_passes():
    w, _ = phrases({"arabic_span": "الجنرال توماس وولدهاوس", "english": "General Thomas Waldhauser"},
                   {"arabic_span": "عنصر في سرت", "english": "fighters in Sirte"})
    out = list(w.write(make_query("Who spoke about Sirte?"), [part(score=0.9), part(score=0.8)]))
    assert [p.text for p in out] == ["General Thomas Waldhauser", "fighters in Sirte"]


def test_phrases_come_best_evidence_first_and_the_quotes_without_one_after_them_in_draft_order():
    first = part("وقال المتحدث إن القوات وصلت إلى سرت يوم الخميس.", start=0, score=0.5, doc="a")
    second = part(score=0.9, doc="b")
    third = part("وأضاف أن الوضع هادئ في المدينة.", start=0, score=0.2, doc="c")
    w, chat = phrases({"arabic_span": "بني وليد", "english": "Bani Walid"}, {"arabic_span": "", "english": ""})
    out = list(w.write(make_query("Where did the fighters go?"), [first, second, third]))
    assert [p.text for p in out] == ["Bani Walid", first.text, third.text]
    assert SENTENCE in chat.sent[0][-1]["content"]  # the best evidence was asked about first


def test_only_the_best_max_sentences_are_asked_about_and_the_others_quoted_unchecked():
    w, chat = phrases({"arabic_span": "", "english": ""}, {"arabic_span": "بني وليد", "english": "Bani Walid"})
    w.max_sentences = 2
    low = part("وأضاف أن الوضع هادئ في المدينة.", start=0, score=0.1, doc="c")
    out = list(w.write(make_query("Where did they go?"), [low, part(score=0.5, doc="a"), part(score=0.9, doc="b")]))
    assert len(chat.sent) == 2 and [p.text for p in out] == ["Bani Walid", low.text, SENTENCE]
    assert out[1] == low  # not asked about: as drafted, no check
    assert not out[2].check.ok and out[2].evidence[0].hit.chunk.doc_id == "b"


def test_more_sentences_are_asked_about_while_none_has_given_a_phrase():
    w, chat = phrases({"arabic_span": "", "english": ""}, {"arabic_span": "", "english": ""},
                      {"arabic_span": "بني وليد", "english": "Bani Walid"})
    w.max_sentences = 2
    draft = [part(score=0.9, doc="a"), part(score=0.5, doc="b"), part(score=0.3, doc="c"), part(score=0.1, doc="d")]
    out = list(w.write(make_query("Where did they go?"), draft))
    assert len(chat.sent) == 3 and out[0].text == "Bani Walid" and out[0].evidence == draft[2].evidence
    assert out[-1] == draft[3]  # asked about no more once a phrase was kept


def test_arabic_questions_go_to_the_sentence_writer_and_english_evidence_is_quoted_without_the_model():
    w, chat = phrases({"arabic_span": "بني وليد", "english": "Bani Walid"})
    assert list(w.write(make_query("إلى أين ذهب المقاتلون؟"), [part()])) == [part()]
    assert w.sentences.called and chat.sent == []
    english = part("The fighters fled to Bani Walid, officials said.", start=0)
    assert list(w.write(make_query("Where did the fighters go?"), [english])) == [english] and chat.sent == []


class RendersFirst:
    """Renders the second and third words of the first sentence it is asked about as "the answer", and finds no
    answer in any other sentence."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def warm_up(self):
        pass

    def chat(self, messages, *, max_tokens, json_schema=None):
        self.asked.append(messages[-1]["content"].split("\nSentence: ", 1)[1])
        span = " ".join(self.asked[0].split()[1:3]) if len(self.asked) == 1 else ""
        return Reply(json.dumps({"arabic_span": span, "english": "the answer" if span else ""}, ensure_ascii=False))


def test_the_pipeline_opens_with_the_phrase_and_its_marker_and_the_citation_carries_the_span(tmp_path):
    chat = RendersFirst()
    writer = PhraseWriter(chat, Untouched(), max_sentences=4)
    kb = make_kb(tmp_path, generator="llamacpp", writers={"llamacpp": writer})
    events = list(kb.ask_stream("Where did ISIS fighters go after they left Sirte?"))
    answer = events[-1]
    texts = [e[1] for e in events[:-1] if e[0] == "text"]
    lines = answer.answer.splitlines()
    [cited] = [c for c in answer.citations if c.phrase]
    assert lines[1] == f"the answer [{cited.n}]" and texts[1] == "the answer [" + f"{cited.n}]"  # streamed first
    assert lines[-1] == TRANSLATION_NOTE["en"] and len(chat.asked) == len(answer.citations) > 1
    assert cited.quote == chat.asked[0] and cited.span_text == " ".join(chat.asked[0].split()[1:3])
    article = (tmp_path / "articles" / f"{cited.doc_id}.txt").read_text(encoding="utf-8")
    assert article[cited.span_start:cited.span_end] == cited.span_text
    assert [c.kept for c in answer.checks] == [True] + [False] * (len(answer.citations) - 1)
    assert all(c.phrase == "" and c.span_start is None for c in answer.citations if c is not cited)


@pytest.mark.llm
@pytest.mark.slow
def test_the_real_model_renders_a_checked_phrase_for_a_number_question():
    """The bundled model, one sentence: whatever it replies, only a phrase that passed every check is shown."""
    pytest.importorskip("xllamacpp")
    from index.errors import ModelError
    from rag.gguf import ensure_default_model
    from rag.local_llm import LocalLLM
    from tests.conftest import MODEL_CACHE

    try:
        llm = LocalLLM(ensure_default_model(MODEL_CACHE), n_ctx=2048)
    except ModelError as e:
        pytest.skip(f"local LLM model not available: {e}")
    sentence = "وأعلنت وزارة الصحة أن 35 شخصا أصيبوا في حادث سير على طريق القاهرة الإسكندرية يوم الاثنين."
    try:
        [out] = PhraseWriter(llm, Untouched()).write(make_query("How many people were injured in the accident?"),
                                                     [part(sentence, start=0)])
    finally:
        llm.close()
    assert out.phrase is not None, out.check.reason
    assert "35" in out.text and len(out.text.split()) <= 12
    assert "35" in out.phrase.span and sentence[out.phrase.start:out.phrase.end] == out.phrase.span


def test_a_quote_left_without_a_phrase_is_headed_by_its_gloss_and_keeps_the_reason():
    from rag.generators.glosses import GlossWriter
    from tests.fakes import TableRomanizer

    chat = ScriptedJSON({"arabic_span": "إلى مدينة مصراتة", "english": "to Misrata"})
    writer = PhraseWriter(chat, Untouched(), glosses=GlossWriter(TableRomanizer()))
    [out] = writer.write(make_query("Where did the rest of the fighters in Sirte go?"), [part()])
    assert out.text == "Bani Walid" and ARTICLE[out.phrase.start:out.phrase.end] == "بني وليد"
    assert not out.check.ok and "span not in the evidence sentence" in out.check.reason
