"""`POST /v1/embeddings`: our embedder in OpenAI's shape, for Open WebUI, LangChain, llama-index clients and
for another `rag` pointed at it with `RAG_EMBED_URL` (index/embedding/remote.py).

e5 embeds questions and passages differently, which OpenAI's request cannot say. Two ways in:
  - the extension field `"input_type": "query"|"passage"` (default "passage": what clients mostly embed);
  - the e5 convention, a `query: ` or `passage: ` prefix on a text, which is stripped and chooses its side.
A prefix wins over the field, text by text.

`encoding_format` "float" or "base64" (float32 little-endian: what the openai Python client asks for by
default). Any `model` name is accepted and echoed: there is one embedder. Left out: token-id inputs
(LangChain's OpenAIEmbeddings sends them unless `check_embedding_ctx_length=False`) and `dimensions`.
"""

from __future__ import annotations

import base64
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from index.embedding import Embedder, Kind

MAX_INPUTS = 256  # texts per request; the body-size limit (RAG_MAX_BODY_MB) bounds their length
PREFIXES: dict[str, Kind] = {"query: ": "query", "passage: ": "passage"}


class EmbeddingRequest(BaseModel):
    model: str = "multilingual-e5-small"
    input: str | list[str] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    input_type: Literal["query", "passage"] = Field("passage", description="e5 side (an extension of OpenAI's API)")
    user: str | None = None

    def texts(self) -> list[str] | str:
        """The input texts, or a one-line reason they cannot be embedded."""
        texts = [self.input] if isinstance(self.input, str) else self.input
        if not texts:
            return "input: give at least one text"
        if not all(isinstance(t, str) for t in texts):
            return ("input: token ids are not accepted, send text (LangChain: "
                    "OpenAIEmbeddings(check_embedding_ctx_length=False))")
        if len(texts) > MAX_INPUTS:
            return f"input: at most {MAX_INPUTS} texts per request (got {len(texts)})"
        return [str(t) for t in texts]


def side_of(text: str, default: Kind) -> tuple[str, Kind]:
    """The text without an e5 prefix, and its side (the prefix's, else `default`)."""
    for prefix, kind in PREFIXES.items():
        if text.startswith(prefix):
            return text[len(prefix):], kind
    return text, default


def embed_sides(embedder: Embedder, texts: list[str], default: Kind) -> np.ndarray:
    """Vectors in input order, each text embedded on its own side (one `embed` call per side)."""
    sided = [side_of(t, default) for t in texts]
    out: list[np.ndarray | None] = [None] * len(texts)
    kinds: tuple[Kind, ...] = ("query", "passage")
    for kind in kinds:
        rows = [i for i, (_, k) in enumerate(sided) if k == kind]
        if rows:
            vectors = embedder.embed([sided[i][0] for i in rows], kind=kind)
            for i, vector in zip(rows, vectors, strict=True):
                out[i] = vector
    return np.vstack([v for v in out if v is not None])


def embedding_response(model: str, vectors: np.ndarray, tokens: int, encoding: str) -> dict[str, Any]:
    def encode(v: np.ndarray) -> list[float] | str:
        if encoding == "base64":
            return base64.b64encode(v.astype("<f4").tobytes()).decode()
        return [float(x) for x in v]

    return {"object": "list", "model": model,
            "data": [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
