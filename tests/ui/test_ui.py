"""The chat UI over a live server: gradio_client, and a real headless Chromium driven by Playwright."""

import re
from pathlib import Path

import pytest

from rag.types import Answer, Citation
from tests.rag.conftest import LiveServer, make_kb
from ui.app import answer_html, direction, passage_html
from ui.serve import create_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("ui"))
    with LiveServer(create_server(kb)) as live:
        yield live


def citation(**kw) -> Citation:
    base = dict(n=1, doc_id="d", title="عنوان", source="src", date="2016-07-19", url="", chunk_id="d#1",
                text="جملة أولى. الجملة المقتبسة هنا. جملة أخيرة.", quote="الجملة المقتبسة هنا.", start=0, end=5,
                score=0.9)
    return Citation(**{**base, **kw})


def test_passage_highlights_the_quote_and_escapes_markup():
    html = passage_html(citation(text="<b>x</b> الجملة المقتبسة هنا.", quote="الجملة المقتبسة هنا."))
    assert html == "&lt;b&gt;x&lt;/b&gt; <mark>الجملة المقتبسة هنا.</mark> "
    assert "\n" not in passage_html(citation(text="فقرة.\n\nالجملة المقتبسة هنا.\n\nأخرى."))


def test_direction_is_per_text_and_abstention_looks_different():
    assert (direction("أين سرت؟"), direction("Where is Sirte?")) == ("rtl", "ltr")
    answered = answer_html(Answer(answer="From 1 article:\nx [1]", language="en", abstained=False,
                                  citations=[citation()], timings_ms={}))
    abstained = answer_html(Answer(answer="The articles in the archive do not say.", language="en",
                                   abstained=True, citations=[], timings_ms={}))
    assert 'class="rag-answer" dir="ltr"' in answered and 'class="rag-source" dir="rtl"' in answered
    assert "rag-abstained" in abstained and "rag-source" not in abstained


def test_gradio_client_gets_an_answer_with_sources(server):
    from gradio_client import Client

    client = Client(f"{server.url}/ui/", verbose=False)
    result = client.predict("ما هي قاعة واغادوغو في سرت؟", 5, "", "", api_name="/chat")
    assert "rag-answer" in result and "<mark>" in result and "[1]" in result


@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (apt-get install -y chromium)")
def test_browser_shows_answers_citations_and_right_to_left_arabic_under_the_csp(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.add_init_script("window.cspViolations = [];" "document.addEventListener('securitypolicyviolation',"
                             " e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));")
        response = page.goto(f"{server.url}/ui/", wait_until="load")
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        box = page.locator("#rag-question textarea")
        for n, question in enumerate(["Where is the Ouagadougou hall in Sirte?", "ما هي قاعة واغادوغو في سرت؟"], 1):
            box.fill(question)
            box.press("Enter")
            page.locator(".rag-sources").nth(n - 1).wait_for(timeout=60_000)
        answers = page.locator(".rag-answer")
        assert answers.count() == 2
        assert answers.nth(0).get_attribute("dir") == "ltr" and answers.nth(0).inner_text().startswith("From ")
        assert answers.nth(1).get_attribute("dir") == "rtl" and answers.nth(1).inner_text().startswith("من ")
        arabic_sources = page.locator(".rag-source[dir=rtl]")
        assert arabic_sources.count() >= 1
        assert page.locator(".rag-source mark").count() >= 1
        assert re.search(r"\[1\]", page.locator(".rag-sources").nth(1).inner_text())
        assert page.evaluate("window.cspViolations") == []  # the chat works under its Content-Security-Policy
        page.screenshot(path=str(ARTIFACTS / "chat.png"), full_page=True)
        browser.close()
    assert (ARTIFACTS / "chat.png").stat().st_size > 10_000


def test_with_an_api_key_the_ui_asks_for_it(tmp_path):
    from fastapi.testclient import TestClient

    client = TestClient(create_server(make_kb(tmp_path, api_key="s3cret")), base_url="http://localhost")
    assert client.get("/ui/config").status_code == 401
    assert client.post("/ui/login", data={"username": "me", "password": "wrong"}).status_code == 400
    assert client.post("/ui/login", data={"username": "me", "password": "s3cret"}).status_code == 200
    assert client.get("/ui/config").status_code == 200


def test_a_long_chat_keeps_only_its_most_recent_turns_within_the_limits(tmp_path):
    from ui.app import history_turns, respond

    answer = answer_html(Answer(answer="From 1 article: x [1]", language="en", abstained=False,
                                citations=[citation(text="مقطع طويل " * 400)], timings_ms={}))
    chat = [m for i in range(40) for m in ({"role": "user", "content": f"question {i}?"},
                                           {"role": "assistant", "content": answer})]
    turns = history_turns(chat, max_turns=50, max_chars=40_000)
    assert len(turns) == 50 and turns[-1].content == "From 1 article: x [1]" and turns[0].content == "question 15?"
    assert [t.content for t in history_turns(chat, max_turns=50, max_chars=66)][::2] == ["question 38?", "question 39?"]
    huge = [{"role": "user", "content": "سؤال " * 200_000}, {"role": "assistant", "content": answer}] * 4
    replies = list(respond(make_kb(tmp_path), "ما هي قاعة واغادوغو في سرت؟", huge, 5, "", ""))
    assert "rag-sources" in replies[-1]


@pytest.mark.parametrize("text", ["😀🙂👍", "\u200f\u200f\u200f", "\u200b\u200c\u200d"])
def test_the_chat_asks_for_a_question_when_there_are_no_words(server, text):
    from gradio_client import Client

    result = Client(f"{server.url}/ui/", verbose=False).predict(text, 5, "", "", api_name="/chat")
    assert "ask a question" in result and "rag-sources" not in result
