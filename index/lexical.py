"""BM25 over Arabic-normalised, lightly stemmed tokens, kept in step with the Chroma store.

The index is rebuilt from the chunks stored in Chroma whenever the store's fingerprint changes, and
cached on disk under that fingerprint, so it can never describe a different set of chunks than the
vector store does. The cache is data only (`bm25-<collection>.npz`: the sparse matrix, plus JSON for the
fingerprint, vocabulary and chunk ids; loaded with `allow_pickle=False`); the chunks themselves are
re-read from the store. A cache that cannot be read or does not fit is rebuilt. The old pickle cache
(`.pkl`) is never loaded, and is deleted when the new one is written.

Weights are precomputed (Okapi BM25, k1=1.2, b=0.75) into a sparse term×chunk matrix; a query sums the
rows of its terms.

>>> from index.types import Chunk
>>> mk = lambda i, t: Chunk(f"c{i}", "d", t, 0, len(t), i)
>>> bm = BM25([mk(0, "فر مقاتلو التنظيم إلى الصحراء"), mk(1, "اجتماع مجلس الأمن في نيويورك")])
>>> [h.chunk.chunk_id for h in bm.search("المقاتلين في الصحراء", 2)]
['c0']
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from index.arabic import light_stem, tokens
from index.files import make_private_dir, open_private
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

    @classmethod
    def restore(cls, chunks: list[Chunk], vocab: dict[str, int], matrix: Any) -> BM25:
        """A BM25 from the parts a cache kept, without analysing the chunks again."""
        bm25 = cls.__new__(cls)
        bm25.chunks, bm25.vocab, bm25.matrix = chunks, vocab, matrix
        return bm25

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


CACHE_FORMAT = 1  # bump when what the .npz holds changes


class LexicalIndex:
    """BM25 for a store, rebuilt when the store's fingerprint changes and cached in `cache_dir`."""

    def __init__(self, store: Any, cache_dir: str | Path) -> None:
        self.store = store
        self.cache = Path(cache_dir) / f"bm25-{store.collection_name}.npz"
        self._old_pickle = Path(cache_dir) / f"bm25-{store.collection_name}.pkl"  # never loaded
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
        """The cached BM25 if the cache is readable, well-formed and for fingerprint `fp`; else None."""
        from scipy.sparse import csr_matrix

        try:
            with np.load(self.cache, allow_pickle=False) as z:
                meta = json.loads(z["meta"].tobytes().decode("utf-8"))
                if meta["format"] != CACHE_FORMAT or meta["fingerprint"] != fp:
                    return None
                vocab, ids = list(meta["vocab"]), list(meta["chunk_ids"])
                matrix = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(len(vocab), len(ids)))
            matrix.check_format(full_check=True)
            chunks = {c.chunk_id: c for c in self.store.iter_chunks()}
            if len(chunks) != len(ids) or not all(i in chunks for i in ids):
                return None
            return BM25.restore([chunks[i] for i in ids], {t: n for n, t in enumerate(vocab)}, matrix)
        except Exception:  # noqa: BLE001 - missing, corrupt or foreign: rebuild, whatever the file holds
            return None

    def _save(self, fp: str, bm25: BM25) -> None:
        meta = {"format": CACHE_FORMAT, "fingerprint": fp, "vocab": sorted(bm25.vocab, key=bm25.vocab.__getitem__),
                "chunk_ids": [c.chunk_id for c in bm25.chunks]}
        m = bm25.matrix.tocsr()
        tmp = self.cache.with_name(self.cache.name + ".tmp")
        try:
            make_private_dir(self.cache.parent)
            with open_private(tmp) as f:
                np.savez(f, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                         data=m.data, indices=m.indices, indptr=m.indptr)
            tmp.replace(self.cache)
            self._old_pickle.unlink(missing_ok=True)
        except OSError:  # a read-only index folder: search works, only without a cache
            tmp.unlink(missing_ok=True)
