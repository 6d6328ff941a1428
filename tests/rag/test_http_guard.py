"""What the server refuses before it reads a body, over real HTTP: uploads without the key or over the size
limit, and oversized or endless request bodies anywhere."""

import pytest

from rag.api import create_app
from tests.rag import raw_http
from tests.rag.conftest import LiveServer, make_kb

MULTIPART = {"Content-Type": "multipart/form-data; boundary=xyz"}
HUGE = str(500 * 2**20)  # declared, never sent


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("keyed"), api_key="s3cret", max_upload_mb=0.1)
    with LiveServer(create_app(kb)) as live:
        yield live


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    with LiveServer(create_app(make_kb(tmp_path_factory.mktemp("open")))) as live:
        yield live


def huge_upload(server, **headers) -> raw_http.Reply:
    return raw_http.request(server.port, "POST", "/api/documents", body=b"--xyz\r\n",
                            headers={**MULTIPART, "Content-Length": HUGE, **headers})


def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(keyed):
    reply = huge_upload(keyed)
    assert reply.status == 401 and reply.seconds < 1
    assert "API key" in reply.json()["error"]["message"]
    wrong = huge_upload(keyed, Authorization="Bearer nope")
    assert wrong.status == 401 and wrong.seconds < 1


def test_an_upload_to_a_server_without_a_key_is_refused_before_its_body_is_read(open_server):
    reply = huge_upload(open_server)
    assert reply.status == 403 and reply.seconds < 1
    assert "RAG_API_KEY" in reply.json()["error"]["message"]


def test_an_upload_declaring_more_than_the_limit_is_refused_before_its_body_is_read(keyed):
    reply = huge_upload(keyed, Authorization="Bearer s3cret")
    assert reply.status == 413 and reply.seconds < 1
    assert reply.json()["error"] == {"message": "the upload is larger than 0.1 MB (RAG_MAX_UPLOAD_MB)",
                                     "type": "invalid_request_error"}


def test_a_chunked_upload_without_a_length_is_cut_off_at_the_limit(keyed):
    start = b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
    reply = raw_http.stream_chunked(keyed.port, "/api/documents", start=start, chunk=b"x" * 65536,
                                    max_bytes=64 * 2**20,
                                    headers={**MULTIPART, "Authorization": "Bearer s3cret"})
    assert reply.status == 413 and "0.1 MB" in reply.json()["error"]["message"]
    assert reply.sent < 32 * 2**20  # answered while the client was still sending, not after 64 MB
