"""Asking from the page: what the chat shows while a question is answered, and the scriptable `/ask` endpoint.

`respond` yields the page's state at every step: the question with "searching N articles…" under it at once,
the answer as it grows (a checked sentence at a time with the local model, its draft muted), then the answer with
linked [n] markers and the sources panel. The conversation is sent along for follow-ups; `rag.follow_up`
decides whether a question leans on it, so a new question is answered as if asked alone.

`ask_json` is the same answer for `gradio_client` (`/ask`): named parameters, the JSON of `POST /api/ask`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from index.errors import RagError
from rag.kb import KnowledgeBase
from rag.query import check_question, question_language, recent_history
from rag.retrieval import Filters
from rag.types import Answer, Turn
from ui import render
from ui.articles import articles_for

PLEASE_ASK = "Please type a question. / اكتب سؤالًا من فضلك."
RECENT_PANELS = 10  # answers whose sources stay reachable from their [n] markers


@dataclass
class Step:
    """What the page shows after one step: the chat, the sources panel, and the answers so far."""

    chat: list[dict[str, Any]]
    panel: str
    answered: list[tuple[int, Answer]]


def history_turns(chat: list[dict[str, Any]], *, max_turns: int, max_chars: int) -> list[Turn]:
    """The chat (role/content dicts, our HTML) as plain turns (answers without their [n] markers), only the most
    recent within the limits."""
    def newest_first() -> Iterator[Turn]:
        for m in reversed(chat):
            role, content = m.get("role"), m.get("content")
            if role in ("user", "assistant") and isinstance(content, str):
                text = re.sub(r"<[^>]+>", " ", re.sub(r'<span class="rag-marks">.*?</span>', " ", content))
                yield Turn(role=role, content=" ".join(_unescape(text).split()))

    return recent_history(newest_first(), max_turns=max_turns, max_chars=max_chars)


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


def filters_of(date_from: str, date_to: str, sources: list[str] | None) -> Filters:
    return Filters(date_from=(date_from or "").strip(), date_to=(date_to or "").strip(), sources=tuple(sources or ()))


def searching(kb: KnowledgeBase, filters: Filters, language: str) -> str:
    n = len(kb.docs())
    narrowed = bool(filters)
    if language == "ar":
        return f"جارٍ البحث في {n} مقالًا{' (مع المرشحات)' if narrowed else ''}…"
    return f"Searching {n:,} article{'s' if n != 1 else ''}{' (filtered)' if narrowed else ''}…"


def respond(kb: KnowledgeBase, message: str, chat: list[dict[str, Any]], answered: list[tuple[int, Answer]],
            top_k: float, date_from: str, date_to: str, sources: list[str] | None) -> Iterator[Step]:
    """The page after each step of answering `message` (see the module docstring)."""
    answered = list(answered or [])[-RECENT_PANELS:]
    panel = render.panel_html(answered)
    s = kb.settings
    history = history_turns(chat, max_turns=s.max_history_turns, max_chars=s.max_history_chars)
    turn = (answered[-1][0] + 1) if answered else 1
    chat = [*chat, {"role": "user", "content": render.question_html(message or " ")}]
    try:
        check_question(message)
        filters = filters_of(date_from, date_to, sources)
        language = question_language(message)
        yield Step([*chat, _assistant(render.status_html(searching(kb, filters, language)))], panel, answered)
        text = ""
        for event in kb.ask_stream(message, history=history, top_k=int(top_k), filters=filters):
            if isinstance(event, Answer):
                answered = [*answered, (turn, event)][-RECENT_PANELS:]
                articles = articles_for(kb, [c.doc_id for c in event.citations])
                yield Step([*chat, _assistant(render.answer_html(event, turn))],
                           render.panel_html(answered, articles), answered)
            elif event[0] == "text":
                text += event[1]
                yield Step([*chat, _assistant(render.growing_html(text, language))], panel, answered)
            else:
                yield Step([*chat, _assistant(render.growing_html(text, language, draft=event[1]))], panel, answered)
    except RagError as exc:
        reply = PLEASE_ASK if not (message or "").strip() else f"Error: {exc}"
        yield Step([*chat, _assistant(render.error_html(reply))], panel, answered)


def _assistant(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def ask_json(kb: KnowledgeBase, question: str, top_k: int, date_from: str, date_to: str, sources: list[str],
             history: list[dict[str, str]]) -> dict[str, Any]:
    """The answer and its citations as `POST /api/ask` returns them; a bad question raises `RagError`."""
    turns = [Turn(role=t["role"], content=t["content"]) for t in history or []  # type: ignore[arg-type]
             if t.get("role") in ("user", "assistant") and isinstance(t.get("content"), str)]
    s = kb.settings
    turns = recent_history(reversed(turns), max_turns=s.max_history_turns, max_chars=s.max_history_chars)
    result = kb.ask(check_question(question), history=turns, top_k=max(1, min(int(top_k), 50)),
                    filters=filters_of(date_from, date_to, sources))
    return result.model_dump()
