"""Serving benchmark: 1 and 16 concurrent clients against `rag serve` on loopback.

Starts the server (seed articles, its own index under .rag/eval/serve), sends `--requests` questions per
client to `POST /api/ask` (the seed questions, then ARCD test questions: every request a different
question, so nothing is served from a cache), and prints throughput, p50/p95/p99 latency
and errors for each level, with the 16-client figures as ratios of the 1-client ones. Traffic goes only
to 127.0.0.1; every loop is bounded in count and time.

    python eval/bench_serve.py [--requests 12] [--clients 1,16]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval import soak  # noqa: E402
from eval.datasets import SEED_QUESTIONS, arcd, load_questions  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """The seed articles ingested into the benchmark's own index, then `rag serve` on it (soak's starter)."""
    env = dict(os.environ, RAG_INDEX_DIR=str(ROOT / ".rag/eval/serve"), RAG_COLLECTION="serve")
    subprocess.run([str(Path(sys.executable).parent / "rag"), "ingest"], env=env, check=True, capture_output=True)
    return soak.start_server(env, port)


def load(url: str, clients: int, per_client: int, questions: list[str], offset: int = 0) -> dict[str, float]:
    def client(i: int) -> list[tuple[float, bool]]:
        out = []
        with httpx.Client(timeout=120) as http:
            for j in range(per_client):
                q = questions[(offset + i * per_client + j) % len(questions)]
                t = time.perf_counter()
                try:
                    ok = http.post(f"{url}/api/ask", json={"question": q}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                out.append((time.perf_counter() - t, ok))
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for rs in pool.map(client, range(clients)) for r in rs]
    wall = time.perf_counter() - started
    lat = np.asarray([r[0] for r in results]) * 1000
    return {"requests": len(results), "errors": sum(not r[1] for r in results), "throughput": len(results) / wall,
            "p50": float(np.percentile(lat, 50)), "p95": float(np.percentile(lat, 95)),
            "p99": float(np.percentile(lat, 99))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=12, help="requests per client")
    ap.add_argument("--clients", default="1,16")
    args = ap.parse_args()
    questions = [q.question for q in load_questions(SEED_QUESTIONS)] + [q.question for q in arcd("test")[1]]
    port = free_port()
    proc = start_server(port)
    url = f"http://127.0.0.1:{port}"
    try:
        load(url, 2, 2, questions, offset=len(questions) - 4)  # warm-up, on questions not asked below
        rows, offset = {}, 0
        for c in map(int, args.clients.split(",")):
            rows[c] = load(url, c, args.requests, questions, offset)
            offset += c * args.requests
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    base = rows[min(rows)]
    print(f"POST /api/ask on {os.cpu_count()} cores, seed corpus, extractive generator, hybrid retrieval\n")
    print("| clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | req/s × 1 client | p50 × 1 client |")
    print("|---|---|---|---|---|---|---|---|---|")
    for c, r in rows.items():
        print(f"| {c} | {r['requests']} | {r['errors']} | {r['throughput']:.2f} | {r['p50']:.0f} | {r['p95']:.0f} | "
              f"{r['p99']:.0f} | {r['throughput'] / base['throughput']:.2f} | {r['p50'] / base['p50']:.2f} |")


if __name__ == "__main__":
    main()
