"""The names and numbers of an English question, found in an Arabic archive's vocabulary by sound.

An English question shares no words with Arabic text, but its names are transliterations: "Warsaw" ~ وارسو,
"Marconi" ~ ماركوني, "Sirte" ~ سرت. Each capitalised word of the question (not a question word) is reduced to
its consonant skeleton (`consonant_skeleton`), and matched against the skeletons of the archive's indexed
terms: equal skeletons always, and for skeletons of 4+ consonants also close ones (75–85 % alike), at most
`per_name` terms each, the closest first. Numbers of two or more digits match themselves.

This gives English questions two things Arabic ones get from plain BM25:

    retrieval    a lexical query of the matched Arabic terms (`rag.retrieval`, the `names` channel)
    abstention   the share of the question's names that the retrieved passages contain (`name_coverage`)

Measured on xquad-ar-en-dev (English questions, 300, hybrid): hit@1 0.810 → 0.827 with the names channel.

For name coverage, names whose Arabic form is not a transliteration (Morocco ~ المغرب, Egypt ~ مصر, ISIS ~
داعش, March ~ مارس or آذار) come from a small gazetteer instead (`data/gazetteer.tsv`: countries and their
peoples, the Arab world's regions and cities, organisations, months, days), analysed as the index analyses
text; a gazetteer name is found when every term of one of its Arabic forms is. Without it "Morocco" matched
معارك ("battles", the same three consonants) and counted as found in any passage about fighting. Retrieval
keeps to names by sound (`query_terms`).

What it leaves out: names outside the gazetteer whose skeletons differ, one-word skeletons of fewer than 3
consonants, and lower-case English words.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Protocol

from index.arabic import ARABIC_LETTER
from index.bm25 import analyze
from rag.skeleton import consonant_skeleton

GAZETTEER = Path(__file__).parent / "data" / "gazetteer.tsv"

QUESTION_WORDS = frozenset(
    "what who whom whose which where when why how is are was were do does did can could would should will the a "
    "an in on of for to by name list give along if most many much after before during since according".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d{2,}")


def _collapse(skeleton: str) -> str:
    """Doubled consonants once ("Pittsburgh" has tt, بيتسبرغ one t)."""
    return re.sub(r"(.)\1+", r"\1", skeleton)


@dataclass(frozen=True)
class GazetteerEntry:
    """One line of `data/gazetteer.tsv`: its English spellings, its Arabic forms, and the kind of its section
    (`#= place`, `#= name`, `#= people`, `#= date`), which `rag.glosses` renders them as."""

    english: tuple[str, ...]
    arabic: tuple[str, ...]
    kind: str


@cache
def gazetteer_entries() -> tuple[GazetteerEntry, ...]:
    """The gazetteer's lines, read once: the one reader of its format."""
    out, kind = [], "place"
    for line in GAZETTEER.read_text(encoding="utf-8").splitlines():
        if line.startswith("#="):
            kind = line[2:].strip()
        elif line.strip() and not line.startswith("#"):
            english, arabic = line.split("\t")
            out.append(GazetteerEntry(tuple(english.split("|")), tuple(arabic.split("|")), kind))
    return tuple(out)


@cache
def gazetteer() -> dict[str, tuple[tuple[str, ...], ...]]:
    """English spelling → its Arabic forms, each as the index's analysed terms (`index.bm25.analyze`)."""
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for entry in gazetteer_entries():
        forms = tuple(dict.fromkeys(t for t in (tuple(analyze(f)) for f in entry.arabic) if t))
        for spelling in entry.english:
            out[spelling] = forms
    return out


