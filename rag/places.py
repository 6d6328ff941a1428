"""Whether the retrieved passages mention the places and organisations a question names.

"What is the capital of Morocco?" asked of an archive about Libya retrieves sentences about Tripoli, the
capital, close enough in meaning to pass the answerability model. But no retrieved passage mentions Morocco,
and a reader can check that: an answer about a country the evidence never names is not an answer. So the
draft's support is scaled by `places`, the share of the question's gazetteer places and organisations that the
passages the answer cites mention (1 when it names none): one missing place of one is a refusal. The cited
passages, not the top five: a passage retrieved for the question's other words ("capital" ~ عاصمة) may name
Morocco in a list of fighters' countries while the passages the answer would quote do not (session 10).

A question names a place by the gazetteer's noun for it (its first English spelling, or one in capitals:
"Morocco", "US"), not by its adjective ("German", "Moroccan": an adjective in a question is often absent from
the answering passage, "Which German architect …?"); an Arabic question by the place's first Arabic form
(«المغرب», not «مغربي»). A passage mentions it by any of its forms, nouns or adjectives, read as
`rag.glosses.gazetteer_items` reads them: after a clitic prefix, longest name first, so «المغرب» inside «بلاد
المغرب الإسلامي» (al-Qaeda's Maghreb branch) is not Morocco.

What it leaves out: names outside the gazetteer (`rag.names` matches those by sound, a weaker signal the model
weighs), people, and dates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from index.arabic import normalize
from rag.glosses import gazetteer_items, words_of
from rag.names import gazetteer_entries, spelling_pattern

_KINDS = ("place", "name")


@cache
def _english_nouns() -> dict[str, str]:
    """Each English noun spelling of a place or organisation → the entry's name (its first spelling)."""
    out: dict[str, str] = {}
    for entry in gazetteer_entries():
        if entry.kind in _KINDS:
            for spelling in entry.english:
                if spelling == entry.english[0] or spelling.replace(".", "").isupper():
                    out.setdefault(spelling, entry.english[0])
    return out


@cache
def _english_pattern() -> re.Pattern[str]:
    return spelling_pattern(_english_nouns())


def asked_places(question: str) -> list[str]:
    """The places and organisations a question names, by the gazetteer's English name of each.

    >>> asked_places("What is the capital of Morocco?"), asked_places("Which German architect designed it?")
    (['Morocco'], [])
    >>> asked_places("ما هي عاصمة المغرب؟"), asked_places("Where did ISIS move after Sirte?")
    (['Morocco'], ['ISIS', 'Sirte'])
    """
    found = [_english_nouns()[m.group()] for m in _english_pattern().finditer(question)]
    # an Arabic adjective form of a place («مغربي») is an item of the kind "people", not "place"
    found += [item.english for item in gazetteer_items(words_of(question)) if item.kind in _KINDS]
    return list(dict.fromkeys(found))


def mentioned(texts: Sequence[str]) -> set[str]:
    """The gazetteer names (English) that `texts` mention, in any of their forms; a form two names share
    («الجزائر»: Algeria and Algiers) mentions both."""
    found = {item.english for text in texts for item in gazetteer_items(words_of(text))}
    return found.union(*(_sharing().get(name, ()) for name in found))


@cache
def _sharing() -> dict[str, set[str]]:
    """Each gazetteer name → the names that share one of its Arabic forms."""
    by_form: dict[tuple[str, ...], set[str]] = {}
    for entry in gazetteer_entries():
        for form in entry.arabic:
            by_form.setdefault(tuple(normalize(w) for w in form.split()), set()).add(entry.english[0])
    out: dict[str, set[str]] = {}
    for names in by_form.values():
        for name in names:
            out.setdefault(name, set()).update(names)
    return out


def place_coverage(question: str, texts: Sequence[str]) -> float:
    """The share of the question's places and organisations that `texts` mention; 1 when it names none.

    >>> place_coverage("What is the capital of Morocco?", ["تنظيم القاعدة في بلاد المغرب الإسلامي"])
    0.0
    >>> place_coverage("Where is Morocco?", ["المغاربة في ليبيا"]), place_coverage("Why?", [])
    (1.0, 1.0)
    """
    asked = asked_places(question)
    if not asked:
        return 1.0
    have = mentioned(texts)
    return sum(a in have for a in asked) / len(asked)
