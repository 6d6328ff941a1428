"""What the server checks before it reads a request: pure-ASGI middlewares in front of the whole app.

`HostGuard` serves only the host names it knows (localhost, `RAG_HOST`, `RAG_ALLOWED_HOSTS`) and any IP
address: a page whose name an attacker re-points at this machine (DNS rebinding) sends its own name in
`Host`, so it is refused, while an address in `Host` means the browser was sent to the address itself.

`RequestGuard`: an upload (`POST /api/documents`) is refused at once without the API key (401, or 403 when
the server has none), and when its declared `Content-Length` is over `RAG_MAX_UPLOAD_MB` plus room for the
multipart framing (413), so a client declaring 500 MB gets its answer in milliseconds instead of streaming to
disk. A body without a declared length (chunked) is counted as it arrives and cut off with a 413 at the same
limit; so is a file uploaded from the page (`/ui/gradio_api/upload`). Every other body (JSON for `/api` and
`/v1`, Gradio's under `/ui`) is held to `RAG_MAX_BODY_MB` the same way, so no request is parsed, or spooled,
before its size is known to be sane.

The key rule lives here (`key_refusal`) and the API's dependencies use it too, so both say the same. Left
out: the checks of what a body holds (the endpoints' models) and each file's own limit (the upload handler).
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.settings import Settings

UPLOAD_PATH = "/api/documents"
UI_UPLOAD_PATH = "/ui/gradio_api/upload"  # the chat page's file uploads (its Documents tab): the upload limit too
MULTIPART_ROOM = 64 * 1024  # part headers and boundaries around the files of one upload


def error_response(status: int, message: str, kind: str = "invalid_request_error",
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status, headers=headers)


def bearer(headers: Headers) -> str:
    header = headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def key_refusal(settings: Settings, token: str, *, always: bool = False) -> tuple[int, str, str] | None:
    """(status, message, type) when `token` does not open the door; `always`: the door needs a key even when
    the server has none configured (uploads and deletes), and stays shut then."""
    if always and not settings.api_key:
        return (403, "uploads and deletes are disabled: set RAG_API_KEY on the server to enable them",
                "permission_error")
    if settings.api_key and not hmac.compare_digest(token.encode(), settings.api_key.encode()):
        return 401, "missing or wrong API key (send Authorization: Bearer <key>)", "authentication_error"
    return None


def host_name(header: str) -> str:
    """The name in a `Host` header, lower-case, without its port or a final dot; an IPv6 address keeps its []."""
    host = header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1]
    return host.rpartition(":")[0].rstrip(".") if ":" in host else host.rstrip(".")


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name[1:-1] if name.startswith("[") else name)
        return True
    except ValueError:
        return False


class HostGuard:
    """Answers 400 to a request whose `Host` is a name this server does not serve (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        configured = host_name(settings.host)
        self.names = {"localhost", *settings.allowed_hosts, *([configured] if configured else [])}

    def serves(self, header: str) -> bool:
        name = host_name(header)
        return bool(name) and (name in self.names or "*" in self.names or is_address(name))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not self.serves(Headers(scope=scope).get("host", "")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            message = "unknown host name: this server answers to localhost, its IP addresses and RAG_ALLOWED_HOSTS"
            await error_response(400, message)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


class RequestGuard:
    """Refuses before reading: see the module docstring. `settings` gives the key and the limits."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        refusal = self._refusal(scope, Headers(scope=scope), limit)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self._capped(scope, receive, send, limit)

    @staticmethod
    def _is_upload(scope: Scope) -> bool:
        return bool(scope["method"] == "POST" and scope["path"].rstrip("/") == UPLOAD_PATH)

    def _limit(self, scope: Scope) -> tuple[int, str]:
        """(bytes, what the 413 says) for this request's body."""
        if self._is_upload(scope) or scope["method"] == "POST" and scope["path"].rstrip("/") == UI_UPLOAD_PATH:
            mb = self.settings.max_upload_mb
            return int(mb * 2**20) + MULTIPART_ROOM, f"the upload is larger than {mb:g} MB (RAG_MAX_UPLOAD_MB)"
        mb = self.settings.max_body_mb
        return int(mb * 2**20), f"the request body is larger than {mb:g} MB (RAG_MAX_BODY_MB)"

    def _refusal(self, scope: Scope, headers: Headers, limit: tuple[int, str]) -> JSONResponse | None:
        if self._is_upload(scope):
            problem = key_refusal(self.settings, bearer(headers), always=True)
            if problem is not None:
                return error_response(*problem)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit[0]:
            return error_response(413, limit[1])
        return None

    async def _capped(self, scope: Scope, receive: Receive, send: Send, limit: tuple[int, str]) -> None:
        """Run the app with its body counted; past the limit the app's reading fails, whatever it then answers
        is dropped, and the 413 goes out instead."""
        state: dict[str, Any] = {"received": 0, "started": False, "cut": False}

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if state["received"] > limit[0]:
                    state["cut"] = not state["started"]
                    raise _TooLarge
            return message

        async def unless_cut(message: Message) -> None:
            if state["cut"]:
                return
            state["started"] = state["started"] or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, unless_cut)
        except Exception:
            if not state["cut"]:
                raise
        if state["cut"]:
            await error_response(413, limit[1])(scope, receive, send)
