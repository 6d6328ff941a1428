"""The HTTP API: contract, errors and auth (TestClient, as http://localhost: the server refuses host names it
does not serve), and the official openai client over HTTP."""

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rag.api import MODEL_ID, create_app
from tests.rag.conftest import LiveServer, make_kb

QUESTION = "ما هي قاعة واغادوغو في سرت؟"
LOCAL = "http://localhost"


@pytest.fixture
def client(kb) -> TestClient:
    return TestClient(create_app(kb), base_url=LOCAL)


@pytest.fixture
def keyed(tmp_path) -> TestClient:
    return TestClient(create_app(make_kb(tmp_path, api_key="s3cret")), base_url=LOCAL)


def test_ask_returns_the_answer_contract(client):
    body = client.post("/api/ask", json={"question": QUESTION, "top_k": 3}).json()
    assert set(body) == {"answer", "language", "abstained", "citations", "support", "signals", "checks",
                         "timings_ms"}
    assert {"cosine", "level", "lexical", "names"} <= set(body["signals"])
    assert body["language"] == "ar" and body["citations"]
    assert set(body["citations"][0]) == {"n", "doc_id", "title", "source", "date", "url", "chunk_id", "text",
                                         "quote", "start", "end", "score", "phrase", "span_text", "span_start",
                                         "span_end", "also_reported_by"}


def test_search_and_filters(client):
    hits = client.post("/api/search", json={"question": "داعش سرت", "mode": "lexical",
                                            "filters": {"doc_ids": ["004_9711346d17d328a9"]}}).json()["hits"]
    assert hits and {h["doc_id"] for h in hits} == {"004_9711346d17d328a9"}


def test_health_and_documents(client):
    health = client.get("/api/health").json()
    assert health["documents"] == 5 and health["chunks"] > 5 and health["generator"] == "extractive"
    assert len(client.get("/api/documents").json()) == 5


@pytest.mark.parametrize("kwargs,status,message", [
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "malformed JSON"),
    ({"json": {"question": ""}}, 400, "the question is empty"),
    ({"json": {"question": "   "}}, 400, "the question is empty"),
    ({"json": {"question": "x" * 5000}}, 400, "the question is too long"),
    ({"json": {"question": 42}}, 422, "question"),
    ({"json": {"question": "q", "top_k": 0}}, 422, "top_k"),
    ({"json": {"question": "q", "filters": {"date_from": "yesterday"}}}, 422, "YYYY"),
    ({"json": ["not", "an", "object"]}, 400, "must be a JSON object"),
])
def test_bad_requests_get_a_json_error_naming_the_problem(client, kwargs, status, message):
    r = client.post("/api/ask", **kwargs)
    assert r.status_code == status
    assert message in r.json()["error"]["message"] and "Traceback" not in r.text


