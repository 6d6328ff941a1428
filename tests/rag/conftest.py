"""A knowledge base over the seed articles with the hash embedder, and a live server for it."""

import shutil
import socket
import threading
import time

import pytest

from rag.kb import KnowledgeBase
from rag.settings import Settings
from tests.conftest import ARTICLES
from tests.fakes import HashEmbedder


def make_kb(tmp_path, generators=None, writers=None, **settings) -> KnowledgeBase:
    corpus = tmp_path / "articles"
    if not corpus.exists():
        shutil.copytree(ARTICLES, corpus)
    s = Settings(index_dir=tmp_path / "index", collection="apitest", min_support=0.0, chunk_tokens=80,
                 chunk_overlap=20, articles_dir=corpus, **settings)
    kb = KnowledgeBase(s, embedder=HashEmbedder(), generators=generators, writers=writers)
    kb.ingest([corpus])
    return kb


@pytest.fixture
def kb(tmp_path) -> KnowledgeBase:
    return make_kb(tmp_path)


class LiveServer:
    """uvicorn in a thread on a free loopback port (graceful shutdown capped at 1 s)."""

    def __init__(self, app) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    timeout_graceful_shutdown=1))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started, "server did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
