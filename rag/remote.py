"""`rag ask`, `search` and `docs` answered by the `rag serve` that owns the index, through its HTTP API.

An embedded index has one owner process (index/owner.py); a second process reading Chroma's files would see a
stale vector index, so while a server owns the index the CLI's readers ask it instead, over loopback, with
`RAG_API_KEY` as the bearer key when it is set. The answers are the API's own JSON, which is what `--json`
prints anyway. Leaves out: writes (`rag ingest`/`rag remove` say how to upload through the server instead: an
upload takes only files, without `--fields` or `--prune`), and `rag ask --mode` (the server answers in its own
retrieval mode).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from index.errors import InputError, NotFoundError, StoreError
from rag.filters import Filters
from rag.types import Answer, DocumentEntry, SearchHit

TIMEOUT = 300.0  # a question waits behind an upload on the server; an upload can take minutes


class RemoteIndex:
    """The reads the CLI needs, from the server at `url` (which owns the index at `where`)."""

    def __init__(self, url: str, api_key: str | None, where: str) -> None:
        self.url, self.api_key, self.where = url.rstrip("/"), api_key, where

    def ask(self, question: str, *, top_k: int | None, filters: Filters) -> Answer:
        body: dict[str, Any] = {"question": question, "top_k": top_k, "filters": _filters(filters)}
        return Answer.model_validate(self._call("POST", "/api/ask", body))

    def search(self, question: str, *, top_k: int, mode: str | None, filters: Filters) -> list[SearchHit]:
        body = {"question": question, "top_k": top_k, "mode": mode, "filters": _filters(filters)}
        return [SearchHit.model_validate(h) for h in self._call("POST", "/api/search", body)["hits"]]

    def docs(self) -> list[DocumentEntry]:
        return [DocumentEntry.model_validate(d) for d in self._call("GET", "/api/documents")]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise self._error(exc.code, _message(exc.read())) from None
        except (OSError, ValueError) as exc:
            raise StoreError(f"the index at {self.where} is served by {self.url}, which did not answer: {exc}"
                             ) from None

    def _error(self, status: int, message: str) -> Exception:
        if status == 401:
            return InputError(f"the index at {self.where} is served by {self.url}, which needs its API key: set "
                              f"RAG_API_KEY to the server's key to ask through it ({message})")
        if status == 404:
            return NotFoundError(message)
        if status in (400, 422):
            return InputError(message)
        return StoreError(f"the server at {self.url} answered {status}: {message}")


def _filters(f: Filters) -> dict[str, Any]:
    return {"date_from": f.date_from, "date_to": f.date_to, "sources": list(f.sources), "doc_ids": list(f.doc_ids)}


def _message(raw: bytes) -> str:
    try:
        return str(json.loads(raw)["error"]["message"])
    except (ValueError, KeyError, TypeError):
        return raw.decode("utf-8", "replace")[:200]
