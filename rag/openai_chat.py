"""`POST /v1/chat/completions`: the OpenAI chat API over `KnowledgeBase.ask`, plain and streamed.

The reply's content is the answer followed by its numbered sources; citations ride in a top-level `citations`
field (and in the last streamed chunk). `usage` counts tokens with the embedder's tokenizer (the one the
archive is chunked with; a local model's own tokenizer would count a little differently). `max_tokens` (or
`max_completion_tokens`) cuts the content at that many tokens with `finish_reason: "length"`, and the
citations are then those whose markers are still in it. `stream_options.include_usage` adds the final chunk
with `usage` and no choices, as OpenAI does.

Left out: sampling parameters (`temperature`, `n`, tools…) are accepted and ignored: the answer is chosen
from the archive, not sampled.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, Literal

from pydantic import BaseModel, Field

from index.errors import RagError
from rag.copies import also_line
from rag.types import Answer, Citation, Turn

MODEL_ID = "arabic-news-rag"
Counter = Callable[[str], int]


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = ""

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatRequest(BaseModel):
    model: str = MODEL_ID
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)

    def limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    def turns(self) -> list[Turn]:
        return [Turn(role=m.role, content=m.text()) for m in self.messages if m.role in ("user", "assistant")]

    def prompt_text(self) -> str:
        return "\n".join(m.text() for m in self.messages)


def sources_text(result: Answer) -> str:
    """The numbered sources after the answer; a citation whose line in the answer is a phrase (an English gloss
    or the local model's phrase) quotes its Arabic sentence under it, since the answer's text does not hold it."""
    if not result.citations:
        return ""
    lines = [f"[{c.n}] {c.title} ({', '.join(x for x in (c.source, c.date[:10], c.doc_id) if x)})"
             + (f" ({also})" if (also := also_line(c, result.language)) else "")
             + (f"\n    «{c.quote}»" if c.phrase else "") for c in result.citations]
    return "\n\nSources:\n" + "\n".join(lines)


def cut(text: str, limit: int, count: Counter) -> str:
    """The longest prefix of `text`, ending at a word, of at most `limit` tokens (binary search on words)."""
    if count(text) <= limit:
        return text
    words = text.split(" ")
    lo, hi = 0, len(words)  # words[:lo] fits; words[:hi] does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if count(" ".join(words[:mid])) <= limit else (lo, mid)
    return " ".join(words[:lo])


def usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def cited(citations: list[Citation], content: str) -> list[dict[str, Any]]:
    return [c.model_dump() for c in citations if f"[{c.n}]" in content]


def completion(req: ChatRequest, result: Answer, count: Counter) -> dict[str, Any]:
    """The whole reply at once."""
    content, finish = result.answer + sources_text(result), "stop"
    limit = req.limit()
    if limit is not None and count(content) > limit:
        content, finish = cut(content, limit, count), "length"
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": MODEL_ID, "choices": [{"index": 0, "finish_reason": finish,
                                            "message": {"role": "assistant", "content": content}}],
            "usage": usage(count(req.prompt_text()), count(content)),
            "citations": cited(result.citations, content), "abstained": result.abstained,
            "language": result.language}


def stream(req: ChatRequest, events: Iterator[tuple[str, str] | Answer], count: Counter) -> Iterator[str]:
    """OpenAI-style chunks: the answer as each checked sentence is ready, then its sources and citations.

    Content deltas carry checked text only, so a client that appends them ends up with exactly the checked
    answer. The sentence the local model is still writing rides along token by token in a `draft` field
    beside an empty delta (the whole sentence so far, for a live preview; standard clients ignore it).
    """
    cid, created, limit = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time()), req.limit()
    with_usage = bool(req.stream_options and req.stream_options.include_usage)
    sent = ""

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, **extra: Any) -> str:
        choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID,
                "choices": choices, **({"usage": None} if with_usage else {}), **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    def content(piece: str) -> tuple[str, bool]:
        """The part of `piece` that fits under the limit, and whether the limit was reached."""
        nonlocal sent
        if limit is not None and count(sent + piece) > limit:
            piece = cut(sent + piece, limit, count)[len(sent):]
            sent += piece
            return piece, True
        sent += piece
        return piece, False

    yield chunk({"role": "assistant", "content": ""})
    full = False  # the limit was reached: the rest is read (for the citations) but not sent
    try:
        for event in events:
            if isinstance(event, Answer):
                if not full:
                    piece, full = content(sources_text(event))
                    yield from [chunk({"content": piece})] if piece else []
                yield chunk({}, "length" if full else "stop", citations=cited(event.citations, sent))
            elif event[0] == "text" and not full:
                piece, full = content(event[1])
                yield from [chunk({"content": piece})] if piece else []
            elif event[0] == "draft" and not full:
                yield chunk({}, draft=event[1])
    except RagError as exc:
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'server_error'}})}\n\n"
    if with_usage:
        yield chunk(None, usage=usage(count(req.prompt_text()), count(sent)))
    yield "data: [DONE]\n\n"
