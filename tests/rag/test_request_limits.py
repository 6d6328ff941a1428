"""How much one request may carry, over real HTTP: the conversation's turns and characters (`/api/ask` history,
`/v1` messages) and the body's bytes, each refused with a 413 that names its limit."""

import httpx
import pytest

from index.errors import InputError
from rag.api import MODEL_ID, create_app
from rag.settings import load_settings
from tests.rag import raw_http
from tests.rag.conftest import LiveServer, make_kb

QUESTION = "ما هي قاعة واغادوغو في سرت؟"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(create_app(make_kb(tmp_path_factory.mktemp("limits")))) as live:
        yield live


def conversation(turns: int, chars_each: int = 20) -> list[dict[str, str]]:
    return [{"role": ("user", "assistant")[i % 2], "content": "س" * chars_each} for i in range(turns)]


def ask(server, history) -> httpx.Response:
    return httpx.post(f"{server.url}/api/ask", json={"question": QUESTION, "history": history}, timeout=30)


def chat(server, messages) -> httpx.Response:
    return httpx.post(f"{server.url}/v1/chat/completions", timeout=30,
                      json={"model": MODEL_ID, "messages": [*messages, {"role": "user", "content": QUESTION}]})


def test_a_conversation_at_the_limits_is_answered(server):
    assert ask(server, conversation(50, 800)).status_code == 200
    assert chat(server, conversation(50, 800)).status_code == 200


@pytest.mark.parametrize("send", [ask, chat])
def test_more_history_turns_than_the_limit_is_413_naming_it(server, send):
    r = send(server, conversation(51))
    assert r.status_code == 413
    assert r.json()["error"]["message"] == ("the conversation is too long: 51 turns (at most 50); "
                                            "send only the most recent turns")


@pytest.mark.parametrize("send", [ask, chat])
def test_more_history_characters_than_the_limit_is_413_naming_it(server, send):
    r = send(server, conversation(2, 20_001))
    assert r.status_code == 413
    assert r.json()["error"]["message"] == ("the conversation is too long: 40,002 characters (at most 40,000); "
                                            "send only the most recent turns")


@pytest.mark.parametrize("path", ["/api/ask", "/api/search", "/v1/chat/completions"])
def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(server, path):
    reply = raw_http.request(server.port, "POST", path, body=b'{"question": "',
                             headers={"Content-Type": "application/json", "Content-Length": str(2 * 2**20)})
    assert reply.status == 413 and reply.seconds < 1
    assert reply.json()["error"]["message"] == "the request body is larger than 1 MB (RAG_MAX_BODY_MB)"


def test_a_chunked_body_is_cut_off_at_the_limit(server):
    reply = raw_http.stream_chunked(server.port, "/api/ask", start=b'{"question": "', chunk=b" " * 65536,
                                    max_bytes=64 * 2**20, headers={"Content-Type": "application/json"})
    assert reply.status == 413 and "RAG_MAX_BODY_MB" in reply.json()["error"]["message"]
    assert reply.sent < 32 * 2**20


@pytest.mark.parametrize("name,value", [("RAG_MAX_BODY_MB", "0"), ("RAG_MAX_HISTORY_TURNS", "-1"),
                                        ("RAG_MAX_HISTORY_CHARS", "lots")])
def test_a_limit_that_is_not_a_positive_number_stops_the_start(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=name):
        load_settings()
