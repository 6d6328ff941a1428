"""One process owns an embedded index: `rag serve` and a second `rag` process, both real (hash embedder).

A second writer is refused with the way forward, readers are answered by the server that owns the index, and a
server that finds the store changed under it (a process that ignored the lock) reloads instead of failing.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest
from tests.conftest import ARTICLES, ROOT
from tests.fakes import HashEmbedder

KEY = "test-key"
COLLECTION = "owner"
NEW_WORD = "زنبرقان"  # a made-up word only the new articles contain

RAW_INGEST = """
import sys
from pathlib import Path
from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest
from tests.fakes import HashEmbedder
store, emb = ChromaStore(path=sys.argv[1], collection=sys.argv[2]), HashEmbedder()
report = ingest([Path(sys.argv[3])], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
                settings=ChunkSettings(80, 20, near_duplicate_threshold=0))  # the new articles are near-duplicates
print(len(report.added))
"""


def rag(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tests.hash_rag", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def call(url: str, path: str, body: dict | None = None, key: str = KEY) -> tuple[int, object]:
    request = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def new_articles(folder: Path, n: int = 15) -> Path:
    folder.mkdir()
    seeds = sorted(ARTICLES.glob("*.txt"))
    for i in range(n):
        text = seeds[i % len(seeds)].read_text(encoding="utf-8")
        (folder / f"new{i:02d}.txt").write_text(f"خبر جديد {i} عن {NEW_WORD}\n\n{NEW_WORD} {i}. " + text,
                                                encoding="utf-8")
    return folder


class Server:
    """`rag serve --no-ui` (hash embedder) on a free loopback port, as its own process."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.hash_rag", "serve", "--no-ui", "--port",
                                      str(self.port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if call(self.url, "/api/health")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"rag serve did not start: {self.proc.stderr.read() if self.proc.stderr else ''}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(20)


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    shutil.copytree(ARTICLES, tmp_path / "articles")
    e = {**os.environ, "RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_COLLECTION": COLLECTION,
         "RAG_EMBED_BACKEND": "hash", "RAG_CHUNK_TOKENS": "80", "RAG_CHUNK_OVERLAP": "20", "RAG_MIN_SUPPORT": "0",
         "RAG_API_KEY": KEY, "PYTHONPATH": str(ROOT)}
    store, emb = ChromaStore(path=tmp_path / "index", collection=COLLECTION), HashEmbedder()
    ingest([tmp_path / "articles"], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
           settings=ChunkSettings(80, 20))
    store.close()
    return e


@pytest.fixture
def server(env):
    s = Server(env)
    yield s
    s.stop()


def test_a_second_ingest_is_refused_naming_the_server_and_how_to_upload(server, env, tmp_path):
    out = rag("ingest", str(new_articles(tmp_path / "new")), env=env)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    line = out.stderr.strip()
    assert len(line.splitlines()) == 1
    assert f"served by `rag serve` (pid {server.proc.pid}) on {server.url}" in line
    assert f"{server.url}/api/documents" in line and "stop the server" in line
    status, hits = call(server.url, "/api/search", {"question": f"{NEW_WORD} خبر جديد", "top_k": 10})
    assert status == 200 and not any(h["doc_id"].startswith("new") for h in hits["hits"])  # type: ignore[index]
    remove = rag("remove", "000_f77978ab9cd701d8", env=env)
    assert remove.returncode != 0 and "-X DELETE" in remove.stderr
    assert f"{server.url}/api/documents/000_f77978ab9cd701d8" in remove.stderr
    assert len(call(server.url, "/api/documents")[1]) == 5  # type: ignore[arg-type]


def test_the_server_reloads_when_another_process_changed_the_store_under_it(server, env, tmp_path):
    before = call(server.url, "/api/search", {"question": "قاعة واغادوغو", "mode": "hybrid"})
    assert before[0] == 200
    writer = subprocess.run([sys.executable, "-c", RAW_INGEST, env["RAG_INDEX_DIR"], COLLECTION,
                             str(new_articles(tmp_path / "new"))], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)  # ignores the lock, as an older `rag` would
    assert writer.returncode == 0 and writer.stdout.strip() == "15", writer.stderr
    for mode in ("hybrid", "lexical", "dense"):
        status, body = call(server.url, "/api/search", {"question": f"{NEW_WORD} خبر جديد", "mode": mode, "top_k": 10})
        assert status == 200, body
        assert any(h["doc_id"].startswith("new") for h in body["hits"]), mode  # type: ignore[index]
    status, answer = call(server.url, "/api/ask", {"question": f"ما هو {NEW_WORD}؟"})
    assert status == 200, answer


def test_readers_are_answered_by_the_server_that_owns_the_index(server, env):
    question = "قاعة واغادوغو"
    out = rag("ask", question, "--json", env=env)
    assert out.returncode == 0, out.stderr
    status, direct = call(server.url, "/api/ask", {"question": question})
    forwarded = json.loads(out.stdout)
    assert status == 200 and forwarded["answer"] == direct["answer"]  # type: ignore[index]
    assert [c["chunk_id"] for c in forwarded["citations"]] == [c["chunk_id"] for c in direct["citations"]]  # type: ignore[index]
    docs = rag("docs", "--json", env=env)
    assert [d["doc_id"] for d in json.loads(docs.stdout)] == sorted(p.stem for p in ARTICLES.glob("*.txt"))
    search = rag("search", question, "--json", env=env)
    assert json.loads(search.stdout)["hits"][0]["doc_id"] == call(
        server.url, "/api/search", {"question": question})[1]["hits"][0]["doc_id"]  # type: ignore[index]
    wrong = rag("docs", env={**env, "RAG_API_KEY": "wrong"})
    assert wrong.returncode != 0 and "RAG_API_KEY" in wrong.stderr and "Traceback" not in wrong.stderr


def test_a_killed_server_leaves_no_lock_behind(server, env, tmp_path):
    server.stop(signal.SIGKILL)
    out = rag("ingest", str(new_articles(tmp_path / "new")), env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("added 15")


LIGHT_ASK = """
import sys
from rag.cli import main
code = main(sys.argv[1:])
heavy = ("torch", "chromadb", "llama_index", "sentence_transformers", "transformers", "gradio", "fastapi")
print("loaded:", ",".join(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
sys.exit(code)
"""


def test_ask_goes_to_the_running_server_says_so_and_loads_nothing_heavy(server, env):
    client = {k: v for k, v in env.items() if k != "RAG_EMBED_BACKEND"}  # the product's own CLI, unpatched
    out = subprocess.run([sys.executable, "-c", LIGHT_ASK, "ask", "قاعة واغادوغو"], cwd=ROOT, env=client,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    status, direct = call(server.url, "/api/ask", {"question": "قاعة واغادوغو"})
    assert status == 200 and out.stdout.startswith(direct["answer"])  # type: ignore[index]
    assert f"asking the running `rag serve` at {server.url}" in out.stderr
    assert out.stderr.strip().splitlines()[-1] == "loaded:"  # no torch, Chroma, llama-index, model or web stack
