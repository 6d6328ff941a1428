"""A "question" with no letters (emoji, right-to-left marks, zero-width characters) is refused with a message
saying to ask a question, over real HTTP on `/api` and `/v1` (plain and streamed), not answered with citations."""

import httpx
import pytest

from rag.api import MODEL_ID, create_app
from tests.rag.conftest import LiveServer, make_kb

NOT_QUESTIONS = ["😀🙂👍", "\u200f\u200f\u200f", "\u200b\u200c\u200d", "\u200f😀 ؟!", "ـــ؟"]  # the last: tatweel
MESSAGE = "the question has no words: ask a question in English or Arabic"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(create_app(make_kb(tmp_path_factory.mktemp("words")))) as live:
        yield live


@pytest.mark.parametrize("text", NOT_QUESTIONS)
@pytest.mark.parametrize("path", ["/api/ask", "/api/search"])
def test_the_api_asks_for_a_question(server, path, text):
    r = httpx.post(f"{server.url}{path}", json={"question": text}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]["message"] == MESSAGE


@pytest.mark.parametrize("text", NOT_QUESTIONS)
@pytest.mark.parametrize("stream", [False, True])
def test_the_openai_endpoint_asks_for_a_question(server, text, stream):
    r = httpx.post(f"{server.url}/v1/chat/completions", timeout=30,
                   json={"model": MODEL_ID, "stream": stream, "messages": [{"role": "user", "content": text}]})
    assert r.status_code == 400 and r.json()["error"]["message"] == MESSAGE
