"""The page's scriptable side over a live server: `gradio_client` calls `/ask` with named parameters and gets
JSON; the page's own events are not offered as API; with a key, the page asks for it."""

import pytest

from tests.rag.conftest import LiveServer, make_kb
from ui.serve import create_server

QUESTION = "ما هي قاعة واغادوغو في سرت؟"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(create_server(make_kb(tmp_path_factory.mktemp("ui")))) as live:
        yield live


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(f"{server.url}/ui/", verbose=False)


def test_gradio_client_asks_with_named_parameters_and_gets_the_answer_as_json(client):
    result = client.predict(question=QUESTION, top_k=3, date_from="2016-07-01", date_to="2016-07-31",
                            api_name="/ask")
    assert isinstance(result, dict) and result["language"] == "ar" and not result["abstained"]
    assert result["citations"] and {c["doc_id"] for c in result["citations"]} == {"003_3c966266f86ced41"}
    assert all(f"[{c['n']}]" in result["answer"] for c in result["citations"])


def test_gradio_client_can_send_the_conversation_for_a_follow_up(client):
    history = [{"role": "user", "content": "ماذا حدث في قاعة واغادوغو؟"}, {"role": "assistant", "content": "…"}]
    result = client.predict(question="وماذا عنها؟", history=history, api_name="/ask")
    assert any("واغادوغو" in c["text"] for c in result["citations"])


def test_the_api_page_offers_only_ask_with_descriptive_parameters(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert list(api["named_endpoints"]) == ["/ask"]
    names = [p["parameter_name"] for p in api["named_endpoints"]["/ask"]["parameters"]]
    assert names == ["question", "top_k", "date_from", "date_to", "sources", "history"]


@pytest.mark.parametrize("text", ["😀🙂👍", "\u200b\u200c\u200d", ""])
def test_a_question_without_words_is_an_error_naming_the_problem(client, text):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="question"):
        client.predict(question=text, api_name="/ask")


def test_with_an_api_key_the_ui_asks_for_it(tmp_path):
    from fastapi.testclient import TestClient

    client = TestClient(create_server(make_kb(tmp_path, api_key="s3cret")), base_url="http://localhost")
    assert client.get("/ui/config").status_code == 401
    assert client.post("/ui/login", data={"username": "me", "password": "wrong"}).status_code == 400
    assert client.post("/ui/login", data={"username": "me", "password": "s3cret"}).status_code == 200
    assert client.get("/ui/config").status_code == 200
