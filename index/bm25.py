"""Okapi BM25 (k1=1.2, b=0.75) over segments: batches of chunks analysed once, combined at query time.

A `Segment` holds what analysis made of a batch of chunks (term counts and lengths); it never changes once
built, so it can be written to disk once and shared. A `BM25` is a list of `Part`s (a segment and the ids of
its chunks that were removed since: tombstones) plus the live chunks. Corpus statistics (N, average length,
document frequency) are summed over the live chunks of all parts when a query is scored, so the scores are
those of one BM25 built from scratch over the same chunks, however the chunks were added. Adding or removing
chunks (`changed`) analyses only the added ones; `merged` folds all parts into one segment without analysing
anything again (for when tombstones and small segments pile up).

>>> from index.types import Chunk
>>> mk = lambda i, t: Chunk(f"c{i}", "d", t, 0, len(t), i)
>>> bm = BM25([mk(0, "فر مقاتلو التنظيم إلى الصحراء"), mk(1, "اجتماع مجلس الأمن في نيويورك")])
>>> [h.chunk.chunk_id for h in bm.search("المقاتلين في الصحراء", 2)]
['c0']
>>> bm = bm.changed([mk(2, "مقاتلو الصحراء")], removed={"c0"})
>>> [h.chunk.chunk_id for h in bm.search("المقاتلين في الصحراء", 2)], len(bm.parts), len(bm.merged().parts)
(['c2'], 2, 1)
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from index.arabic import light_stem, tokens
from index.types import Chunk, Hit

K1, B = 1.2, 0.75

# A few very common function words carry no evidence (Arabic after normalisation, and English).
STOPWORDS = frozenset(
    "في من علي الي عن ان او ثم التي الذي الذين هذا هذه ذلك تلك كان كانت قد لا ما لم لن مع بين عند كل "
    "بعد قبل حتي اذا هو هي هم انه انها وقال قال و the a an of in on at to for and or is are was were be "
    "by with from as that this it its what which who where when how did do does".split()
)


def analyze(text: str) -> list[str]:
    return [light_stem(t) for t in tokens(text) if t not in STOPWORDS and len(t) > 1]


def indexed_text(chunk: Chunk) -> str:
    """What of a chunk is indexed: its text, headed by the article's title except in the first chunk."""
    return chunk.title + "\n" + chunk.text if chunk.position else chunk.text


