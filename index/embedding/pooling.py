"""Pooling token states into text and span vectors, and length-bucketed batches (numpy only, no model).

e5 embeds a text as the mean of its last-layer token states over the attention mask (special tokens and the
`passage: ` prompt included), L2-normalised: `mean_pool`. Late chunking (Günther et al. 2024, "Late Chunking:
Contextual Chunk Embeddings Using Long-Context Embedding Models") pools the tokens of one character span of
the same pass instead: `span_pool` gives each sentence of a chunk a vector from the chunk's single forward
pass, so sentence vectors cost no second pass. A token belongs to a span when their character ranges overlap
(a token such as `».` straddling two sentences counts in both); special tokens (offset (0, 0)) in none.

`buckets` orders texts by token length across the whole call before batching, so a batch pads to lengths
close to its own, and lets batches of short texts grow to a token budget rather than a fixed count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np


def normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(batch, tokens, dim) states and (batch, tokens) mask → (batch, dim) L2-normalised means."""
    m = mask[..., None].astype(np.float32)
    return normalise((states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0))


def span_pool(states: np.ndarray, offsets: np.ndarray, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """One text's (tokens, dim) states and (tokens, 2) character offsets → a normalised vector per span.

    A span no token overlaps (cut off by truncation) gets a row of zeros, for the caller to embed another way.
    """
    out = np.zeros((len(spans), states.shape[-1]), np.float32)
    real = offsets[:, 1] > offsets[:, 0]
    for i, (start, end) in enumerate(spans):
        inside = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        if inside.any():
            out[i] = states[inside].mean(axis=0)
    return np.where(np.abs(out).sum(axis=1, keepdims=True) > 0, normalise(out), out)


def buckets(lengths: Sequence[int], batch_size: int, max_tokens: int = 0) -> Iterator[list[int]]:
    """Indices of texts in batches, longest first: at most `batch_size` texts, or (with `max_tokens`) as many
    as keep batch × longest length within `max_tokens`, whichever allows more."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batch: list[int] = []
    for i in order:
        longest = lengths[batch[0]] if batch else lengths[i]
        if batch and len(batch) >= batch_size and (len(batch) + 1) * longest > max_tokens:
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch
