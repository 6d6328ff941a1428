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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Protocol

from index.arabic import ARABIC_LETTER, tokens
from index.bm25 import analyze, indexed_text
from index.types import Chunk
from rag.skeleton import consonant_skeleton

GAZETTEER = Path(__file__).parent / "data" / "gazetteer.tsv"

QUESTION_WORDS = frozenset(
    "what who whom whose which where when why how is are was were do does did can could would should will the a "
    "an in on of for to by name list give along if most many much after before during since according".split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+|\d{2,}")


def _collapse(skeleton: str) -> str:
    """Doubled consonants once ("Pittsburgh" has tt, بيتسبرغ one t)."""
    return re.sub(r"(.)\1+", r"\1", skeleton)


# Capitalised words of English titles and institutions ("Defence Minister", "Coast Guard"): not names, and
# their sounds are other words («منستير», Monastir, for "Minister").
TITLE_WORDS = frozenset(
    "minister ministry prime president presidential government national accord army council defence defense "
    "interior foreign affairs coast guard international airport league special force forces brigade party "
    "movement front state islamic court parliament congress house representatives assembly republic union "
    "united nations security agency news university bank central oil corporation company committee general "
    "chief commander mr mrs dr mission envoy embassy ambassador office department senate revolutionaries "
    "shura salvation unity presidency customs navy air guardsmen brigades".split())

_LATIN_LIKE = {"ا": "a", "أ": "a", "إ": "i", "آ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "h",
               "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d",
               "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
               "ه": "h", "ة": "a", "و": "ou", "ي": "i", "ى": "a", "ء": "", "ئ": "i", "ؤ": "ou"}


def word_key(word: str) -> str:
    """An Arabic word's skeleton for matching names (doubled letters once)."""
    return consonant_skeleton(_collapse(word))


def name_keys(name: str) -> tuple[str, ...]:
    """The skeletons an English name may have in Arabic: doubled letters once ("Kasserine" ~ القصرين, whose
    s and r are not doubled), x as ks ("Sfax" ~ صفاقس), and g also as ق, the Maghreb's spelling ("Guerdane" ~
    قردان, "Gaddafi" ~ القذافي).

    >>> name_keys("Kasserine"), name_keys("Ben Guerdane"[4:]), name_keys("Sfax")
    (('ksrn',), ('jrdn', 'krdn'), ('sfks',))
    """
    w = _collapse(name.lower()).replace("x", "ks")
    keys = [consonant_skeleton(w)]
    if re.search(r"g(?!h)", w):
        keys.append(consonant_skeleton(re.sub(r"g(?!h)", "q", w)))
    return tuple(dict.fromkeys(keys))


def _letter_likeness(name: str, written: str) -> float:
    """How alike an English name and an Arabic word read letter by letter, vowels included: to order words
    of one skeleton ("Medenine": مدنين before مدينة)."""
    latin = "".join(_LATIN_LIKE.get(ch, "") for ch in re.sub(r"^[وبفكل]?ال(?=...)", "", written))
    return SequenceMatcher(None, latin, re.sub(r"^(al|el)[- ]", "", name.lower())).ratio()


def archive_words(chunks: Iterable[Chunk]) -> dict[str, str]:
    """Every word of the chunks as written (normalised) → its indexed term (`index.bm25.analyze`)."""
    out: dict[str, str] = {}
    for chunk in chunks:
        for token in tokens(indexed_text(chunk)):
            if token not in out:
                out.update((token, term) for term in analyze(token))  # none for a stopword or one letter
    return out


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
    """Capitalised words (after an al- or el-) that are not question words, of 3+ consonants, and numbers: what
    retrieval looks up by sound.

    >>> sounded_names("Where did ISIS fighters go after they left Sirte in 2016?")
    ['Sirte', '2016']
    >>> sounded_names("Was al-Baghdadi there?")
    ['al-Baghdadi']
    """
    out = []
    for m in _WORD.finditer(question):
        w = m.group()
        if w.isdigit() or (re.sub(r"^(?:al|el)-", "", w)[:1].isupper() and w.lower() not in QUESTION_WORDS
                           and len(_collapse(consonant_skeleton(w))) >= 3):
            out.append(w)
    return list(dict.fromkeys(out))


class NameMatcher:
    """Names → indexed Arabic terms, over one vocabulary (build one per state of the lexical index).

    `words`, when given, maps the archive's words as written (normalised, not stemmed) to their indexed term:
    names are then compared with the words as written, which light stemming has not cut («القصرين» is indexed
    as قصر, «بن قردان» as قرد), and the indexed term is what is returned.
    """

    def __init__(self, vocabulary: Iterable[str], *, words: Mapping[str, str] | None = None, per_name: int = 3,
                 min_ratio: float = 0.85) -> None:
        self.per_name = per_name
        self.min_ratio = min_ratio
        self._exact: dict[str, list[tuple[str, str]]] = defaultdict(list)  # skeleton → (word as written, term)
        self._by_first: dict[str, set[str]] = defaultdict(set)  # first consonant → skeletons
        vocabulary = set(vocabulary)
        self._numbers = {t for t in vocabulary if t.isdigit()}
        for written, term in (words.items() if words is not None else ((t, t) for t in vocabulary)):
            if ARABIC_LETTER.match(written):
                for key in {word_key(written), word_key(term)}:  # a first و may be "and" (stemmed off) or the name's
                    if len(key) >= 3:
                        self._exact[key].append((written, term))
                        self._by_first[key[0]].add(key)

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
        """The archive's terms that `name` may be written as (none: the archive does not know it), the closest
        first: equal skeletons, then close ones; among equals, the word whose letters read most like the name.

        >>> NameMatcher(["سرت", "ليبيا", "2016"]).terms("Sirte"), NameMatcher(["2016"]).terms("2016")
        (['سرت'], ['2016'])
        """
        if name.isdigit():
            return [name] if name in self._numbers else []
        keys = name_keys(name)
        if max(map(len, keys)) < 3:
            return []
        found: dict[str, tuple[float, float]] = {}
        for key in keys:
            candidates = [(1.0, w, t) for w, t in self._exact.get(key, ())]
            if len(key) >= 4:
                for other in self._by_first.get(key[0], ()):
                    if other != key and abs(len(other) - len(key)) <= 1:
                        ratio = SequenceMatcher(None, other, key).ratio()
                        if ratio >= self.min_ratio:
                            candidates += [(ratio, w, t) for w, t in self._exact[other]]
            for ratio, written, term in candidates:
                score = (ratio, _letter_likeness(name, written))
                found[term] = max(found.get(term, score), score)
        ranked = sorted(found, key=lambda t: (-found[t][0], -found[t][1], t))  # then by term: stable everywhere
        return ranked[: self.per_name]

    def query_terms(self, question: str) -> list[str]:
        """All the terms the question's names may sound like, once each: the retrieval channel's query."""
        return list(dict.fromkeys(t for group in self.query_groups(question) for t in group))

    def query_groups(self, question: str) -> list[list[str]]:
        """The terms each of the question's names may sound like (names the archive does not know left out).

        A gazetteer name adds only the sounds its gazetteer forms confirm ("Sirte" ~ سرت, but not "Libyan" ~
        لبن "milk" or "Tunisian" ~ تسعين "ninety"); its other forms are left out: common terms (ليبيا, دولة, تنظيم
        for "ISIS") in every article of a news archive only reorder it (seed questions over seed + ANT Libya,
        English hit@5 0.812 → 0.750). Capitalised words of titles ("Defence Minister") are not names."""
        groups: list[list[str]] = []
        for m in _gazetteer_pattern().finditer(question):
            confirmed = {t for form in gazetteer()[m.group()] for t in form}
            groups.append([t for t in self.terms(m.group()) if t in confirmed])
        rest = _gazetteer_pattern().sub(" ", question)
        groups += [self.terms(name) for name in sounded_names(rest) if name.lower() not in TITLE_WORDS]
        return [g for g in groups if g]


def name_coverage(matcher: NameMatcher, question: str, passage_terms: Sequence[set[str]]) -> float | None:
    """Share of the question's names found in the passages (each passage a set of analysed terms); None when
    the question names nothing."""
    names = names_of(question)
    if not names:
        return None
    every = set().union(*passage_terms) if passage_terms else set()
    return sum(any(set(form) <= every for form in matcher.forms(n)) for n in names) / len(names)


class Vocabulary(Protocol):
    @property
    def chunks(self) -> Sequence[Chunk]: ...

    def vocabulary(self) -> set[str]: ...


class ArchiveNames:
    """A `NameMatcher` over the lexical index's current vocabulary and words, rebuilt when the index changes, on
    the next English question after an ingest: every chunk's words are read again (0.6 s for the 1,267 chunks
    of the seed and ANT Libya articles on a busy 2-core machine, against 0.16 s for the indexed terms alone;
    about linear in the chunks)."""

    def __init__(self, lexical: Callable[[], Vocabulary]) -> None:
        self.lexical = lexical
        self._built: tuple[Vocabulary, NameMatcher] | None = None
        self._lock = threading.Lock()

    def matcher(self) -> NameMatcher:
        bm25 = self.lexical()
        with self._lock:
            if self._built is None or self._built[0] is not bm25:
                self._built = (bm25, NameMatcher(bm25.vocabulary(), words=archive_words(bm25.chunks)))
            return self._built[1]
