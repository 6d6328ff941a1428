"""The extractive tier's writer: an English question's Arabic quotes, each headed by an English gloss.

No model: `rag.glosses` finds the places, people, dates or numbers of each Arabic evidence sentence of the kind
the question asks for and renders them in English ("Bani Walid, Zliten, west of Sirte [1]"). The gloss is the
part's text and its `Phrase`, so the CLI and the UI show the full quote beside it and the citation carries the
Arabic words it renders (`span_text`, offsets). Glossed parts come first, best evidence first; evidence with
nothing to gloss stays a quote. Arabic questions, and English evidence, are passed through as drafted.
Within a gloss, the items nearest the words of the question (as `rag.lexicon` and `rag.names` write them in
Arabic) come first: "How many points …?" gets «308 نقطة» before the other numbers of the sentence. On
xquad-ar-en-dev's English questions, phrase F1 of "how many" questions 0.322 → 0.336 (all questions 0.122 →
0.124, `rag eval --dataset xquad-dev --index-dir /tmp/xq`; "how many" from its report's rows).

What it leaves out: the gloss names what the quote states; it does not claim that this answers the question
(the quote beside it is the answer), and nothing is translated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from index.arabic import language_of
from rag.generators import Evidence, Part, Phrase
from rag.glosses import Item, Romanizer, gloss
from rag.lexicon import Lexicon
from rag.names import ArchiveNames
from rag.query import Query


class GlossWriter:
    def __init__(self, romanizer: Romanizer, *, max_items: int = 3, lexicon: Lexicon | None = None,
                 names: ArchiveNames | None = None) -> None:
        """`lexicon` and `names` give the Arabic words an English question's words may be written as: the items
        nearest them in a sentence come first."""
        self.romanizer = romanizer
        self.max_items = max_items
        self.lexicon = lexicon
        self.names = names

    def near(self, question: str) -> frozenset[str]:
        """The analysed Arabic terms of the question's common words and names."""
        terms = set(self.lexicon.terms(question)) if self.lexicon is not None else set()
        if self.names is not None:
            terms.update(t for group in self.names.matcher().query_groups(question) for t in group)
        return frozenset(terms)

    def warm_up(self) -> None:
        self.romanizer.warm_up()

    def write(self, query: Query, parts: Sequence[Part], on_draft: Callable[[str], None] | None = None
              ) -> Iterator[Part]:
        """Glossed parts first (best evidence first), then the others as drafted; `on_draft` is not called
        (nothing is drafted word by word)."""
        if query.language != "en":
            yield from parts
            return
        glossed: list[tuple[float, Part]] = []
        plain: list[Part] = []
        near = self.near(query.text)
        for part in parts:
            out = self.glossed(query, part, near)
            if out is None:
                plain.append(part)
            else:
                glossed.append((part.evidence[0].score, out))
        yield from (p for _, p in sorted(glossed, key=lambda sp: -sp[0]))
        yield from plain

    def glossed(self, query: Query, part: Part, near: frozenset[str] | None = None) -> Part | None:
        """The part with its gloss as text and `phrase` (its `check` kept), or None when its sentence is not
        Arabic or states nothing of the kind asked. `near`: the question's `near` terms, when already known."""
        evidence = part.evidence[0]
        if language_of(part.text) != "ar":
            return None
        near = self.near(query.text) if near is None else near
        found = gloss(query.text, evidence.sentence, self.romanizer, self.max_items, near)
        if not found:
            return None
        phrase = glossed_phrase(found, evidence)
        return Part(text=phrase.text, evidence=part.evidence, check=part.check, phrase=phrase)


def glossed_phrase(found: Sequence[Item], evidence: Evidence) -> Phrase:
    """The gloss as a `Phrase`: its items' English joined, the Arabic from the first item to the last, with
    article offsets when cleaning left the sentence as it was (else the sentence's, as in `Phrase`)."""
    start, end = min(it.start for it in found), max(it.end for it in found)
    text = ", ".join(it.english for it in found)
    if evidence.end - evidence.start == len(evidence.sentence):
        return Phrase(text=text, span=evidence.sentence[start:end], start=evidence.start + start,
                      end=evidence.start + end)
    return Phrase(text=text, span=evidence.sentence[start:end], start=evidence.start, end=evidence.end)
