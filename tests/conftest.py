"""Shared fixtures. The offline environment is set before anything else is imported."""

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
               "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ[_k] = _v

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from index.chroma import ChromaStore  # noqa: E402
from tests.fakes import HashEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "data" / "articles"
SHARED = ROOT.parent / "shared"
MODEL_CACHE = ROOT / ".rag" / "models"  # the converted e5 model is shared with the product's cache


@pytest.fixture
def store(tmp_path: Path) -> ChromaStore:
    return ChromaStore(path=tmp_path / "chroma", collection="test")


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def e5_embedder():
    from index.embedding.sentence_transformers import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder(cache_dir=MODEL_CACHE)
    emb.warm_up()
    return emb
