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


def get(server, host: str, path: str = "/api/health") -> raw_http.Reply:
    return raw_http.request(server.port, "GET", path, headers={"Host": host})


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:{port}", "127.0.0.1.attacker.example",
                                  "localhost.attacker.example", ""])
def test_a_host_name_the_server_does_not_serve_is_refused(open_server, host):
    reply = get(open_server, host.format(port=open_server.port))
    assert reply.status == 400
    assert "RAG_ALLOWED_HOSTS" in reply.json()["error"]["message"]


@pytest.mark.parametrize("host", ["localhost:{port}", "LOCALHOST.", "127.0.0.1:{port}", "[::1]:{port}",
                                  "192.168.1.20:{port}", "[fe80::1]"])
def test_loopback_names_and_any_address_are_served(open_server, host):
    assert get(open_server, host.format(port=open_server.port)).status == 200


def test_the_configured_host_and_the_allowed_names_are_served_and_no_other(tmp_path):
    kb = make_kb(tmp_path, host="rag.internal", allowed_hosts=["news.example.org", "archive.lan"])
    with LiveServer(create_app(kb)) as server:
        assert [get(server, h).status for h in ("rag.internal:8000", "news.example.org", "archive.lan:80",
                                                  "localhost", "other.lan")] == [200, 200, 200, 200, 400]


def test_a_star_serves_any_host(tmp_path):
    with LiveServer(create_app(make_kb(tmp_path, host="0.0.0.0", allowed_hosts=["*"]))) as server:
        assert get(server, "anything.example").status == 200


def test_health_without_the_key_says_only_that_the_server_is_up(keyed, open_server):
    import httpx

    url = f"{keyed.url}/api/health"
    assert httpx.get(url).json() == {"status": "ok"}
    assert httpx.get(url, headers={"Authorization": "Bearer nope"}).json() == {"status": "ok"}
    details = httpx.get(url, headers={"Authorization": "Bearer s3cret"}).json()
    assert details["documents"] == 5 and details["generator"] == "extractive"
    assert httpx.get(f"{open_server.url}/api/health").json()["documents"] == 5  # no key configured: all is open


def test_host_names_and_origins_are_read_as_comma_separated_lists_and_checked(monkeypatch):
    from index.errors import InputError
    from rag.settings import load_settings

    monkeypatch.setenv("RAG_ALLOWED_HOSTS", "News.Example.org., archive.lan")
    monkeypatch.setenv("RAG_ALLOWED_ORIGINS", "https://portal.example/ ,http://10.0.0.5:8080")
    settings = load_settings()
    assert settings.allowed_hosts == ["news.example.org", "archive.lan"]
    assert settings.allowed_origins == ["https://portal.example", "http://10.0.0.5:8080"]
    for name, value in [("RAG_ALLOWED_HOSTS", "https://rag.example.org"), ("RAG_ALLOWED_ORIGINS", "*"),
                        ("RAG_ALLOWED_ORIGINS", "portal.example"), ("RAG_LOGIN_FAILURES_PER_MINUTE", "0")]:
        monkeypatch.setenv(name, value)
        with pytest.raises(InputError, match=name):
            load_settings()
        monkeypatch.delenv(name)
