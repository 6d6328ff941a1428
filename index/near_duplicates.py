"""Near-duplicate articles: MinHash signatures over word shingles, found through LSH banding.

Two copies of one story (a wire report run by two outlets, a repost with a word corrected) should be stored and
cited once, the other copies named beside it ("also reported by …"). A document's text is normalised as for
matching (`index.arabic.tokens`: diacritics, tatweel, alef/yaa/taa-marbuta, digits, case), cut into
overlapping word 5-grams, and summarised by 128 MinHash values (numpy, one universal hash per value: no
dependency). The share of equal values between two signatures estimates the Jaccard similarity of their
shingle sets (±0.035 at 0.8); at least the threshold (`RAG_NEAR_DUPLICATE_THRESHOLD`, 0.8) is a near-duplicate.
For a 5-gram, one changed word costs five shingles: one word changed in a 100-word article leaves ~0.9.

`LshIndex` finds candidates without comparing against every stored signature: 32 bands of 4 values, and a
signature is a candidate when one band is equal. A pair at Jaccard 0.8 shares a band with probability > 0.999,
at 0.6 0.99, at 0.5 0.87, unrelated articles (~0.05) almost never; every candidate is verified on the whole
signature. Signatures are stored with the index as text (`encode`, tagged with the scheme, so a change of
scheme reads as "no signature" rather than as wrong values).

Leaves out: rewritten copies (a translation or a retelling of the same facts shares few 5-grams; the embedding
search finds those), containment (a short brief quoted inside a long article has a low Jaccard), the title
(outlets retitle the same wire), and texts with no words (no signature: never folded).

>>> a = signature("the council met on monday in tripoli and agreed to hold the vote in march after the talks")
>>> b = signature("the council met on tuesday in tripoli and agreed to hold the vote in march after the talks")
>>> c = signature("rain and strong winds are expected across the north of the country for the whole weekend")
>>> similarity(a, b) > 0.4 > similarity(a, c), similarity(a, decode(encode(a)))
(True, 1.0)
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable

import numpy as np

from index.arabic import tokens

SHINGLE_WORDS = 5
PERMUTATIONS = 128
BANDS, ROWS = 32, 4  # BANDS * ROWS == PERMUTATIONS
SCHEME = f"mh1-w{SHINGLE_WORDS}-p{PERMUTATIONS}"  # stored with each signature: changing any of these changes it
# The hash family: multiply-shift, h(x) = (a·x + b mod 2**64) >> 32 with a odd, one (a, b) per value, fixed by
# its seed (signatures must agree across processes and runs). (A linear hash mod a prime with small a orders
# the shingles almost alike for every value: the estimate then scatters several times wider than it should.)
_A, _B = np.random.default_rng(20240614).integers(0, 2**64 - 1, (2, PERMUTATIONS), dtype=np.uint64, endpoint=True)
_A = _A | np.uint64(1)  # odd multipliers
_BLOCK = 4096  # shingles hashed at a time (bounds memory for very long articles)


def shingles(text: str, words: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct 64-bit hashes of the text's word `words`-grams (the whole text when shorter)."""
    toks = tokens(text)
    if not toks:
        return np.zeros(0, dtype=np.uint64)
    hashed = np.fromiter((zlib.crc32(t.encode()) for t in toks), dtype=np.uint64, count=len(toks))
    width = min(words, len(hashed))
    acc = np.zeros(len(hashed) - width + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):  # a rolling polynomial hash: wrapping at 2**64 is intended
        for j in range(width):
            acc = acc * np.uint64(1_000_003) + hashed[j : len(acc) + j]
    return np.unique(acc)


def signature(text: str) -> np.ndarray | None:
    """The MinHash signature (128 uint32) of the text's shingles; None when it has no words."""
    hashes = shingles(text)
    if not len(hashes):
        return None
    out = np.full(PERMUTATIONS, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):  # mod 2**64 is the hash
        for i in range(0, len(hashes), _BLOCK):
            out = np.minimum(out, ((_A * hashes[i : i + _BLOCK, None] + _B) >> np.uint64(32)).min(axis=0))
    return out.astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The estimated Jaccard similarity of the two signatures' shingle sets."""
    return float(np.count_nonzero(a == b)) / PERMUTATIONS


def encode(sig: np.ndarray) -> str:
    """A signature as text, to store beside a document."""
    return f"{SCHEME}:{base64.b64encode(sig.astype('<u4').tobytes()).decode()}"


def decode(text: str) -> np.ndarray | None:
    """A stored signature; None when there is none, or it was made by another scheme."""
    scheme, sep, data = text.partition(":")
    if not sep or scheme != SCHEME:
        return None
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError:
        return None
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32) if len(raw) == 4 * PERMUTATIONS else None


class LshIndex:
    """Signatures by key, banded for lookup: `match` finds the most similar one at or above `threshold`.

    A threshold of 0 (or less) finds nothing: near-duplicate folding is off."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        self._sigs: dict[str, np.ndarray] = {}
        self._buckets: dict[tuple[int, bytes], dict[str, None]] = {}  # insertion-ordered sets

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: object) -> bool:
        return key in self._sigs

    def add(self, key: str, sig: np.ndarray) -> None:
        self.discard(key)
        self._sigs[key] = sig
        for band in _bands(sig):
            self._buckets.setdefault(band, {})[key] = None

    def discard(self, key: str) -> None:
        sig = self._sigs.pop(key, None)
        if sig is None:
            return
        for band in _bands(sig):
            bucket = self._buckets.get(band, {})
            bucket.pop(key, None)
            if not bucket:
                self._buckets.pop(band, None)

    def candidates(self, sig: np.ndarray) -> Iterable[str]:
        """Keys sharing at least one band with `sig`, first added first."""
        found: dict[str, None] = {}
        for band in _bands(sig):
            found.update(self._buckets.get(band, {}))
        return found

    def match(self, sig: np.ndarray) -> tuple[str, float] | None:
        """(key, estimated Jaccard) of the most similar signature at or above the threshold (the earliest
        added of equals), or None."""
        if self.threshold <= 0:
            return None
        best: tuple[str, float] | None = None
        for key in self.candidates(sig):
            sim = similarity(sig, self._sigs[key])
            if sim >= self.threshold and (best is None or sim > best[1]):
                best = (key, sim)
        return best


def _bands(sig: np.ndarray) -> list[tuple[int, bytes]]:
    return [(i, sig[i * ROWS : (i + 1) * ROWS].tobytes()) for i in range(BANDS)]


def fold(signed: Iterable[tuple[str, np.ndarray | None]], threshold: float) -> dict[str, tuple[str, float]]:
    """The rule ingest applies, on its own: in order, a document that near-duplicates one kept earlier is
    folded into it, else it is kept. Returns {copy: (the kept document, estimated Jaccard)}. A copy is matched
    only against kept documents, so every copy is within the threshold of the one it is folded into (groups
    are stars, not chains)."""
    kept, folded = LshIndex(threshold), {}
    for key, sig in signed:
        if sig is None:
            continue
        found = kept.match(sig)
        if found:
            folded[key] = found
        else:
            kept.add(key, sig)
    return folded
