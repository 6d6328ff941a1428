"""Lexical index benchmark: what the next question costs after one article is added to a large archive.

The ANT Jawhara FM corpus (~10k articles) is chunked by the repo's own chunker (e5 tokenizer counts) and
stored in a real Chroma store in a temp folder, with tiny hash vectors instead of embeddings (the lexical
index never reads vectors, so embedding would only cost time). Then:

    build         the lexical index over every chunk, from scratch
    add one       one more article is ingested; the next query is timed
                      incremental   `LexicalIndex.get()` (tombstones + a small segment) and the search
                      full rebuild  what it cost before: every chunk read and analysed again, the
                                    cache written, and the search
    remove one    the same for removing that article again
    cold start    a new process's `LexicalIndex.get()` from the cache (reads every chunk from the store)

Scores of the two paths are compared (they must agree to float precision).

    nice -n 10 python eval/bench_lexical.py [--n 10161] [--keep DIR]
"""

from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "datasets" / "ant" / "ant_v1.1_jawharafm.jsonl.gz"

from index.chroma import ChromaStore  # noqa: E402
from index.embedding.remote import RemoteEmbedder, local_tokenizer  # noqa: E402
from index.ingest import ChunkSettings, ingest  # noqa: E402
from index.lexical import LexicalIndex, analyze  # noqa: E402
from index.loading import FieldMap, load_file  # noqa: E402
from index.types import Document  # noqa: E402


class HashVectors:
    """8 numbers per text from its hash: the store needs a vector per chunk, the lexical index none."""

    name = "hash-8"

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], dtype=np.uint8) for t in texts]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), 8) + 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def timed(what: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = what()
    return time.perf_counter() - started, result


def write_jsonl(docs: list[Document], path: Path) -> Path:
    import json

    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps({"id": d.doc_id, "text": d.original, "title": d.title, "date": d.date,
                                "source": d.source, "url": d.url}, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=0, help="articles to store (default: all)")
    ap.add_argument("--keep", type=Path, default=None, help="work in this folder and keep it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-lexical-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = [d for d in load_file(CORPUS, FieldMap.parse("ant")) if isinstance(d, Document)]
    docs = docs[: args.n] if args.n else docs
    base, extra = docs[:-1], docs[-1]
    counter = RemoteEmbedder("http://unused", "unused", tokenizer=local_tokenizer("intfloat/multilingual-e5-small",
                                                                                   ROOT / ".rag" / "models"))
    store = ChromaStore(path=work / "index")
    settings = ChunkSettings(sentence_vectors=False)

    def put(items: list[Document], name: str) -> None:
        ingest([write_jsonl(items, work / name)], store=store, embedder=HashVectors(), counter=counter,
               embedder_name="hash-8", settings=settings)

    took, _ = timed(lambda: put(base, "base.jsonl"))
    print(f"stored {len(base)} articles, {store.view().chunks} chunks in {took:.0f} s (chunking + Chroma)")
    lexical = LexicalIndex(store, work / "cache")
    took, _ = timed(lexical.rebuild)
    print(f"build from scratch: {took:.2f} s")

    query = " ".join(analyze(extra.title)[:4]) or "تونس"
    rows = []
    for step, change in (("add one article", lambda: put([extra], "extra.jsonl")),
                         ("remove it again", lambda: store.delete_doc(extra.doc_id))):
        change()
        inc, hits = timed(lambda: lexical.get().search(query, 30))
        how = lexical.how
        full, fresh = timed(lambda: LexicalIndex(store, work / "full").rebuild().search(query, 30))
        scores = lexical.get().scores(query)
        diff = max((abs(scores[h.chunk.chunk_id] - h.score) for h in fresh), default=0.0)
        rows.append((step, inc, how, full, diff))
    cold, _ = timed(lambda: LexicalIndex(store, work / "cache").get().search(query, 30))

    print(f"\nnext query after a change ({store.view().chunks} chunks; query {query!r}):")
    print(f"{'change':<18}{'incremental':>14}{'full rebuild':>15}{'ratio':>8}   max |score diff|")
    for step, inc, how, full, diff in rows:
        print(f"{step:<18}{inc * 1000:>10.0f} ms{full * 1000:>12.0f} ms{full / inc:>7.0f}×   {diff:.1e} ({how})")
    print(f"cold start of a new process (cache + every chunk read from the store): {cold:.2f} s")
    if args.keep is None:
        import shutil

        store.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
