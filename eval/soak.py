"""Soak test: `rag serve` under questions while documents come and go, and a second process knocks on the index.

Starts `rag serve` (the real embedder) on a temporary index holding the seed articles, with a random
RAG_API_KEY, and for `--minutes` runs, all on 127.0.0.1:

    --clients threads   POST /api/ask with the seed questions, one after another
    one uploader        POST /api/documents (a new article, sometimes a changed version of one), GET the list,
                        DELETE /api/documents/{id} of an older upload, about every 2 s
    a second process    every 20 s `rag ingest` of the same index (must be refused in one line, naming the
                        server) and `rag docs --json` (answered through the server)

Then it stops the server and checks the index itself: every chunk record stored is one the registry lists.
It prints requests, errors (every non-2xx answer, failed call or wrong outcome of the second process: must be
0), answers citing documents that no listing ever showed (must be 0) and stray chunks (must be 0); the exit
code is 1 if any of those is not 0. Every loop is bounded by the deadline and every call by a timeout.

    python eval/soak.py [--minutes 5] [--clients 16]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.datasets import SEED_QUESTIONS, load_questions  # noqa: E402

ARTICLES = ROOT / "data" / "articles"


class Tally:
    """What the threads saw, under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.errors: list[str] = []
        self.cited: list[frozenset[str]] = []  # the documents each answer cites
        self.listed: set[str] = set()
        self.ask_ms: list[float] = []

    def record(self, kind: str, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.calls[kind] += 1
            if not ok:
                self.errors.append(f"{kind}: {detail}"[:300])


def rag(*args: str, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--no-ui", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("rag serve did not come up within 180 s")


def asker(url: str, key: str, questions: list[str], start: int, deadline: float, tally: Tally) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
        n = start
        while time.monotonic() < deadline:
            question = questions[n % len(questions)]
            n += 1
            started = time.perf_counter()
            try:
                r = http.post("/api/ask", json={"question": question})
            except httpx.HTTPError as exc:
                tally.record("ask", False, repr(exc))
                continue
            tally.record("ask", r.status_code == 200, f"{r.status_code} {r.text[:200]}")
            if r.status_code == 200:
                with tally.lock:
                    tally.ask_ms.append((time.perf_counter() - started) * 1000)
                    tally.cited.append(frozenset(c["doc_id"] for c in r.json()["citations"]))


def list_documents(http: httpx.Client, tally: Tally) -> None:
    r = http.get("/api/documents")
    tally.record("list", r.status_code == 200, f"{r.status_code} {r.text[:200]}")
    if r.status_code == 200:
        with tally.lock:
            tally.listed.update(d["doc_id"] for d in r.json())


def uploader(url: str, key: str, deadline: float, tally: Tally) -> None:
    """New articles (every third a changed version of a live one) in, older ones out; about every 2 s."""
    seeds = [p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.txt"))]
    live: list[str] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
        n = 0
        while time.monotonic() < deadline:
            name = live[0] if n % 3 == 2 and live else f"soak-{n:04d}"
            text = f"{seeds[n % len(seeds)]}\n\nفقرة اختبار رقم {n} في الوثيقة {name}."
            try:
                r = http.post("/api/documents", files={"files": (f"{name}.txt", text.encode("utf-8"), "text/plain")})
                tally.record("upload", r.status_code == 200 and not r.json()["failed"], f"{r.status_code} {r.text}")
                if name not in live:
                    live.append(name)
                list_documents(http, tally)
                if len(live) > 3:
                    gone = live.pop(1)
                    r = http.delete(f"/api/documents/{gone}")
                    tally.record("delete", r.status_code == 200, f"{r.status_code} {r.text[:200]}")
            except httpx.HTTPError as exc:
                tally.record("upload", False, repr(exc))
            n += 1
            time.sleep(max(0.0, min(2.0, deadline - time.monotonic())))


def second_process(env: dict[str, str], folder: Path, url: str, deadline: float, tally: Tally) -> None:
    """`rag ingest` must be refused, naming the server; `rag docs` must be answered through it."""
    while time.monotonic() < deadline:
        out = rag("ingest", str(folder), env=env, timeout=300)
        refused = out.returncode == 2 and "served by `rag serve`" in out.stderr and url in out.stderr
        tally.record("second ingest (refused)", refused and len(out.stderr.strip().splitlines()) == 1,
                     f"exit {out.returncode}: {out.stdout.strip()} {out.stderr.strip()}")
        out = rag("docs", "--json", env=env, timeout=300)
        tally.record("second docs (through the server)", out.returncode == 0, f"exit {out.returncode}: {out.stderr}")
        time.sleep(max(0.0, min(20.0, deadline - time.monotonic())))


def stray_chunks(index: Path, collection: str) -> int:
    """Chunk records the registry does not list, read from the index itself once the server is gone."""
    from index.chroma import ChromaStore

    store = ChromaStore(path=index, collection=collection)
    try:
        listed = {c.chunk_id for c in store.iter_chunks()}  # the read side shows exactly the listed chunks
        return store.chunk_count() - len(listed)
    finally:
        store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=16)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rag-soak-"))
    key, collection = secrets.token_hex(16), "soak"
    env = {**os.environ, "RAG_INDEX_DIR": str(tmp / "index"), "RAG_COLLECTION": collection, "RAG_API_KEY": key,
           "PYTHONPATH": str(ROOT)}
    knock = tmp / "knock"
    knock.mkdir()
    shutil.copy(next(ARTICLES.glob("*.txt")), knock / "knock.txt")
    tally = Tally()
    try:
        first = rag("ingest", str(ARTICLES), env=env)
        if first.returncode != 0:
            raise SystemExit(f"seed ingest failed: {first.stderr}")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = start_server(env, port)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            list_documents(http, tally)
        questions = [q.question for q in load_questions(SEED_QUESTIONS)]
        started = time.monotonic()
        deadline = started + args.minutes * 60
        threads = [threading.Thread(target=asker, args=(url, key, questions, i * 7, deadline, tally))
                   for i in range(args.clients)]
        threads += [threading.Thread(target=uploader, args=(url, key, deadline, tally)),
                    threading.Thread(target=second_process, args=(env, knock, url, deadline, tally))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.monotonic() - started
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            list_documents(http, tally)
        server.terminate()
        server.wait(60)
        strays = stray_chunks(tmp / "index", collection)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    unlisted = [docs - tally.listed for docs in tally.cited if docs - tally.listed]
    lat = np.asarray(tally.ask_ms or [0.0])
    print(f"soak: {args.clients} clients for {took / 60:.1f} min against `rag serve` on loopback (seed articles, "
          f"{os.cpu_count()} cores)")
    print(f"requests: {sum(tally.calls.values())} ({', '.join(f'{k} {v}' for k, v in sorted(tally.calls.items()))})")
    print(f"ask latency p50 {np.percentile(lat, 50):.0f} ms, p95 {np.percentile(lat, 95):.0f} ms")
    print(f"errors: {len(tally.errors)}")
    for line in tally.errors[:10]:
        print(f"  {line}")
    print(f"answers citing unlisted documents: {len(unlisted)}"
          + (f" {sorted(set().union(*unlisted))[:10]}" if unlisted else ""))
    uploads = sum(any(d.startswith("soak-") for d in docs) for docs in tally.cited)
    print(f"answers citing uploaded documents (so the check above had something to check): {uploads}")
    print(f"stray chunks in the index afterwards: {strays}")
    return 0 if not tally.errors and not unlisted and strays == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
