"""Protections for the chat at /ui that Gradio does not give itself: a pure-ASGI middleware on the server's app.

- Every /ui response forbids framing (`X-Frame-Options: DENY` and CSP `frame-ancestors 'none'`, against
  clickjacking) and carries a Content-Security-Policy: the page loads from this server only and talks to it
  only. Gradio's page needs inline scripts and styles, so those are allowed (a nonce would mean rewriting
  Gradio's HTML); what the CSP still stops is loading or sending anything elsewhere, `<base>` and plugins.
- The login (`POST /ui/login`) is rate-limited per client address: each attempt counts until it succeeds, and
  after `RAG_LOGIN_FAILURES_PER_MINUTE` of them within a minute that address gets a 429 (with Retry-After)
  without its password being tried.

Left out: who the client is behind a proxy (uvicorn believes `X-Forwarded-For` from 127.0.0.1 only, its
default), a limit across many addresses, and the API's bearer key (a 401 there reveals nothing per guess
that the login does not, but it is not slowed down).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.guard import error_response
from rag.settings import Settings

CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' data: blob:; connect-src 'self'; "
       "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "same-origin"}
MAX_CLIENTS = 10_000  # past this many tracked addresses, those with nothing recent are forgotten


class FailureLimiter:
    """Attempts per client within a sliding `window` of seconds; `limit` of them and the client waits."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.failures: dict[str, deque[float]] = {}

    def wait(self, client: str) -> float:
        """Seconds until `client` may try again (0: now)."""
        recent = self._recent(client)
        return 0.0 if len(recent) < self.limit else recent[0] + self.window - self.clock()

    def attempt(self, client: str) -> None:
        if len(self.failures) >= MAX_CLIENTS:
            for other in [c for c in self.failures if not self._recent(c)]:
                del self.failures[other]
        self.failures.setdefault(client, deque()).append(self.clock())

    def succeeded(self, client: str) -> None:
        self.failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        recent = self.failures.get(client, deque())
        while recent and recent[0] <= self.clock() - self.window:
            recent.popleft()
        return recent


class UIGuard:
    """The headers on every response under `path`, and the limit on `path`/login (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings, path: str = "/ui") -> None:
        self.app, self.path = app, path.rstrip("/")
        self.logins = FailureLimiter(settings.login_failures_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == self.path or path.startswith(self.path + "/")):
            await self.app(scope, receive, send)
            return

        status = {"code": 0}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                MutableHeaders(scope=message).update(HEADERS)
            await send(message)

        if scope["method"] == "POST" and path.rstrip("/") == self.path + "/login":
            await self._login(scope, receive, with_headers, status)
        else:
            await self.app(scope, receive, with_headers)

    async def _login(self, scope: Scope, receive: Receive, send: Send, status: dict[str, int]) -> None:
        client = (scope.get("client") or ("unknown",))[0]
        wait = math.ceil(self.logins.wait(client))
        if wait > 0:
            refusal = error_response(429, f"too many failed logins from this address: try again in {wait} s",
                                     "rate_limit_error", headers={"Retry-After": str(wait)})
            await refusal(scope, receive, send)
            return
        self.logins.attempt(client)  # counted before it is tried, so parallel guesses count too
        await self.app(scope, receive, send)
        if status["code"] == 200:
            self.logins.succeeded(client)
