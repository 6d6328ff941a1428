"""The question, once: checked, its language, the text retrieval searches with, and its vector.

`answer()` (and `search`) build one frozen `Query` per request and hand it to the retriever and the
generator, so the question is embedded once, upstream (as haystack's retrievers take a `query_embedding`).

    text          the question as asked (what the answer is scored and written against)
    language      'en' or 'ar', by the script of most of its letters
    search_text   the text retrieval uses: the question, or a follow-up rewritten with the conversation
    vector        the query-side embedding of `search_text`
    text_vector   the query-side embedding of `text` (the same array when nothing was rewritten)

>>> question_language("Where did ISIS go?"), question_language("أين ذهب داعش؟"), question_language("؟؟")
('en', 'ar', 'en')
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from index.arabic import language_of
from index.embedding import Embedder
from index.errors import InputError
from rag.follow_up import is_follow_up
from rag.types import Language, Turn

MAX_QUESTION_CHARS = 4000  # longer input is refused by the CLI, the API and the UI alike


@dataclass(frozen=True, eq=False)
class Query:
    text: str
    language: Language
    search_text: str
    vector: np.ndarray
    text_vector: np.ndarray


class Condenser(Protocol):
    """(follow-up, conversation) → the standalone text to search with."""

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...


def check_question(text: str) -> str:
    """The question, or `InputError` saying why it cannot be one (the rule the CLI, API and UI share)."""
    if not text.strip():
        raise InputError("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is too long ({len(text)} characters; at most {MAX_QUESTION_CHARS})")
    if not any(ch.isalpha() and unicodedata.category(ch) != "Lm" for ch in text):  # Lm: tatweel, not a letter
        raise InputError("the question has no words: ask a question in English or Arabic")
    return text


def history_problem(history: Sequence[Turn], *, max_turns: int, max_chars: int) -> str:
    """Why the conversation sent with a question is too long to use (its turns or characters), else ""."""
    chars = sum(len(t.content) for t in history)
    if len(history) > max_turns:
        size = f"{len(history):,} turns (at most {max_turns:,})"
    elif chars > max_chars:
        size = f"{chars:,} characters (at most {max_chars:,})"
    else:
        return ""
    return f"the conversation is too long: {size}; send only the most recent turns"


def recent_history(newest_first: Iterable[Turn], *, max_turns: int, max_chars: int) -> list[Turn]:
    """The most recent turns within both limits, oldest first: what a chat keeps of a long conversation.
    Turns are taken newest first and only until the limits are reached, so older ones are never looked at."""
    kept: list[Turn] = []
    chars = 0
    for turn in newest_first:
        chars += len(turn.content)
        if len(kept) == max_turns or chars > max_chars:
            break
        kept.append(turn)
    return kept[::-1]


def question_language(text: str) -> Language:
    """'ar' when Arabic letters are at least as many as Latin ones (mixed questions lean Arabic), else 'en'."""
    return "ar" if language_of(text, mixed=False) == "ar" else "en"


def build_query(question: str, embedder: Embedder, *, history: Sequence[Turn] = (),
                condenser: Condenser | None = None) -> Query:
    """One `Query` for `question`: rewritten if it is a follow-up, embedded once (twice if rewritten)."""
    search_text = (condenser.condense(question, history) if condenser and history
                   else retrieval_query(question, history))
    texts = [search_text] if search_text == question else [search_text, question]
    vectors = embedder.embed(texts, kind="query")
    return Query(text=question, language=question_language(question), search_text=search_text,
                 vector=vectors[0], text_vector=vectors[-1])


def retrieval_query(question: str, history: Sequence[Turn]) -> str:
    """A follow-up ("and what did he announce?") is searched together with the previous question; a new
    question, however short, alone (`rag.follow_up.is_follow_up`)."""
    previous = next((t.content for t in reversed(history) if t.role == "user"), "")
    if previous and is_follow_up(question):
        return f"{previous} {question}"
    return question


class HeuristicCondenser:
    """The offline condenser: `retrieval_query`."""

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        return retrieval_query(question, history)
