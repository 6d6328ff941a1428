"""`kill -9` in the middle of a second ingest, at random points: real `rag ingest` processes, real Chroma.

After the kill, whatever a reader is served must be exactly what the registry lists (no chunk of an
unregistered document, no mix of a changed document's old and new versions), and the next run must reach
and sweep what the killed one left behind.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.chroma import ChromaStore
from index.ingest import ChunkSettings, ingest
from tests.conftest import ARTICLES, ROOT
from tests.fakes import HashEmbedder

COLLECTION = "crash"
TOKENS, OVERLAP = 60, 10
N_DOCS = 100  # two batches of 64 documents (with the 10 new ones)


def paragraphs() -> list[str]:
    out = []
    for path in sorted(ARTICLES.glob("*.txt")):
        out += [p.strip() for p in path.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 80]
    return out


def write_corpus(folder: Path, n: int, version: int) -> None:
    """`n` short articles; `version` 2 changes every third one and adds a few new ones."""
    paras = paragraphs()
    folder.mkdir(exist_ok=True)
    total = n + (10 if version == 2 else 0)
    for i in range(total):
        body = [paras[(i * 3 + k) % len(paras)] for k in range(3)]
        if version == 2 and i % 3 == 0:
            body.append(f"تحديث رقم {i}: " + paras[(i * 7) % len(paras)])
        (folder / f"doc{i:03d}.txt").write_text(f"خبر رقم {i}\n\n" + "\n\n".join(body), encoding="utf-8")


def rag_env(index: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_COLLECTION": COLLECTION, "RAG_EMBED_BACKEND": "hash",
            "RAG_CHUNK_TOKENS": str(TOKENS), "RAG_CHUNK_OVERLAP": str(OVERLAP), "PYTHONPATH": str(ROOT), **extra}


def look(index: Path) -> tuple[dict, dict[str, list[str]], set[str]]:
    """A fresh reader's view: the registry, the chunks it is served (by document), every chunk id stored."""
    store = ChromaStore(path=index, collection=COLLECTION)
    try:
        registry = {d.doc_id: d for d in store.docs()}
        served: dict[str, list[str]] = {}
        for chunk in store.iter_chunks():
            served.setdefault(chunk.doc_id, []).append(chunk.chunk_id)
        raw = set(store._chunks.get(include=[])["ids"])
    finally:
        store.close()
    return registry, served, raw


@pytest.fixture(scope="module")
def first_ingest(tmp_path_factory) -> tuple[Path, Path]:
    """An index holding version 1 of the corpus, made once and copied for every seed."""
    root = tmp_path_factory.mktemp("crash")
    write_corpus(root / "articles", N_DOCS, version=1)
    store = ChromaStore(path=root / "index", collection=COLLECTION)
    emb = HashEmbedder()
    ingest([root / "articles"], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
           settings=ChunkSettings(TOKENS, OVERLAP))
    store.close()
    return root / "articles", root / "index"


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_second_ingest_killed_at_a_random_point_serves_only_what_the_registry_lists(first_ingest, tmp_path, seed):
    articles, index = tmp_path / "articles", tmp_path / "index"
    shutil.copytree(first_ingest[0], articles)
    shutil.copytree(first_ingest[1], index)
    write_corpus(articles, N_DOCS, version=2)
    marker = tmp_path / "embedding-started"
    env = rag_env(index, RAG_EMBED_BACKEND="hash-slow", RAG_TEST_MARKER=str(marker), RAG_TEST_PAUSE="0.3")
    proc = subprocess.Popen([sys.executable, "-m", "tests.hash_rag", "ingest", str(articles)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the ingest never started embedding"
        time.sleep(random.Random(seed).uniform(0.5, 2.2))
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    registry, served, raw = look(index)
    assert set(served) <= set(registry), f"served but not listed: {sorted(set(served) - set(registry))[:5]}"
    wrong = [d for d, ids in served.items() if len(ids) != registry[d].chunks]
    assert not wrong, f"served with a chunk count the registry does not list: {wrong[:5]}"
    assert raw >= {c for ids in served.values() for c in ids}

    for path in articles.glob("*.txt"):  # the new articles are withdrawn: what the kill left of them must go
        if int(path.stem[3:]) >= N_DOCS:
            path.unlink()
    rerun = subprocess.run([sys.executable, "-m", "tests.hash_rag", "ingest", str(articles), "--prune"], cwd=ROOT,
                           env=rag_env(index), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    registry, served, raw = look(index)
    assert set(registry) == {p.stem for p in articles.glob("*.txt")}
    assert raw == {c for ids in served.values() for c in ids}  # nothing stored that is not served
    # (the corpus repeats its paragraphs, so some articles are near-duplicates: folded, registered with no chunks)
    assert all(len(served.get(d, ())) == info.chunks for d, info in registry.items())
