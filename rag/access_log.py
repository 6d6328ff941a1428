"""One line per request on the `rag.access` logger: client, method, path, status and milliseconds.

Never the query string (Gradio keeps session ids there), a header (the API key rides in one) or a body (the
question): a question is logged only when asked for, on the `rag.questions` logger, which is off (WARNING)
until `rag serve --log-questions` turns it on. Control characters in a path are escaped, so a request cannot
forge a line. A streamed reply is logged when its last byte is sent, so the milliseconds are the whole reply.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from index.finding import shown

ACCESS = logging.getLogger("rag.access")
QUESTIONS = logging.getLogger("rag.questions")
QUESTIONS.setLevel(logging.WARNING)  # off unless asked for


def log_question(where: str, question: str) -> None:
    QUESTIONS.info("%s question: %s", where, shown(question))


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, code, logged = time.perf_counter(), 0, False

        def log() -> None:
            nonlocal logged
            if not logged:
                logged = True
                client = (scope.get("client") or ("-",))[0]
                ms = (time.perf_counter() - started) * 1000
                ACCESS.info('%s "%s %s" %s %.0f ms', client, scope["method"], shown(scope["path"]), code, ms)

        async def watch(message: Message) -> None:
            nonlocal code
            if message["type"] == "http.response.start":
                code = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                log()

        try:
            await self.app(scope, receive, watch)
        finally:
            log()  # a reply cut short (client gone, error) is logged too, with the status it had


def configure(level: str = "info", *, questions: bool = False) -> None:
    """Log lines to stderr from `level` up (debug, info, warning, error); `questions`: log each question too."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level.upper())
    QUESTIONS.setLevel(logging.INFO if questions else logging.WARNING)