@dataclass(frozen=True, eq=False)
class Segment:
    """Term counts of a batch of chunks: `tf` is a term × chunk CSR matrix (rows named by `terms`, columns
    by `ids`), `lengths` the analysed length of each chunk. `name` is unique: it names the segment's file."""

    name: str
    terms: tuple[str, ...]
    ids: tuple[str, ...]
    tf: Any  # scipy.sparse.csr_matrix, float32
    lengths: np.ndarray  # float32, one per chunk

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> Segment:
        """Analyse `chunks` (the costly part of BM25: everything else is arithmetic)."""
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        freqs: list[int] = []
        lengths: list[int] = []
        for j, chunk in enumerate(chunks):
            counts = Counter(analyze(indexed_text(chunk)))
            lengths.append(sum(counts.values()))
            for term, count in counts.items():
                rows.append(vocab.setdefault(term, len(vocab)))
                cols.append(j)
                freqs.append(count)
        return cls.of(list(vocab), [c.chunk_id for c in chunks], np.asarray(rows, dtype=np.int64),
                      np.asarray(cols, dtype=np.int64), np.asarray(freqs, dtype=np.float32),
                      np.asarray(lengths, dtype=np.float32))

    @classmethod
    def of(cls, terms: Sequence[str], ids: Sequence[str], rows: np.ndarray, cols: np.ndarray, freqs: np.ndarray,
           lengths: np.ndarray, name: str = "") -> Segment:
        from scipy.sparse import csr_matrix

        tf = csr_matrix((freqs, (rows, cols)), shape=(len(terms), len(ids)), dtype=np.float32)
        tf.sum_duplicates()
        return cls(name or uuid.uuid4().hex, tuple(terms), tuple(ids), tf, lengths)

    @cached_property
    def vocab(self) -> dict[str, int]:
        return {t: n for n, t in enumerate(self.terms)}

    @cached_property
    def column(self) -> dict[str, int]:
        return {c: n for n, c in enumerate(self.ids)}

    @cached_property
    def df(self) -> np.ndarray:
        """Per term, how many of the segment's chunks hold it."""
        return np.diff(self.tf.indptr).astype(np.int64)

    def df_of(self, columns: np.ndarray) -> np.ndarray:
        """Per term, how many of the chunks at `columns` hold it."""
        if not len(columns):
            return np.zeros(len(self.terms), dtype=np.int64)
        return np.asarray(self.tf[:, columns].getnnz(axis=1), dtype=np.int64)

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, counts) of the chunks holding `term`."""
        row = self.vocab.get(term)
        if row is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        lo, hi = self.tf.indptr[row], self.tf.indptr[row + 1]
        return self.tf.indices[lo:hi], self.tf.data[lo:hi]


@dataclass(frozen=True)
class Part:
    """A segment and the ids of its chunks that are gone (removed, or replaced by a later part)."""

    segment: Segment
    dead: frozenset[str] = frozenset()


class BM25:
    """BM25 over `parts`; `chunks` are the live chunks, in part order. Never changed: `changed` and
    `merged` return new ones, so a thread holding this one goes on with a consistent index."""

    def __init__(self, chunks: Sequence[Chunk] = (), k1: float = K1, b: float = B) -> None:
        self._setup([Part(Segment.build(chunks))], {c.chunk_id: c for c in chunks}, k1, b)

    @classmethod
    def of(cls, parts: Sequence[Part], chunks: Mapping[str, Chunk], k1: float = K1, b: float = B) -> BM25:
        """BM25 over `parts`; `chunks` must hold every live chunk (other entries are ignored)."""
        bm25 = cls.__new__(cls)
        bm25._setup(parts, chunks, k1, b)
        return bm25

    def _setup(self, parts: Sequence[Part], chunks: Mapping[str, Chunk], k1: float, b: float) -> None:
        self.parts, self.k1, self.b = tuple(parts), k1, b
        self._offsets = np.cumsum([0] + [len(p.segment.ids) for p in self.parts])
        self._live = np.ones(int(self._offsets[-1]), dtype=bool)
        self._df: list[np.ndarray] = []
        total = 0.0
        for part, offset in zip(self.parts, self._offsets):
            seg = part.segment
            dead = np.asarray(sorted(seg.column[i] for i in part.dead if i in seg.column), dtype=np.int64)
            self._live[offset + dead] = False
            self._df.append(seg.df - seg.df_of(dead))
            total += float(seg.lengths.sum()) - float(seg.lengths[dead].sum())
        self._ids = [i for p in self.parts for i in p.segment.ids]
        self.chunks = [chunks[i] for i, live in zip(self._ids, self._live) if live]
        self.n = len(self.chunks)
        self._avgdl = (total / max(self.n, 1)) or 1.0

    @property
    def live_ids(self) -> set[str]:
        return {i for i, live in zip(self._ids, self._live) if live}

    def df(self, term: str) -> int:
        """How many live chunks hold `term` (0: the archive does not know it)."""
        return sum(int(df[p.segment.vocab[term]]) for p, df in zip(self.parts, self._df) if term in p.segment.vocab)

    def _all_scores(self, query: str | Sequence[str]) -> np.ndarray:
        """BM25 of `query` (a text, or terms already analysed) for every column of every part (0 for removed
        chunks)."""
        scores = np.zeros(len(self._ids), dtype=np.float64)
        for term, times in Counter(analyze(query) if isinstance(query, str) else query).items():
            df = self.df(term)
            if not df:
                continue
            for part, offset in zip(self.parts, self._offsets):
                cols, tf = part.segment.postings(term)
                scores[offset + cols] += times * self._weight(df, tf, part.segment.lengths[cols])
        scores[~self._live] = 0.0
        return scores

    def scores(self, query: str) -> dict[str, float]:
        """The positive BM25 scores of `query`, by chunk id."""
        scores = self._all_scores(query)
        return {self._ids[j]: float(scores[j]) for j in np.flatnonzero(scores > 0)}

    def vocabulary(self) -> set[str]:
        """Every term indexed (in any part, removed chunks' terms included)."""
        return {t for p in self.parts for t in p.segment.terms}

    def search(self, query: str | Sequence[str], top_k: int, allowed: set[str] | None = None) -> list[Hit]:
        """The best `top_k` chunks for `query`: a text, or terms already analysed (`analyze`)."""
        return self._ranked(self._all_scores(query), top_k, allowed)

    def search_groups(self, groups: Sequence[Sequence[str]], top_k: int) -> list[Hit]:
        """The best `top_k` chunks for a structured query: each group the analysed terms that stand for one word
        (its translations), scored as one term whose count in a chunk is the sum of theirs and whose document
        frequency is the chunks holding any of them (Pirkola 1998). A word with twelve Arabic forms weighs as one
        word, not as twelve. A group given twice counts twice (the caller removes repeats)."""
        scores = np.zeros(len(self._ids), dtype=np.float64)
        lengths = np.concatenate([p.segment.lengths for p in self.parts]) if self.parts else np.zeros(0)
        for group in groups:
            tf = np.zeros(len(self._ids), dtype=np.float64)
            for term in dict.fromkeys(group):
                for part, offset in zip(self.parts, self._offsets):
                    cols, counts = part.segment.postings(term)
                    tf[offset + cols] += counts
            held = (tf > 0) & self._live
            df = int(held.sum())
            if df:
                scores[held] += self._weight(df, tf[held], lengths[held])
        return self._ranked(scores, top_k)

    def _weight(self, df: int, tf: np.ndarray, dl: np.ndarray) -> np.ndarray:
        """BM25 of a term held by `df` live chunks, for chunks where it occurs `tf` times in `dl` terms."""
        idf = np.log(1 + (max(self.n, 1) - df + 0.5) / (df + 0.5))
        return idf * tf * (self.k1 + 1) / (tf + self.k1 * (1 - self.b + self.b * dl / self._avgdl))

    def _ranked(self, scores: np.ndarray, top_k: int, allowed: set[str] | None = None) -> list[Hit]:
        order = np.argsort(-scores, kind="stable")
        by_id = self._by_id
        hits: list[Hit] = []
        for j in order:
            if scores[j] <= 0 or len(hits) >= top_k:
                break
            if allowed is None or self._ids[j] in allowed:
                hits.append(Hit(by_id[self._ids[j]], float(scores[j])))
        return hits

    @cached_property
    def _by_id(self) -> dict[str, Chunk]:
        return {c.chunk_id: c for c in self.chunks}

    def changed(self, added: Sequence[Chunk], removed: Iterable[str] = ()) -> BM25:
        """This index with `removed` (chunk ids) gone and `added` analysed into a new segment. An added id
        that is already live replaces the chunk there."""
        gone = set(removed) | {c.chunk_id for c in added}
        parts = [Part(p.segment, p.dead | frozenset(i for i in gone if i in p.segment.column)) for p in self.parts]
        if added:
            parts.append(Part(Segment.build(added)))
        chunks = {**self._by_id, **{c.chunk_id: c for c in added}}
        return BM25.of(parts, chunks, self.k1, self.b)

    def merged(self, small_only: bool = False) -> BM25:
        """The live chunks in one segment, from the parts' counts (nothing is analysed again); with
        `small_only`, the largest part stays as it is (tombstones too) and only the others are merged."""
        parts = list(zip(self.parts, self._offsets))
        keep: list[Part] = []
        if small_only and len(parts) > 1:
            biggest = max(range(len(parts)), key=lambda n: len(parts[n][0].segment.ids))
            keep = [parts.pop(biggest)[0]]
        live = [(p.segment, self._live[offset : offset + len(p.segment.ids)]) for p, offset in parts]
        return BM25.of([*keep, Part(_merge(live))], self._by_id, self.k1, self.b)

    def fragmentation(self) -> float:
        """The share of columns outside the largest part's live chunks (small segments plus tombstones)."""
        if len(self._ids) == 0:
            return 0.0
        biggest = max(len(p.segment.ids) - len(p.dead) for p in self.parts)
        return 1.0 - biggest / len(self._ids)


def _merge(segments: list[tuple[Segment, np.ndarray]]) -> Segment:
    """One segment of the columns each mask keeps, terms renumbered (those left in no kept column dropped)."""
    vocab: dict[str, int] = {}
    rows, cols, freqs, lengths = [], [], [], []
    ids: list[str] = []
    for seg, live in segments:
        new_col = np.full(len(seg.ids), -1, dtype=np.int64)
        new_col[live] = np.arange(len(ids), len(ids) + int(live.sum()))
        ids.extend(i for i, keep in zip(seg.ids, live) if keep)
        lengths.append(seg.lengths[live])
        term_rows = np.repeat(np.arange(len(seg.terms)), np.diff(seg.tf.indptr))
        kept = new_col[seg.tf.indices] >= 0
        used = np.unique(term_rows[kept])
        remap = np.full(len(seg.terms), -1, dtype=np.int64)
        remap[used] = [vocab.setdefault(seg.terms[t], len(vocab)) for t in used]
        rows.append(remap[term_rows[kept]])
        cols.append(new_col[seg.tf.indices[kept]])
        freqs.append(seg.tf.data[kept])
    return Segment.of(list(vocab), ids, _cat(rows, np.int64), _cat(cols, np.int64), _cat(freqs, np.float32),
                      _cat(lengths, np.float32))


def _cat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays).astype(dtype) if arrays else np.zeros(0, dtype=dtype)
