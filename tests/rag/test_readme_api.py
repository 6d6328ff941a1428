"""The README's API tables say what the server does: the endpoints it lists are the ones served, and back."""

import re

from fastapi.routing import APIRoute

from rag.api import create_app
from tests.conftest import ROOT

SERVING = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Serving", 1)[1].split("\n## ", 1)[0]


def test_the_endpoint_table_lists_exactly_the_api_routes(kb):
    listed = {(m, p) for ms, p in re.findall(r"`((?:GET|POST|DELETE)(?:, (?:GET|POST|DELETE))*) (/[^`\s]*)`", SERVING)
              for m in ms.split(", ")}
    listed |= {(m, p) for m, p in re.findall(r"`(GET|POST|DELETE) (/\S+)`", SERVING)}
    served = {(m, r.path) for r in create_app(kb).routes if isinstance(r, APIRoute) and r.include_in_schema
              for m in r.methods}
    assert served <= listed, served - listed
    assert {x for x in listed if x[1].startswith(("/api", "/v1"))} <= served


def test_the_status_table_covers_the_errors_the_server_sends_and_quotes_them_as_sent(tmp_path):
    from fastapi.testclient import TestClient

    from tests.rag.conftest import make_kb

    client = TestClient(create_app(make_kb(tmp_path, api_key="k")), base_url="http://localhost")
    auth = {"Authorization": "Bearer k"}
    replies = [client.post("/api/ask", json={"question": ""}, headers=auth),
               client.post("/api/ask", json={"question": "q"}),
               client.delete("/api/documents/x", headers=auth),
               client.post("/api/ask", json={"question": "q", "top_k": 0}, headers=auth),
               client.post("/api/documents", headers=auth, files={"files": ("a.exe", b"x")})]
    rows = {int(code) for code in re.findall(r"^\| (\d{3})", SERVING, re.M)}
    rows |= {int(code) for pair in re.findall(r"^\| (\d{3} / \d{3})", SERVING, re.M) for code in pair.split(" / ")}
    assert [r.status_code for r in replies] == [400, 401, 404, 422, 415] and {400, 401, 404, 422, 415} <= rows
    assert f"`{replies[2].json()['error']['message']}`" in SERVING  # the 404 quoted as sent
