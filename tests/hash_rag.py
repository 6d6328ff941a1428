"""`rag` as a real process, with the hash embedder (tests/fakes.py) instead of a model: for tests only.

    python -m tests.hash_rag ingest FOLDER        (cwd: the repository root)

It registers two extra embedding backends and hands over to `rag.cli.main`, so every command (`serve` too)
runs the product's own code with `RAG_EMBED_BACKEND=hash`:

    hash        the hash embedder
    hash-slow   the same, pausing `RAG_TEST_PAUSE` seconds (default 0.2) in every passage call and touching
                the file `RAG_TEST_MARKER` (if set) on the first, so a test can kill it in the middle of an ingest
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedding import BACKENDS
from tests.fakes import HashEmbedder


class SlowHashEmbedder(HashEmbedder):
    def __init__(self, pause: float, marker: str) -> None:
        super().__init__()
        self.pause, self.marker = pause, marker

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        if kind == "passage":
            if self.marker:
                Path(self.marker).touch()
            time.sleep(self.pause)
        return super().embed(texts, kind=kind)


def _hash(model: str, **_: object) -> HashEmbedder:
    return HashEmbedder()


def _slow(model: str, **_: object) -> HashEmbedder:
    return SlowHashEmbedder(float(os.environ.get("RAG_TEST_PAUSE", "0.2")), os.environ.get("RAG_TEST_MARKER", ""))


if "hash" not in BACKENDS:
    BACKENDS.register("hash", _hash)
    BACKENDS.register("hash-slow", _slow)

if __name__ == "__main__":
    from rag.cli import main

    sys.exit(main(sys.argv[1:]))