def spelling_pattern(spellings: Iterable[str]) -> re.Pattern[str]:
    """Any of `spellings` as a whole word, the longest first ("South Sudan" before "Sudan")."""
    ordered = sorted(spellings, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")


@cache
def _gazetteer_pattern() -> re.Pattern[str]:
    return spelling_pattern(gazetteer())


def names_of(question: str) -> list[str]:
    """The question's gazetteer names, then its other names (`sounded_names` of the rest): what name coverage
    counts.

    >>> names_of("Where did ISIS fighters go after they left Sirte in 2016?")
    ['ISIS', 'Sirte', '2016']
    """
    found = [m.group() for m in _gazetteer_pattern().finditer(question)]
    return list(dict.fromkeys(found + sounded_names(_gazetteer_pattern().sub(" ", question))))


def sounded_names(question: str) -> list[str]:
    """Capitalised words that are not question words, of 3+ consonants, and numbers: what retrieval looks up
    by sound.

    >>> sounded_names("Where did ISIS fighters go after they left Sirte in 2016?")
    ['Sirte', '2016']
    """
    out = []
    for m in _WORD.finditer(question):
        w = m.group()
        if w.isdigit() or (w[0].isupper() and w.lower() not in QUESTION_WORDS
                           and len(_collapse(consonant_skeleton(w))) >= 3):
            out.append(w)
    return list(dict.fromkeys(out))


class NameMatcher:
    """Names → indexed Arabic terms, over one vocabulary (build one per state of the lexical index)."""

    def __init__(self, vocabulary: Iterable[str], *, per_name: int = 3, min_ratio: float = 0.85) -> None:
        self.per_name = per_name
        self.min_ratio = min_ratio
        self._exact: dict[str, list[str]] = defaultdict(list)
        self._by_first: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._numbers: set[str] = set()
        for term in set(vocabulary):
            if term.isdigit():
                self._numbers.add(term)
            elif ARABIC_LETTER.match(term):
                skeleton = _collapse(consonant_skeleton(term))
                if len(skeleton) >= 3:
                    self._exact[skeleton].append(term)
                    self._by_first[skeleton[0]].append((skeleton, term))

    def forms(self, name: str) -> list[tuple[str, ...]]:
        """The ways `name` may be written in the archive, each as analysed terms: a gazetteer name's Arabic
        forms (known to the archive or not), else the archive's terms that sound like it (none: unknown).

        >>> NameMatcher(["مغرب", "معارك"]).forms("Morocco")
        [('مغرب',), ('مغارب',)]
        """
        if name in gazetteer():
            return list(gazetteer()[name])
        return [(t,) for t in self.terms(name)]

    def terms(self, name: str) -> list[str]:
        """The archive's terms that `name` may be written as (none: the archive does not know it).

        >>> NameMatcher(["سرت", "ليبيا", "2016"]).terms("Sirte"), NameMatcher(["2016"]).terms("2016")
        (['سرت'], ['2016'])
        """
        if name.isdigit():
            return [name] if name in self._numbers else []
        skeleton = _collapse(consonant_skeleton(name))
        if len(skeleton) < 3:
            return []
        found = [(1.0, t) for t in self._exact.get(skeleton, ())]
        if len(skeleton) >= 4:
            for other, term in self._by_first.get(skeleton[0], ()):
                if other != skeleton and abs(len(other) - len(skeleton)) <= 1:
                    ratio = SequenceMatcher(None, other, skeleton).ratio()
                    if ratio >= self.min_ratio:
                        found.append((ratio, term))
        found.sort(key=lambda f: (-f[0], f[1]))  # ties by the term: the same answer in every process
        return [t for _, t in found[: self.per_name]]

    def query_terms(self, question: str) -> list[str]:
        """All the terms the question's names may sound like, once each: the retrieval channel's query. The
        gazetteer's forms are left out of it: common terms (ليبيا, دولة, تنظيم for "ISIS") in every article of a
        news archive only reorder it (seed questions over seed + ANT Libya, English hit@5 0.812 → 0.750)."""
        return list(dict.fromkeys(t for name in sounded_names(question) for t in self.terms(name)))


def name_coverage(matcher: NameMatcher, question: str, passage_terms: Sequence[set[str]]) -> float | None:
    """Share of the question's names found in the passages (each passage a set of analysed terms); None when
    the question names nothing."""
    names = names_of(question)
    if not names:
        return None
    every = set().union(*passage_terms) if passage_terms else set()
    return sum(any(set(form) <= every for form in matcher.forms(n)) for n in names) / len(names)


class Vocabulary(Protocol):
    def vocabulary(self) -> set[str]: ...


class ArchiveNames:
    """A `NameMatcher` over the lexical index's current vocabulary, rebuilt when the index changes (about a
    second per 100k terms, on the next English question after an ingest)."""

    def __init__(self, lexical: Callable[[], Vocabulary]) -> None:
        self.lexical = lexical
        self._built: tuple[Vocabulary, NameMatcher] | None = None
        self._lock = threading.Lock()

    def matcher(self) -> NameMatcher:
        bm25 = self.lexical()
        with self._lock:
            if self._built is None or self._built[0] is not bm25:
                self._built = (bm25, NameMatcher(bm25.vocabulary()))
            return self._built[1]
