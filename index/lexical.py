"""BM25 over Arabic-normalised, lightly stemmed tokens, kept in step with the Chroma store.

The index is rebuilt from the chunks stored in Chroma whenever the store's fingerprint changes, and
cached on disk under that fingerprint, so it can never describe a different set of chunks than the
vector store does. Weights are precomputed (Okapi BM25, k1=1.2, b=0.75) into a sparse term×chunk
matrix; a query sums the rows of its terms.

>>> from index.types import Chunk
>>> mk = lambda i, t: Chunk(f"c{i}", "d", t, 0, len(t), i)
>>> bm = BM25([mk(0, "فر مقاتلو التنظيم إلى الصحراء"), mk(1, "اجتماع مجلس الأمن في نيويورك")])
>>> [h.chunk.chunk_id for h in bm.search("المقاتلين في الصحراء", 2)]
['c0']
"""

from __future__ import annotations

import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from index.arabic import light_stem, tokens
from index.types import Chunk, Hit

# A few very common function words carry no evidence (Arabic after normalisation, and English).
STOPWORDS = frozenset(
    "في من علي الي عن ان او ثم التي الذي الذين هذا هذه ذلك تلك كان كانت قد لا ما لم لن مع بين عند كل "
    "بعد قبل حتي اذا هو هي هم انه انها وقال قال و the a an of in on at to for and or is are was were be "
    "by with from as that this it its what which who where when how did do does".split()
)


def analyze(text: str) -> list[str]:
    return [light_stem(t) for t in tokens(text) if t not in STOPWORDS and len(t) > 1]


class BM25:
    def __init__(self, chunks: list[Chunk], k1: float = 1.2, b: float = 0.75) -> None:
        from scipy.sparse import csr_matrix

        self.chunks = chunks
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        freqs: list[int] = []
        lengths: list[int] = []
        for j, chunk in enumerate(chunks):
            counts = Counter(analyze(chunk.title + "\n" + chunk.text if chunk.position else chunk.text))
            lengths.append(sum(counts.values()))
            for term, count in counts.items():
                rows.append(self.vocab.setdefault(term, len(self.vocab)))
                cols.append(j)
                freqs.append(count)
        n = max(len(chunks), 1)
        avgdl = (sum(lengths) / n) or 1.0
        term_ids = np.asarray(rows, dtype=np.int64)
        tf = np.asarray(freqs, dtype=np.float32)
        dl = np.asarray(lengths, dtype=np.float32)[np.asarray(cols, dtype=np.int64)]
        df = np.bincount(term_ids, minlength=len(self.vocab))
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        weight = idf[term_ids] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
        self.matrix = csr_matrix((weight, (rows, cols)), shape=(len(self.vocab), len(chunks)))

    def scores(self, query: str) -> np.ndarray:
        ids = [self.vocab[t] for t in analyze(query) if t in self.vocab]
        if not ids:
            return np.zeros(len(self.chunks), dtype=np.float32)
        return np.asarray(self.matrix[ids].sum(axis=0)).ravel()

    def search(self, query: str, top_k: int, allowed: set[str] | None = None) -> list[Hit]:
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")
        hits: list[Hit] = []
        for j in order:
            if scores[j] <= 0 or len(hits) >= top_k:
                break
            if allowed is None or self.chunks[j].chunk_id in allowed:
                hits.append(Hit(self.chunks[j], float(scores[j])))
        return hits


class LexicalIndex:
    """BM25 for a store, rebuilt when the store's fingerprint changes and cached in `cache_dir`."""

    def __init__(self, store: Any, cache_dir: str | Path) -> None:
        self.store = store
        self.cache = Path(cache_dir) / f"bm25-{store.collection_name}.pkl"
        self._fingerprint = ""
        self._bm25: BM25 | None = None

    def get(self, fingerprint: str | None = None) -> BM25:
        fp = fingerprint or self.store.fingerprint()
        if self._bm25 is not None and fp == self._fingerprint:
            return self._bm25
        bm25 = self._load_cached(fp)
        if bm25 is None:
            bm25 = BM25(list(self.store.iter_chunks()))
            self._save(fp, bm25)
        self._bm25, self._fingerprint = bm25, fp
        return bm25

    def _load_cached(self, fp: str) -> BM25 | None:
        try:
            with self.cache.open("rb") as f:
                cached_fp, bm25 = pickle.load(f)
            return bm25 if cached_fp == fp else None
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError):
            return None

    def _save(self, fp: str, bm25: BM25) -> None:
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump((fp, bm25), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(self.cache)

