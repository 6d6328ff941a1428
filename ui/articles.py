"""The whole article behind a cited passage, for "show the whole article" in a source card.

The store keeps each article's chunks; this puts an article back together from them in order, each chunk's
overlap with the one before dropped (chunks overlap by `RAG_CHUNK_OVERLAP` tokens). It reads the chunk list the
lexical index already holds in memory, so it costs no store query. Left out: articles longer than
`MAX_ARTICLE_CHARS` (a card would grow too heavy; the passage is still shown) and the original's layout (this is
the cleaned text that was chunked, paragraphs kept).
"""

from __future__ import annotations

from collections.abc import Iterable

from index.types import Chunk
from rag.kb import KnowledgeBase

MAX_ARTICLE_CHARS = 20_000
MAX_OVERLAP_CHARS = 4_000


def joined(chunks: Iterable[Chunk]) -> str:
    """The chunks' text in order, each one's overlap with the text so far left out."""
    text = ""
    for chunk in sorted(chunks, key=lambda c: c.position):
        piece = chunk.text
        overlap = _overlap(text, piece)
        text += piece[overlap:] if overlap else ("\n\n" if text else "") + piece
    return text


def _overlap(text: str, piece: str) -> int:
    """The length of the longest end of `text` that `piece` starts with (0 if none, or under 12 characters)."""
    head = piece[:12]
    at = text.find(head, max(0, len(text) - MAX_OVERLAP_CHARS)) if len(head) == 12 else -1
    while at >= 0:
        if piece.startswith(text[at:]):
            return len(text) - at
        at = text.find(head, at + 1)
    return 0


def articles_for(kb: KnowledgeBase, doc_ids: Iterable[str]) -> dict[str, str]:
    """{doc_id: article text} for those of `doc_ids` short enough to show whole."""
    wanted = set(doc_ids)
    if not wanted:
        return {}
    found: dict[str, list[Chunk]] = {}
    for chunk in kb.lexical.get().chunks:
        if chunk.doc_id in wanted:
            found.setdefault(chunk.doc_id, []).append(chunk)
    texts = {doc_id: joined(chunks) for doc_id, chunks in found.items()}
    return {doc_id: text for doc_id, text in texts.items() if len(text) <= MAX_ARTICLE_CHARS}
