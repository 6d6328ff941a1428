"""Our retrieval as a llama-index `BaseRetriever`, for people who build with llama-index.

    from rag.llama_index import ArchiveRetriever
    engine = RetrieverQueryEngine.from_args(ArchiveRetriever(kb, mode="hybrid"), llm=my_llm)

Each hit becomes a `NodeWithScore` whose `TextNode` carries the chunk id, the passage text and our metadata
(doc_id, title, date, source, url, language, and `start`/`end`: the passage's offsets in the original
article), so a llama-index query engine or agent can cite what we cite. Retrieval goes through
`KnowledgeBase.search` (the same Query, lock and registry as the product's own `answer()`).

What this leaves out: llama-index's own query embedding (`QueryBundle.embedding` is ignored: our e5
query vector is computed from the text), async retrieval beyond llama-index's default thread hop, and
answering: the product's own path stays `rag.pipeline.answer`.
"""

from __future__ import annotations

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeRelationship, NodeWithScore, QueryBundle, RelatedNodeInfo, TextNode

from index.types import Hit
from rag.kb import KnowledgeBase
from rag.retrieval import NO_FILTERS, Filters


class ArchiveRetriever(BaseRetriever):
    """`KnowledgeBase.search` (dense, lexical or hybrid; filters; diversity) behind llama-index's interface."""

    def __init__(self, kb: KnowledgeBase, *, mode: str | None = None, top_k: int = 5,
                 filters: Filters = NO_FILTERS) -> None:
        super().__init__()
        self._kb, self._mode, self._top_k, self._filters = kb, mode, top_k, filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self._kb.search(query_bundle.query_str, top_k=self._top_k, mode=self._mode, filters=self._filters)
        return [node_with_score(h) for h in hits]


def node_with_score(hit: Hit) -> NodeWithScore:
    c = hit.chunk
    metadata = {"doc_id": c.doc_id, "title": c.title, "date": c.date, "source": c.source, "url": c.url,
                "language": c.language, "start": c.start, "end": c.end}
    node = TextNode(id_=c.chunk_id, text=c.text, metadata=metadata,
                    excluded_llm_metadata_keys=["doc_id", "url", "language", "start", "end"],
                    excluded_embed_metadata_keys=list(metadata))
    node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=c.doc_id)
    return NodeWithScore(node=node, score=hit.score)
