"""The chat page's protections over a live server: other sites get no credentialed access, the page cannot be
framed and carries a CSP, and the login is rate-limited."""

import pytest

from tests.rag import raw_http
from tests.rag.conftest import LiveServer, make_kb
from ui.serve import create_server

LAN = "192.168.1.20:8000"  # as the server is reached when it listens on 0.0.0.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("guard"), allowed_origins=["https://portal.example"])
    with LiveServer(create_server(kb)) as live:
        yield live


def get(server, path: str, method: str = "GET", **headers) -> raw_http.Reply:
    return raw_http.request(server.port, method, path, headers={"Host": LAN, **headers})


@pytest.mark.parametrize("method,headers", [
    ("GET", {}),
    ("OPTIONS", {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}),
])
def test_another_site_is_not_allowed_to_read_the_chat_with_the_visitors_cookies(server, method, headers):
    reply = get(server, "/ui/config", method, Origin="http://attacker.example", **headers)
    assert "access-control-allow-origin" not in reply.headers


def test_a_configured_origin_is_allowed_with_credentials(server):
    reply = get(server, "/ui/config", Origin="https://portal.example")
    assert reply.headers["access-control-allow-origin"] == "https://portal.example"
    assert reply.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in get(server, "/api/health", Origin="https://portal.example.evil").headers


def test_the_chat_cannot_be_framed_and_carries_a_content_security_policy(server):
    for path in ("/ui/", "/ui/config"):
        headers = get(server, path).headers
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'self'" in headers["content-security-policy"]


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    with LiveServer(create_server(make_kb(tmp_path_factory.mktemp("login"), api_key="s3cret"))) as live:
        yield live


def login(server, password: str, client: str = "10.0.0.1") -> raw_http.Reply:
    body = f"username=me&password={password}".encode()
    return raw_http.request(server.port, "POST", "/ui/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(body)),
        "X-Forwarded-For": client})  # uvicorn takes the client's address from it when the proxy is loopback


def test_wrong_passwords_are_limited_per_client_then_answered_429(keyed):
    assert [login(keyed, f"guess{i}").status for i in range(10)] == [400] * 10
    refused = login(keyed, "guess10")
    assert refused.status == 429 and 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.json()["error"]["type"] == "rate_limit_error"
    assert "too many failed logins" in refused.json()["error"]["message"]
    assert login(keyed, "s3cret").status == 429  # not even the right one is tried now
    assert login(keyed, "s3cret", client="10.0.0.2").status == 200  # another client is not held up


def test_the_limit_counts_failures_of_the_last_minute():
    from ui.guard import FailureLimiter

    now = [1000.0]
    limiter = FailureLimiter(limit=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.wait("a") == 0
        limiter.attempt("a")
    assert limiter.wait("a") == 60 and limiter.wait("b") == 0
    now[0] += 59.5
    assert limiter.wait("a") == 0.5
    now[0] += 1
    assert limiter.wait("a") == 0
    limiter.attempt("a")
    limiter.succeeded("a")
    assert limiter.wait("a") == 0 and not limiter.failures
