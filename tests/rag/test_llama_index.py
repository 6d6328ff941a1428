"""Our retrieval inside a llama-index query engine, answered by a scripted llama-index LLM."""

from typing import Any

from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
from llama_index.core.llms.callbacks import llm_completion_callback
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import QueryBundle

from rag.llama_index import ArchiveRetriever
from rag.retrieval import Filters
from tests.conftest import ARTICLES
from tests.rag.conftest import make_kb

QUESTION = "أين تقع قاعة واغادوغو في سرت؟"


class ScriptedLLM(CustomLLM):
    """Answers every prompt with a fixed text and keeps the prompts it was sent."""

    reply: str = "قاعة واغادوغو في سرت."
    prompts: list[str] = []

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="scripted")

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        self.prompts.append(prompt)
        return CompletionResponse(text=self.reply)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        yield self.complete(prompt)


def test_retriever_returns_nodes_with_our_metadata_and_offsets_into_the_article(tmp_path):
    kb = make_kb(tmp_path)
    nodes = ArchiveRetriever(kb, mode="hybrid", top_k=3).retrieve(QueryBundle(QUESTION))
    assert len(nodes) == 3
    assert [n.score for n in nodes] == [h.score for h in kb.search(QUESTION, top_k=3, mode="hybrid")]
    for n in nodes:
        meta = n.node.metadata
        original = (ARTICLES / f"{meta['doc_id']}.txt").read_text(encoding="utf-8")
        assert set(meta) == {"doc_id", "title", "date", "source", "url", "language", "start", "end"}
        assert n.node.node_id.startswith(meta["doc_id"])
        assert " ".join(original[meta["start"]: meta["end"]].split())[:40] in " ".join(n.node.get_content().split())


def test_filters_reach_through_the_llama_index_face(tmp_path):
    only = Filters(doc_ids=("004_9711346d17d328a9",))
    nodes = ArchiveRetriever(make_kb(tmp_path), filters=only).retrieve(QUESTION)
    assert nodes and {n.node.metadata["doc_id"] for n in nodes} == {"004_9711346d17d328a9"}


def test_a_llama_index_query_engine_answers_from_our_passages(tmp_path):
    llm = ScriptedLLM(prompts=[])
    engine = RetrieverQueryEngine.from_args(ArchiveRetriever(make_kb(tmp_path), top_k=2), llm=llm)
    response = engine.query(QUESTION)
    assert str(response) == llm.reply
    assert len(response.source_nodes) == 2
    assert "واغادوغو" in llm.prompts[0]  # the prompt carried the retrieved passage
    assert all(n.node.get_content() in llm.prompts[0] for n in response.source_nodes)
