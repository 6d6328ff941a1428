"""Answering from the page (`ui.chat.respond`) over a real index: progress first, the answer as it streams, then
its sources; new questions answered as if alone; the scriptable `ask_json`."""

import pytest

from rag.types import Answer
from tests.rag.conftest import make_kb
from tests.ui.conftest import SlowWriter
from ui.chat import ask_json, history_turns, respond
from ui.render import answer_html

ENGLISH = "Where did ISIS fighters go after they left Sirte?"
ARABIC = "إلى أين انتقل مقاتلو داعش بعد خروجهم من سرت؟"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return make_kb(tmp_path_factory.mktemp("chat"))


def ask(kb, question, chat=(), answered=(), sources=None):
    return list(respond(kb, question, list(chat), list(answered), 5, "", "", sources))


def test_the_question_shows_at_once_with_the_search_in_progress_then_the_answer_and_its_sources(kb):
    steps = ask(kb, ENGLISH)
    first, last = steps[0], steps[-1]
    assert [m["role"] for m in first.chat] == ["user", "assistant"]
    assert "Searching 5 articles…" in first.chat[-1]["content"] and "rag-card" not in first.panel
    assert 'class="rag-cite" href="#rag-src-1-1"' in last.chat[-1]["content"]
    assert 'id="rag-src-1-1"' in last.panel and last.answered[0][0] == 1


def test_the_answer_streams_a_sentence_at_a_time_with_the_draft_muted(tmp_path):
    steps = ask(make_kb(tmp_path, writers={"extractive": SlowWriter(0.03)}), ARABIC)
    replies = [s.chat[-1]["content"] for s in steps]
    assert "جارٍ البحث في 5 مقالًا" in replies[0]
    drafts = [r for r in replies if "rag-draft" in r]
    growing = [r for r in replies if "rag-streaming" in r and "rag-draft" not in r]
    assert drafts and len(growing) >= 2 and "rag-streaming" not in replies[-1]
    assert replies.index(drafts[0]) < replies.index(growing[-1]) < len(replies) - 1


def test_a_new_question_after_another_cites_what_it_cites_when_asked_alone(kb):
    alone = ask(kb, ARABIC)[-1].answered[-1][1]
    english = ask(kb, ENGLISH)[-1]
    after = ask(kb, ARABIC, english.chat, english.answered)[-1]
    turn, result = after.answered[-1]
    assert turn == 2 and [c.doc_id for c in result.citations] == [c.doc_id for c in alone.citations]
    assert 'id="rag-turn-1"' in after.panel and 'id="rag-turn-2" class="rag-turn rag-current"' in after.panel


def test_a_follow_up_is_searched_with_the_conversation(kb):
    first = ask(kb, "ماذا حدث في قاعة واغادوغو؟")[-1]
    follow = ask(kb, "وماذا عنها؟", first.chat, first.answered)[-1]
    assert any("واغادوغو" in c.text for c in follow.answered[-1][1].citations)


@pytest.mark.parametrize("text", ["", "😀🙂👍", "\u200f\u200f"])
def test_without_words_the_chat_asks_for_a_question(kb, text):
    [step] = ask(kb, text)
    assert ("Please type a question" in step.chat[-1]["content"] or "ask a question" in step.chat[-1]["content"])
    assert "rag-card" not in step.panel


def test_the_source_picker_restricts_the_answer_to_the_chosen_outlets(kb):
    result = ask(kb, ENGLISH, sources=["وكالة فرانس برس"])[-1].answered[-1][1]
    assert result.citations and {c.source for c in result.citations} == {"وكالة فرانس برس"}


def test_a_long_chat_keeps_only_its_most_recent_turns_within_the_limits():
    shown = answer_html(Answer(answer="From 1 article: x [1]", language="en", abstained=False, citations=[],
                               timings_ms={}), 1)
    chat = [m for i in range(40) for m in ({"role": "user", "content": f"question {i}?"},
                                           {"role": "assistant", "content": shown})]
    turns = history_turns(chat, max_turns=50, max_chars=40_000)
    assert len(turns) == 50 and turns[-1].content == "From 1 article: x" and turns[0].content == "question 15?"
    assert [t.content for t in history_turns(chat, max_turns=50, max_chars=62)][::2] == ["question 38?", "question 39?"]


def test_ask_json_is_the_api_answer_with_named_filters(kb):
    body = ask_json(kb, ARABIC, top_k=3, date_from="", date_to="", sources=[], history=[])
    assert set(body) >= {"answer", "language", "abstained", "citations"} and body["citations"]
    dated = ask_json(kb, ARABIC, 3, "2016-07-01", "2016-07-31", [], [])
    assert {c["doc_id"] for c in dated["citations"]} == {"003_3c966266f86ced41"}