def test_unknown_model_and_document_are_404_saying_how_to_list_them_over_http(keyed):
    r = keyed.post("/v1/chat/completions", json={"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]},
                   headers={"Authorization": "Bearer s3cret"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    r = keyed.delete("/api/documents/nope", headers={"Authorization": "Bearer s3cret"})
    message = r.json()["error"]["message"]
    assert r.status_code == 404 and "no document with id 'nope'" in message and "GET /api/documents" in message
    assert "rag docs" not in message


def test_without_a_key_uploads_and_deletes_are_refused(client):
    assert client.delete("/api/documents/000_f77978ab9cd701d8").status_code == 403
    assert client.post("/api/documents", files={"files": ("a.txt", b"x")}).status_code == 403


def test_with_a_key_everything_needs_it(keyed):
    assert keyed.post("/api/ask", json={"question": QUESTION}).status_code == 401
    assert keyed.get("/v1/models").status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    assert keyed.post("/api/ask", json={"question": QUESTION}, headers=auth).status_code == 200
    assert keyed.get("/api/health").status_code == 200  # health stays open for monitoring


def test_upload_ingests_and_delete_removes(keyed):
    auth = {"Authorization": "Bearer s3cret"}
    article = "خبر جديد\n\nأعلنت بلدية مصراتة افتتاح جسر جديد فوق الوادي الكبير.".encode("cp1256")
    r = keyed.post("/api/documents", headers=auth, files=[("files", ("bridge.txt", io.BytesIO(article), "text/plain"))])
    assert r.status_code == 200 and r.json()["added"] == ["bridge"]
    assert any(d["doc_id"] == "bridge" for d in keyed.get("/api/documents", headers=auth).json())
    assert keyed.delete("/api/documents/bridge", headers=auth).json()["chunks_removed"] >= 1
    assert keyed.delete("/api/documents/bridge", headers=auth).status_code == 404


@pytest.mark.parametrize("name,status", [("../evil.txt", 400), ("a/b.txt", 400), ("photo.exe", 415)])
def test_upload_rejects_path_parts_and_unsupported_types(keyed, name, status):
    r = keyed.post("/api/documents", headers={"Authorization": "Bearer s3cret"}, files={"files": (name, b"text")})
    assert r.status_code == status and "error" in r.json()


def test_oversized_upload_is_413(tmp_path):
    client = TestClient(create_app(make_kb(tmp_path, api_key="k", max_upload_mb=0.001)), base_url=LOCAL)
    r = client.post("/api/documents", headers={"Authorization": "Bearer k"}, files={"files": ("big.txt", b"x" * 5000)})
    assert r.status_code == 413


def test_official_openai_client_plain_and_streamed(kb):
    from openai import NotFoundError, OpenAI

    with LiveServer(create_app(kb)) as server:
        client = OpenAI(base_url=f"{server.url}/v1", api_key="unused")
        assert [m.id for m in client.models.list()] == [MODEL_ID]
        reply = client.chat.completions.create(model=MODEL_ID, messages=[{"role": "user", "content": QUESTION}])
        text = reply.choices[0].message.content
        assert "[1]" in text and "Sources:" in text
        assert reply.model_extra["citations"][0]["n"] == 1
        chunks = list(client.chat.completions.create(
            model=MODEL_ID, stream=True, messages=[{"role": "user", "content": QUESTION}]))
        assert "".join(c.choices[0].delta.content or "" for c in chunks) == text
        assert chunks[-1].model_extra["citations"] == reply.model_extra["citations"]
        with pytest.raises(NotFoundError):
            client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])


def test_concurrent_questions_during_an_ingest_are_all_answered(kb, tmp_path):
    import concurrent.futures

    import httpx

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text("عنوان\n\nخبر عن قاعة واغادوغو في سرت مرة أخرى.", encoding="utf-8")
    with LiveServer(create_app(kb)) as server:
        def ask(_):
            return httpx.post(f"{server.url}/api/ask", json={"question": QUESTION}, timeout=60).status_code

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            futures = [pool.submit(ask, i) for i in range(24)]
            kb.ingest([extra])
            statuses = [f.result() for f in futures]
    assert statuses == [200] * 24


def test_usage_counts_tokens_and_max_tokens_cuts_the_reply_with_finish_reason_length(kb):
    from openai import OpenAI

    messages = [{"role": "user", "content": QUESTION}]
    with LiveServer(create_app(kb)) as server:
        client = OpenAI(base_url=f"{server.url}/v1", api_key="unused")
        full = client.chat.completions.create(model=MODEL_ID, messages=messages)
        text = full.choices[0].message.content
        words = len(QUESTION.split())  # the test embedder's tokenizer: one token a word
        assert (full.usage.prompt_tokens, full.usage.completion_tokens) == (words, len(text.split()))
        assert full.usage.total_tokens == words + len(text.split()) and full.choices[0].finish_reason == "stop"

        short = client.chat.completions.create(model=MODEL_ID, messages=messages, max_tokens=6)
        cut = short.choices[0].message.content
        assert short.choices[0].finish_reason == "length" and text.startswith(cut) and len(cut.split()) == 6
        assert short.usage.completion_tokens == 6
        assert all(f"[{c['n']}]" in cut for c in short.model_extra["citations"])

        chunks = list(client.chat.completions.create(model=MODEL_ID, messages=messages, max_tokens=6, stream=True,
                                                     stream_options={"include_usage": True}))
        assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == cut
        assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"
        assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 6
        assert chunks[-1].usage.prompt_tokens == words and all(c.usage is None for c in chunks[:-1])


def test_docs_pages_load_their_assets_from_this_server(client):
    swagger, redoc = client.get("/docs"), client.get("/redoc")
    assert swagger.status_code == redoc.status_code == 200
    assert '"/docs-assets/swagger-ui-bundle.js"' in swagger.text and "/docs-assets/redoc.standalone.js" in redoc.text
    assert "https://" not in swagger.text and "https://" not in redoc.text  # no CDN, no web fonts
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        r = client.get(f"/docs-assets/{asset}")
        assert r.status_code == 200 and len(r.content) > 50_000


def test_each_request_is_logged_in_one_line_without_the_key_or_the_question(tmp_path, caplog):
    import logging
    import re

    from rag.access_log import configure

    client = TestClient(create_app(make_kb(tmp_path, api_key="s3cret")), base_url=LOCAL)
    auth = {"Authorization": "Bearer s3cret"}
    with caplog.at_level(logging.INFO):
        configure("info")
        client.post("/api/ask", json={"question": QUESTION}, headers=auth)
        client.get("/api/documents?token=s3cret")
        client.delete("/api/documents/a%0Aforged%20line", headers=auth)
        configure("info", questions=True)
        client.post("/api/ask", json={"question": QUESTION}, headers=auth)
        configure("info")
    access = [r.getMessage() for r in caplog.records if r.name == "rag.access"]
    assert re.fullmatch(r'testclient "POST /api/ask" 200 \d+ ms', access[0])
    assert re.fullmatch(r'testclient "GET /api/documents" 401 \d+ ms', access[1])
    assert re.fullmatch(r'testclient "DELETE /api/documents/a\\nforged line" 404 \d+ ms', access[2])
    assert not any("s3cret" in line or QUESTION in line for line in access)
    questions = [r.getMessage() for r in caplog.records if r.name == "rag.questions"]
    assert questions == [f"/api/ask question: {QUESTION}"]  # only once asked for


@pytest.mark.parametrize("level,logged", [("info", True), ("warning", False)])
def test_the_log_level_decides_whether_requests_are_logged(level, logged):
    import subprocess
    import sys

    script = f"""
import tests.conftest, tempfile, pathlib
from fastapi.testclient import TestClient
from rag.access_log import configure
from rag.api import create_app
from tests.rag.conftest import make_kb
configure({level!r})
TestClient(create_app(make_kb(pathlib.Path(tempfile.mkdtemp()))), base_url="http://localhost").get("/api/health")
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=str(Path(__file__).resolve().parents[2]))
    assert out.returncode == 0, out.stderr[-2000:]
    assert ('rag.access: testclient "GET /api/health" 200' in out.stderr) == logged


def test_openai_endpoint_quotes_the_arabic_of_a_glossed_line_under_its_source(client):
    question = "Where did ISIS fighters go after they left Sirte?"
    body = client.post("/v1/chat/completions", json={"model": MODEL_ID,
                                                     "messages": [{"role": "user", "content": question}]}).json()
    text, citations = body["choices"][0]["message"]["content"], body["citations"]
    glossed = [c for c in citations if c["phrase"]]
    assert glossed and f"{glossed[0]['phrase']} [{glossed[0]['n']}]" in text
    assert all(f"«{c['quote']}»" in text.split("Sources:")[1] for c in glossed)
