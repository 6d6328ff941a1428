"""`POST /v1/embeddings` and `RemoteEmbedder` against it, with a hash embedder whose sides differ (no model)."""

from collections.abc import Sequence

import numpy as np
import pytest
from fastapi.testclient import TestClient

from index.embedding.remote import RemoteEmbedder
from index.errors import InputError, ModelError
from rag.api import create_app
from rag.kb import KnowledgeBase
from rag.openai_embeddings import MAX_INPUTS
from rag.settings import Settings, load_settings
from tests.fakes import HashEmbedder
from tests.rag.conftest import LiveServer, make_kb

LOCAL = "http://localhost"
TEXTS = ["تنظيم داعش في سرت", "قاعة واغادوغو", "the hall in Sirte"]


class SidedHashEmbedder(HashEmbedder):
    """The hash embedder, with the side mixed in as a word: query and passage vectors of a text differ."""

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        return super().embed([f"{kind}side {t}" for t in texts], kind=kind)


def local(texts: list[str], kind: str) -> np.ndarray:
    return SidedHashEmbedder().embed(texts, kind=kind)


@pytest.fixture
def sided_kb(tmp_path) -> KnowledgeBase:
    kb = make_kb(tmp_path, api_key="k")
    kb._embedder = SidedHashEmbedder()
    return kb


@pytest.fixture
def client(sided_kb) -> TestClient:
    return TestClient(create_app(sided_kb), base_url=LOCAL, headers={"Authorization": "Bearer k"})


def vectors(body: dict) -> np.ndarray:
    return np.array([d["embedding"] for d in body["data"]], dtype=np.float32)


def test_embeddings_have_the_openai_shape(client):
    r = client.post("/v1/embeddings", json={"model": "multilingual-e5-small", "input": TEXTS})
    body = r.json()
    assert r.status_code == 200 and body["object"] == "list" and body["model"] == "multilingual-e5-small"
    assert [(d["object"], d["index"]) for d in body["data"]] == [("embedding", i) for i in range(3)]
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0
    assert np.allclose(vectors(body), local(TEXTS, "passage"), atol=1e-6)


def test_a_single_string_is_one_input(client):
    body = client.post("/v1/embeddings", json={"model": "x", "input": TEXTS[0]}).json()
    assert len(body["data"]) == 1 and body["model"] == "x"


def test_input_type_or_an_e5_prefix_chooses_the_query_side(client):
    by_field = vectors(client.post("/v1/embeddings", json={"input": TEXTS, "input_type": "query"}).json())
    by_prefix = vectors(client.post("/v1/embeddings", json={"input": [f"query: {t}" for t in TEXTS]}).json())
    assert np.allclose(by_field, local(TEXTS, "query"), atol=1e-6)
    assert np.allclose(by_prefix, by_field, atol=1e-6)
    assert not np.allclose(by_field, local(TEXTS, "passage"), atol=1e-3)


def test_mixed_prefixes_keep_input_order(client):
    body = client.post("/v1/embeddings", json={"input": ["query: " + TEXTS[0], "passage: " + TEXTS[1], TEXTS[2]],
                                               "input_type": "query"}).json()
    expected = [local([TEXTS[0]], "query")[0], local([TEXTS[1]], "passage")[0], local([TEXTS[2]], "query")[0]]
    assert np.allclose(vectors(body), np.array(expected), atol=1e-6)


def test_base64_encoding_is_float32_little_endian(client):
    import base64

    body = client.post("/v1/embeddings", json={"input": TEXTS, "encoding_format": "base64"}).json()
    decoded = np.array([np.frombuffer(base64.b64decode(d["embedding"]), "<f4") for d in body["data"]])
    assert np.allclose(decoded, local(TEXTS, "passage"), atol=1e-6)


def test_embeddings_need_the_api_key(sided_kb):
    r = TestClient(create_app(sided_kb), base_url=LOCAL).post("/v1/embeddings", json={"input": "x"})
    assert r.status_code == 401 and r.json()["error"]["message"]


@pytest.mark.parametrize("body, status, words", [
    ({"input": ["x"] * (MAX_INPUTS + 1)}, 413, f"at most {MAX_INPUTS}"),
    ({"input": []}, 400, "at least one"),
    ({"input": [1, 2, 3]}, 400, "token ids"),
    ({"input": "x", "input_type": "document"}, 422, "input_type"),
    ({"input": "x", "encoding_format": "int8"}, 422, "encoding_format"),
])
def test_bad_requests_are_one_line_json_errors(client, body, status, words):
    r = client.post("/v1/embeddings", json=body)
    assert r.status_code == status and words in r.json()["error"]["message"]


def test_the_openai_client_gets_our_vectors(sided_kb):
    openai = pytest.importorskip("openai")
    with LiveServer(create_app(sided_kb)) as server:
        c = openai.OpenAI(base_url=f"{server.url}/v1", api_key="k")
        result = c.embeddings.create(model="multilingual-e5-small", input=TEXTS)  # asks for base64 by default
    assert np.allclose(np.array([d.embedding for d in result.data]), local(TEXTS, "passage"), atol=1e-6)


@pytest.mark.parametrize("side", ["field", "e5"])
def test_remote_embedder_returns_the_servers_vectors_on_each_side(sided_kb, side):
    with LiveServer(create_app(sided_kb)) as server:
        remote = RemoteEmbedder(f"{server.url}/v1", api_key="k", side=side, batch_size=2)
        for kind in ("query", "passage"):
            got = remote.embed(TEXTS, kind=kind)  # two batches
            assert np.allclose(got, local(TEXTS, kind), atol=1e-6)
            assert np.allclose(np.linalg.norm(got, axis=1), 1.0)


def test_remote_embedder_reports_a_refused_key_and_a_server_that_is_down(sided_kb):
    with LiveServer(create_app(sided_kb)) as server:
        with pytest.raises(ModelError, match=f"{server.url}/v1 answered 401"):
            RemoteEmbedder(f"{server.url}/v1", api_key="wrong").embed(["x"], kind="query")
    with pytest.raises(ModelError, match=f"{server.url}/v1 cannot be reached"):
        RemoteEmbedder(f"{server.url}/v1").embed(["x"], kind="query")


def test_without_a_local_tokenizer_tokens_are_estimated_from_words(tmp_path):
    remote = RemoteEmbedder("http://127.0.0.1:9/v1", tokenizer=tmp_path)
    assert remote.count_tokens(["one two three four five six seven eight nine ten", ""]) == [17, 0]


def test_rag_embed_url_makes_the_kb_embed_remotely(tmp_path):
    kb = KnowledgeBase(Settings(index_dir=tmp_path / "i", embed_url="http://gpu-box:8000/v1/",
                                embed_model=str(tmp_path), embed_remote_model="e5"))
    assert isinstance(kb.embedder, RemoteEmbedder) and kb.embedder.name == "e5 @ http://gpu-box:8000/v1"


def test_a_malformed_embed_url_fails_at_start_up(monkeypatch):
    monkeypatch.setenv("RAG_EMBED_URL", "gpu-box:8000")
    with pytest.raises(InputError, match="RAG_EMBED_URL"):
        load_settings()
