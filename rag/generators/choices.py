"""For an English question of a known kind, the local model picks the answer among the quotes' glosses.

The glosses list what each Arabic evidence sentence states of the kind asked ("450 km", "200 km" for "How far
…?"); which of them answers is a reading task. The model is shown the question, the best evidence sentences and
the numbered candidates, and must reply, held to a JSON schema whose only allowed values are the candidates'
numbers and 0 for none, with one number. It cannot invent: whatever it picks is the glosses' rendering of words
the sentence holds, with their offsets. Picking is a smaller task than writing a phrase (`phrases.py`), and one
call covers several sentences.

What it leaves out: questions of no known kind ("What …?", "Why …?"), and answers the glosses cannot render
(common words); those go to the phrase writer as before. Whether the pick is right is not checked beyond the
schema: the eval's phrase F1 measures that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from index.arabic import language_of
from rag.generators import Check, Part
from rag.generators.glosses import GlossWriter, glossed_phrase
from rag.glosses import Item, asked_kinds, gloss
from rag.query import Query

SYSTEM = """You answer an English question by choosing. You get the question, numbered Arabic news sentences, and
numbered candidate answers taken from those sentences. Reply with the number of the candidate that answers the
question, or 0 if none of them does."""


def candidates(query: Query, parts: Sequence[Part], glosses: GlossWriter, *, max_parts: int = 3,
               per_part: int = 4) -> list[tuple[Item, Part]]:
    """The glosses of the best `max_parts` Arabic parts, best evidence first, each English rendering once."""
    ranked = sorted((p for p in parts if language_of(p.text) == "ar"), key=lambda p: -p.evidence[0].score)
    out: dict[str, tuple[Item, Part]] = {}
    near = glosses.near(query.text)
    for part in ranked[:max_parts]:
        for item in gloss(query.text, part.evidence[0].sentence, glosses.romanizer, per_part, near):
            out.setdefault(item.english, (item, part))
    return list(out.values())


def prompt(question: str, found: Sequence[tuple[Item, Part]]) -> list[dict[str, str]]:
    sentences = list(dict.fromkeys(part.evidence[0].sentence for _, part in found))
    lines = [f"Question: {question}", "Sentences:"]
    lines += [f"[{i}] {s}" for i, s in enumerate(sentences, 1)]
    lines.append("Candidates:")
    lines += [f"{n}. {item.english} (sentence {sentences.index(part.evidence[0].sentence) + 1}: "
              f"«{part.evidence[0].sentence[item.start:item.end]}»)" for n, (item, part) in enumerate(found, 1)]
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def schema(n: int) -> dict[str, Any]:
    return {"type": "object", "properties": {"answer": {"type": "integer", "enum": list(range(n + 1))}},
            "required": ["answer"]}


def pick(reply: str, n: int) -> int | None:
    """The candidate number replied (1..n), 0 for none, None for a reply that is not the schema's.

    >>> pick('{"answer": 2}', 3), pick('{"answer": 0}', 3), pick('{"answer": 7}', 3), pick('{"answer', 3)
    (2, 0, None, None)
    """
    try:
        value = json.loads(reply).get("answer")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and 0 <= value <= n else None


def choose(chat: Any, query: Query, parts: Sequence[Part], glosses: GlossWriter) -> Part | None:
    """The part whose gloss the model picks, with that gloss alone as its text and phrase; None when the question
    is of no known kind, fewer than two candidates are found, or the model picks none."""
    if not asked_kinds(query.text):
        return None
    found = candidates(query, parts, glosses)
    if len(found) < 2:
        return None
    reply = chat.chat(prompt(query.text, found), max_tokens=16, json_schema=schema(len(found)))
    n = pick(reply.text, len(found)) if reply.finish_reason != "length" else None
    if not n:
        return None
    item, part = found[n - 1]
    phrase = glossed_phrase([item], part.evidence[0])
    return Part(text=phrase.text, evidence=part.evidence,
                check=Check(True, f"chosen by the local model among {len(found)} glosses"), phrase=phrase)
