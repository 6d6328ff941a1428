"""Embedding past one machine, with the real e5: `rag serve` in one process serves /v1/embeddings, `rag ingest`
in another (RAG_EMBED_URL) embeds through it, and what it stores equals what the local model computes."""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

from index.chroma import ChromaStore
from index.embedding.remote import RemoteEmbedder, local_tokenizer
from index.ingest import _node
from tests.conftest import ARTICLES, MODEL_CACHE, ROOT

pytestmark = pytest.mark.model

KEY = "embed-key"
QUESTIONS = ["ما هي قاعة واغادوغو في سرت؟", "Who controls Sirte?", ""]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`rag serve --no-ui` with the real e5 over an empty index, as its own process; yields its /v1 URL."""
    port = free_port()
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp_path_factory.mktemp("served")), "RAG_MODEL_DIR": str(MODEL_CACHE),
           "RAG_PORT": str(port), "RAG_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--no-ui"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/api/health", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise AssertionError(f"rag serve did not start: {proc.communicate()[1][-2000:]}")
    yield f"{url}/v1"
    proc.terminate()
    proc.wait(30)


def test_an_ingest_through_another_process_stores_the_local_models_vectors(server, tmp_path, e5_embedder):
    index = tmp_path / "remote-index"
    env = {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_MODEL_DIR": str(MODEL_CACHE), "RAG_EMBED_URL": server,
           "RAG_EMBED_API_KEY": KEY, "RAG_SENTENCE_VECTORS": "false", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "rag.cli", "ingest", str(ARTICLES)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added 5")

    from llama_index.core.schema import MetadataMode

    store = ChromaStore(path=index, collection="articles")
    chunks = list(store.iter_chunks())
    stored = store.vectors([c.chunk_id for c in chunks])
    store.close()
    texts = [_node(c).get_content(metadata_mode=MetadataMode.EMBED) for c in chunks]
    local = e5_embedder.embed(texts, kind="passage")
    assert len(chunks) > 5
    assert np.abs(np.array([stored[c.chunk_id] for c in chunks]) - local).max() < 1e-4


@pytest.mark.parametrize("side", ["field", "e5"])
def test_remote_query_vectors_equal_local_ones(server, e5_embedder, side):
    remote = RemoteEmbedder(server, api_key=KEY, side=side)
    for kind in ("query", "passage"):
        assert np.abs(remote.embed(QUESTIONS, kind=kind) - e5_embedder.embed(QUESTIONS, kind=kind)).max() < 1e-4


def test_the_local_tokenizer_counts_like_the_model(e5_embedder):
    texts = [p.read_text(encoding="utf-8")[:2000] for p in sorted(ARTICLES.glob("*.txt"))] + QUESTIONS
    remote = RemoteEmbedder("http://127.0.0.1:9/v1", tokenizer=local_tokenizer("multilingual-e5-small", MODEL_CACHE))
    assert remote.count_tokens(texts) == e5_embedder.count_tokens(texts)
