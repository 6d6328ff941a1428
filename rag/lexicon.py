"""An English question's common words in Arabic, from a bilingual news lexicon: dictionary query translation.

An English question shares no words with Arabic text, so BM25 cannot help it (`rag.retrieval` steps the
lexical channel aside by coverage). Its names are found by sound (`rag.names`); its other words, "killed",
"prison", "border", "ransom", have no sound in common with قتل, سجن, حدود, فدية. `data/lexicon.tsv` lists the
Arabic forms a news article uses for about 1,170 English news words and two-word terms (verbs with their present
forms, since light stemming keeps ي/ت, and verbal nouns; nouns with their broken plurals; Tunisian usages beside
the Mashriq's), written for this project from common knowledge by a session that saw no question set.
`data/lexicon_general.tsv` adds about 2,600 entries (6,566 English keys) of general and encyclopedic vocabulary
(history, religion, law; sciences, medicine, technology; geography, architecture, arts; sport, business,
education; "century", "invented", "largest"), written the same way by four sessions that saw no question set;
it repeats no key of the news lexicon.
`Lexicon.groups` turns a question into the analysed Arabic terms of each of its words (`index.bm25.analyze`):
a structured BM25 query, each word's translations one term (Pirkola 1998; `BM25.search_groups`), the
`translated` channel of hybrid retrieval, as in dictionary-based cross-language retrieval; and the share of an
English question's words a sentence holds (`rag.generators.extractive`). `Lexicon.terms` lists them all once.

    "Where did ISIS move after Sirte?" → تحرك يتحرك تتحرك ... انتقل ينتقل تنتقل (Sirte is `rag.names`' business)

Measured (English questions, hit@1 of the gold article, hybrid): the ANT Libya news questions over the seed and
ANT Libya articles 0.562 → 0.672 with the news lexicon, 0.664 with the general one too; xquad-ar-en-dev (Wikipedia
paragraphs) 0.777 → 0.797 → 0.839. With the Arabic twin of each question in place of the lexicon's terms (what a
perfect translation would give this channel), news reached 0.719 at this weight and 0.773 at weight 1, xquad
0.888 and 0.907.

What it leaves out: word sense (every translation of a word is searched), phrases beyond the two-word entries,
and English inflections other than plural, past and -ing forms (a word is looked up as written, then without
its ending).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from index.bm25 import analyze

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.tsv"
GENERAL_FILE = Path(__file__).parent / "data" / "lexicon_general.tsv"
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_ENDINGS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""),
            ("s", ""), ("'s", ""))


def read_lexicon(path: Path = LEXICON_FILE) -> dict[str, tuple[str, ...]]:
    """English word or two-word term (lower case) → its Arabic forms' analysed terms, once each."""
    out: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, arabic = line.split("\t")
        terms = tuple(dict.fromkeys(t for form in arabic.split("|") for t in analyze(form)))
        for spelling in english.split("|"):
            out[spelling.strip().lower()] = terms
    return out


@cache
def bundled_lexicon() -> Lexicon:
    """The general lexicon and the news one (no English key is in both; were one added, the news sense wins)."""
    return Lexicon(read_lexicon(GENERAL_FILE) | read_lexicon(LEXICON_FILE))


class Lexicon:
    def __init__(self, entries: dict[str, tuple[str, ...]]) -> None:
        self.entries = entries

    def lookup(self, word: str) -> tuple[str, ...]:
        """A word's Arabic terms: as written, else without a plural, past or -ing ending (none: unknown)."""
        if word in self.entries:
            return self.entries[word]
        for ending, replacement in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                found = self.entries.get(word[: -len(ending)] + replacement)
                if found:
                    return found
        return ()

    def groups(self, question: str) -> list[tuple[str, ...]]:
        """The Arabic terms of each known word of the question, two-word terms first ("air strike" is not "air"
        and "strike"); unknown words give nothing."""
        words = _WORD.findall(question.lower())
        out: list[tuple[str, ...]] = []
        i = 0
        while i < len(words):
            pair = " ".join(words[i:i + 2])
            step = 2 if i + 1 < len(words) and pair in self.entries else 1
            found = self.entries[pair] if step == 2 else self.lookup(words[i])
            if found:
                out.append(found)
            i += step
        return out

    def terms(self, question: str) -> list[str]:
        """All the Arabic terms of the question's known words, once each (what a gloss looks for near its items)."""
        return list(dict.fromkeys(t for group in self.groups(question) for t in group))
