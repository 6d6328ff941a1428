"""An OpenAI-compatible embeddings server as the `Embedder`: `rag serve` on another box, TEI, vLLM, Infinity…

`RAG_EMBED_URL` selects it (rag/kb.py). Each call posts `{"model", "input": [...]}` to `<url>/embeddings`
in batches and L2-normalises what comes back (not every server does).

e5 embeds queries and passages differently. Two ways to say which side a text is on (`side`):
  field  send `"input_type": "query"|"passage"` — what `rag serve`'s /v1/embeddings reads (default);
  e5     write the e5 prefix into the text (`query: …`, `passage: …`) — for foreign servers serving e5
         without prompts. `rag serve` understands this too (it strips the prefix).

Chunking needs token counts, which no embeddings API gives. `count_tokens` loads only the tokenizer of the
local model (its folder's tokenizer files, a few MB, no weights) through transformers, as sentence-transformers
does (the bare `tokenizers` library counts a trailing space differently): chunks are exactly the ones a local
ingest makes. Without a local tokenizer it estimates words × 1.7 (e5 tokens per word in the seed Arabic
articles: 1.67–1.79); chunks then differ a little from local ones, nothing else.

Left out: retries and parallel requests (one batch at a time, like the local embedder).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import httpx
import numpy as np

from index.embedding import DEFAULT_MODEL, Kind
from index.errors import ModelError

Side = Literal["field", "e5"]
WORDS_TO_TOKENS = 1.7  # the estimate used without a local tokenizer


class RemoteEmbedder:
    def __init__(self, url: str, model: str = DEFAULT_MODEL, *, api_key: str | None = None, side: Side = "field",
                 batch_size: int = 32, tokenizer: Path | None = None, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self.model = model
        self.side = side
        self.batch_size = max(1, batch_size)
        self.tokenizer_path = tokenizer
        self._tokenizer: Any = None
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(headers=headers, timeout=timeout)

    @property
    def name(self) -> str:
        return f"{self.model} @ {self.url}"

    def warm_up(self) -> None:
        """Check that the server answers (one tiny request), so a wrong URL fails at start-up."""
        self.embed(["warm-up"], kind="query")

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        batches = [self._post(list(texts[i:i + self.batch_size]), kind)
                   for i in range(0, len(texts), self.batch_size)]
        if not batches:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.vstack(batches).astype(np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _post(self, texts: list[str], kind: Kind) -> np.ndarray:
        body: dict[str, Any] = {"model": self.model, "encoding_format": "float"}
        if self.side == "e5":
            body["input"] = [f"{kind}: {t}" for t in texts]
        else:
            body["input"], body["input_type"] = texts, kind
        try:
            response = self._client.post(f"{self.url}/embeddings", json=body)
        except httpx.HTTPError as exc:
            raise ModelError(f"embeddings server {self.url} cannot be reached ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise ModelError(f"embeddings server {self.url} answered {response.status_code}: {_message(response)}")
        return _vectors(response.json(), len(texts), self.url)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """e5 tokens per text from the local tokenizer (no special tokens), else the words × 1.7 estimate."""
        if self.tokenizer_path is None or not (self.tokenizer_path / "tokenizer_config.json").exists():
            return [math.ceil(len(t.split()) * WORDS_TO_TOKENS) for t in texts]
        if self._tokenizer is None:
            import transformers

            transformers.logging.set_verbosity_error()  # no "longer than 512" warnings: we only count
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(str(self.tokenizer_path))
        return [len(ids) for ids in self._tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def _message(response: httpx.Response) -> str:
    try:
        error = response.json().get("error")
        return str(error.get("message") if isinstance(error, dict) else error or response.text[:200])
    except ValueError:
        return response.text[:200] or response.reason_phrase


def _vectors(payload: Any, expected: int, url: str) -> np.ndarray:
    """The `data[].embedding` vectors in `index` order (floats or base64 float32)."""
    try:
        items = sorted(payload["data"], key=lambda d: d.get("index", 0))
        rows = [np.frombuffer(base64.b64decode(e), dtype="<f4") if isinstance(e, str) else np.asarray(e, np.float32)
                for e in (d["embedding"] for d in items)]
    except (KeyError, TypeError, AttributeError, ValueError):
        raise ModelError(f"embeddings server {url} sent something that is not an embeddings list") from None
    if len(rows) != expected:
        raise ModelError(f"embeddings server {url} sent {len(rows)} vectors for {expected} texts")
    return np.vstack(rows)


def local_tokenizer(model: str, model_dir: Path) -> Path | None:
    """The folder with the configured local model's tokenizer: the converted e5 (converted once, offline, when
    missing) or a model folder given by path; None when there is none (then tokens are estimated)."""
    if model == DEFAULT_MODEL:
        from index.embedding.e5_convert import ensure_converted

        try:
            return ensure_converted(model_dir)
        except (FileNotFoundError, ImportError):
            return None
    path = Path(model)
    return path if (path / "tokenizer_config.json").exists() else None
