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
