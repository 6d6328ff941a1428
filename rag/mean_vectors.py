"""A mean vector of texts shipped with the product, under whichever embedder is configured, computed once.

`rag.background` (a sample of Arabic news sentences) and `rag.language_shift` (English questions and their
Arabic twins) both calibrate against shipped texts rather than shipping vectors, so a different embedder
(`RAG_EMBED_MODEL`, a remote server) gets vectors of its own instead of another model's numbers. Embedding a few
hundred short texts takes seconds on two cores; the result is cached in `cache_dir` per embedder and per file,
so later processes read 1.5 kB.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from index.embedding import Embedder
from index.files import make_private_dir, write_atomically


class CachedVector:
    """`compute()` once per process, and once per (embedder, `source` file) across processes with a cache."""

    def __init__(self, embedder: Embedder, compute: Callable[[], np.ndarray], *, source: Path, prefix: str,
                 cache_dir: Path | None = None) -> None:
        self.embedder = embedder
        self.compute = compute
        self.source = source
        self.prefix = prefix
        self.cache_dir = cache_dir
        self._vector: np.ndarray | None = None
        self._lock = threading.Lock()

    def get(self) -> np.ndarray:
        with self._lock:
            if self._vector is None:
                self._vector = self._cached()
                if self._vector is None:
                    self._vector = np.asarray(self.compute(), dtype=np.float32)
                    self._save(self._vector)
            return self._vector

    def _cache_file(self) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha1(self.embedder.name.encode() + self.source.read_bytes()).hexdigest()[:16]
        return self.cache_dir / f"{self.prefix}-{key}.npy"

    def _cached(self) -> np.ndarray | None:
        file = self._cache_file()
        try:
            vector = np.load(file, allow_pickle=False) if file is not None and file.is_file() else None
        except (OSError, ValueError):
            return None  # unreadable: computed again
        return vector if vector is not None and vector.ndim == 1 and vector.dtype == np.float32 else None

    def _save(self, vector: np.ndarray) -> None:
        """Into the cache, atomically; a cache that cannot be written (a read-only folder) only costs the next
        process the computation."""
        file = self._cache_file()
        if file is None:
            return
        try:
            make_private_dir(file.parent)
            write_atomically(file, lambda f: np.save(f, vector, allow_pickle=False))
        except OSError:
            pass
