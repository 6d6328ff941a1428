"""`rag serve`: the HTTP API with the chat UI mounted on it, in one process (registered as a `rag` command).

This is where the API (rag/) and the UI (ui/) are put together, above both: rag/ never imports ui/.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rag.cli import Command
from rag.kb import KnowledgeBase
from rag.settings import Settings


def create_server(kb: KnowledgeBase, *, with_ui: bool = True) -> Any:
    """The API, and with `with_ui` the chat UI at /ui (where / then redirects)."""
    from rag.api import create_app

    app = create_app(kb, home="/ui/" if with_ui else "/docs")
    if with_ui:
        from ui.app import mount_ui

        mount_ui(app, kb)
    return app


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8000)")
    p.add_argument("--no-ui", action="store_true", help="serve only the API")
    p.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="info",
                   help="info (default): one line per request (method, path, status, ms); warning: problems only")
    p.add_argument("--log-questions", action="store_true",
                   help="also log the text of every question asked (off by default: questions can be sensitive)")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from rag.access_log import configure

    configure(args.log_level, questions=args.log_questions)
    if args.host:  # the name given here is one the server answers to (rag.guard.HostGuard)
        settings = settings.model_copy(update={"host": args.host})
    host, port = settings.host, args.port or settings.port
    kb = KnowledgeBase(settings)
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    kb.claim("serve", url=f"http://{local}:{port}")  # the index's one owner while we serve (index/owner.py)
    kb.warm_up()  # the models and the lexical index load before the first request, not during it
    app = create_server(kb, with_ui=not args.no_ui)
    ui = "" if args.no_ui else f"chat UI http://{host}:{port}/ui/ · "
    print(f"serving: {ui}API http://{host}:{port}/api · OpenAI-compatible http://{host}:{port}/v1 · "
          f"docs http://{host}:{port}/docs", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level=args.log_level, access_log=False)  # ours: rag.access_log
    return 0


COMMAND = Command("run the HTTP API and the chat UI", _arguments, _run)
