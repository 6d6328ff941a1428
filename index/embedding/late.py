"""An e5-style embedder that runs the transformer itself: mean-pooled text vectors and, from the same forward
pass, one vector per character span (late chunking, see pooling.py).

Why not sentence-transformers' `encode`: it gives no offsets with its token states, and it batches per call,
so ingest paid one pass for the chunks and a second for their sentences. Here `embed_spans` gives a chunk's
vector and its sentences' vectors from one pass; `embed` is the plain e5 vector (equal to sentence-transformers'
for the same model and runtime, up to float noise).

The runtime is a function (input_ids, attention_mask) → last-layer token states, from runtimes.py: torch
fp32, ONNX Runtime fp32 or ONNX Runtime int8. Texts are batched by token length across the whole call
(pooling.buckets). Truncation at the model's 512 tokens as sentence-transformers does; a span past it gets a
zero vector from `embed_spans` (the caller embeds it on its own). Left out: sliding windows over longer texts.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import DEFAULT_MODEL, Kind
from index.embedding.pooling import buckets, mean_pool, span_pool
from index.errors import ModelError

Runner = Callable[[np.ndarray, np.ndarray], np.ndarray]
MAX_LENGTH = 512
PAD_ID = 1  # XLM-R's <pad>


class LateChunkingEmbedder:
    def __init__(self, model: str = DEFAULT_MODEL, *, runtime: str = "onnx-int8", cache_dir: str | Path = ".",
                 batch_size: int = 32, max_batch_tokens: int = 8192) -> None:
        self.model_name = model
        self.runtime = runtime
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self._tokenizer: Any = None
        self._run: Runner | None = None
        self._prompts: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return f"{self.model_name} ({self.runtime})"

    def warm_up(self) -> None:
        if self._run is not None:
            return
        with self._lock:
            if self._run is None:
                self._load()

    def _load(self) -> None:
        from index.embedding.runtimes import load_runner, model_folder

        folder = model_folder(self.model_name, self.cache_dir)
        import transformers

        transformers.logging.set_verbosity_error()
        try:
            self._tokenizer = transformers.AutoTokenizer.from_pretrained(str(folder))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load the tokenizer of {self.model_name!r} ({type(exc).__name__})") from exc
        config = folder / "config_sentence_transformers.json"
        self._prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts", {}) if config.exists() else {}
        self._run = load_runner(self.runtime, folder, self.cache_dir)

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        vectors, _ = self._pass(texts, None, kind)
        return vectors

    def embed_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], *,
                    kind: Kind = "passage") -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's vector and, from the same pass, a vector per character span of it (zeros past truncation)."""
        vectors, pooled = self._pass(texts, spans, kind)
        return vectors, pooled or []

    def _pass(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]] | None,
              kind: Kind) -> tuple[np.ndarray, list[np.ndarray] | None]:
        self.warm_up()
        assert self._run is not None
        prompt = self._prompts.get(kind, "")
        enc = self._tokenizer([prompt + t for t in texts], truncation=True, max_length=MAX_LENGTH,
                              return_offsets_mapping=spans is not None)
        ids = enc["input_ids"]
        vectors: np.ndarray | None = None
        pooled: list[np.ndarray] = [np.zeros((0, 0), np.float32)] * len(texts)
        for batch in buckets([len(x) for x in ids], self.batch_size, self.max_batch_tokens):
            input_ids, mask = _pad([ids[i] for i in batch])
            with self._lock:
                states = self._run(input_ids, mask)
            batch_vectors = mean_pool(states, mask)
            if vectors is None:
                vectors = np.zeros((len(texts), batch_vectors.shape[1]), np.float32)
            vectors[batch] = batch_vectors
            for row, i in enumerate(batch) if spans is not None else ():
                n = len(ids[i])
                shifted = [(s + len(prompt), e + len(prompt)) for s, e in spans[i]]  # type: ignore[index]
                pooled[i] = span_pool(states[row, :n], np.asarray(enc["offset_mapping"][i]), shifted)
        if vectors is None:
            return np.zeros((0, 0), np.float32), [] if spans is not None else None
        return vectors, pooled if spans is not None else None

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text costs the model (without special tokens or prompt), as sentence-transformers counts."""
        self.warm_up()
        return [len(x) for x in self._tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def _pad(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), PAD_ID, np.int64)
    mask = np.zeros((len(rows), width), np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask
