"""The same ingest and search code against a real `chroma run` server on loopback."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest
from tests.conftest import ARTICLES
from tests.fakes import HashEmbedder

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def chroma_url(tmp_path):
    if not CHROMA.exists():
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_ingest_and_search_against_a_chroma_server(chroma_url, tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    store = ChromaStore(url=chroma_url, collection="served")
    emb = HashEmbedder()
    report = ingest([corpus], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
                    settings=ChunkSettings(80, 20))
    assert len(report.added) == 5
    again = ingest([corpus], store=ChromaStore(url=chroma_url, collection="served"), embedder=emb, counter=emb,
                   embedder_name=emb.name, settings=ChunkSettings(80, 20))
    assert len(again.unchanged) == 5
    hits = store.dense_search(emb.embed(["قاعة واغادوغو"], kind="query")[0].tolist(), 3)
    assert hits and "واغادوغو" in hits[0].chunk.text


def test_unreachable_server_is_a_store_error_naming_the_url():
    from index.errors import StoreError

    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(StoreError, match=url.replace(".", r"\.")):
        ChromaStore(url=url).warm_up()
