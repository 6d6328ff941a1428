"""English glosses of an Arabic quote, without a model: the places, people, dates and numbers it states.

An English reader of an Arabic quote cannot tell whether it names the place or the number asked about. A gloss
lists, in English, the items of the quote of the kind the question asks for, each tied to the exact Arabic
words it renders:

    "Where did ISIS fighters go after they left Sirte?"   → places      «بني وليد وزليتن غرب سرت» → Bani Walid,
    "How many fighters …?"                                → numbers     Zliten, west of Sirte
    "When …?" / "What year …?"                            → dates and years
    "Who …?"                                              → people (two or more words the romanizer knows as names)
    any other question                                    → places, people and organisations

Items come from the gazetteer (`data/gazetteer.tsv`: English names of countries, cities, organisations, months,
with the kind each Arabic form is glossed as), from digits and a few Arabic number and unit words, from the word
after a place noun («مدينة»، «منطقة») and from runs of words attested as personal names, rendered by a
`Romanizer` (`rag/romanizer.py`: arabic-name-romanizer, offline). A gloss renders words; it does not say that
they answer the question, and it is shown beside the quote, never instead of it.

What it leaves out: common nouns and verbs (no dictionary ships offline), names the romanizer does not know
that follow no place noun, and Arabic questions (their askers read the quote).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal, Protocol, cast

from index.arabic import normalize
from index.bm25 import STOPWORDS, analyze
from rag.names import gazetteer_entries

Kind = Literal["place", "person", "date", "number", "name", "people"]  # people: «ليبي», «العرب»


@dataclass(frozen=True)
class Item:
    """One thing a quote states, in English, with the offsets in the quote of the Arabic words it renders."""

    english: str
    kind: Kind
    start: int
    end: int


class Romanizer(Protocol):
    def warm_up(self) -> None: ...

    def name_count(self, word: str) -> int:
        """How often `word` is attested as a personal name (0: never)."""
        ...

    def romanize(self, words: str) -> str: ...


_KINDS: tuple[tuple[re.Pattern[str], tuple[Kind, ...]], ...] = (
    (re.compile(r"\b(how (many|much|far|long|old|large|big|high|tall)|what (percentage|percent|number|amount|"
                r"distance|proportion|share)|by how)\b", re.I), ("number",)),
    (re.compile(r"\b(when|what (year|date|day|month|century|decade|time)|which (year|date|day|month|century)|"
                r"in what year|since when)\b", re.I), ("date",)),
    (re.compile(r"\b(where|what (city|country|town|village|region|area|place|province|state|location)|"
                r"which (city|country|town|village|region|area|place|province|state))\b", re.I), ("place",)),
    (re.compile(r"\b(who|whom|whose|which (man|woman|person|leader|president|commander|minister|official|general)|"
                r"what (is the name|was the name))\b", re.I), ("person",)),
    (re.compile(r"\b(which|what) (group|organi[sz]ation|militia|party|movement|force|forces|army)\b", re.I), ("name",)),
)


def asked_kinds(question: str) -> tuple[Kind, ...]:
    """The kinds of item an English question asks for (the wording that comes first: "Who was it when …?" asks
    for a person), or () for any other.

    >>> asked_kinds("Where did ISIS go?"), asked_kinds("How many fighters?"), asked_kinds("Why did it fall?")
    (('place',), ('number',), ())
    """
    found = [(m.start(), kinds) for pattern, kinds in _KINDS if (m := pattern.search(question))]
    return min(found)[1] if found else ()


_WORD = re.compile(r"\d{1,2}:\d{2}|[\u0621-\u065f\u0670-\u06d3]+"  # a clock time, an Arabic word (its marks too),
                   r"|[0-9\u0660-\u0669]+(?:[.,][0-9\u0660-\u0669]+)*[%\u066a]?")  # a number, maybe a percentage
_MARKS = re.compile(r"[\u064b-\u0652\u0670\u0640]")
_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩٪", "0123456789%")


@dataclass(frozen=True)
class Word:
    text: str  # without diacritics
    start: int
    end: int
    term: str  # as the index analyses it ("" for a stopword)


def words_of(sentence: str) -> list[Word]:
    out = []
    for m in _WORD.finditer(sentence):
        text = _MARKS.sub("", m.group())
        terms = analyze(text)
        out.append(Word(text, m.start(), m.end(), terms[0] if terms else ""))
    return out


@cache
def gazetteer_by_arabic() -> dict[tuple[str, ...], tuple[str, Kind]]:
    """Each Arabic form of the gazetteer, as normalised words (`index.arabic.normalize`) → (its English name, the
    kind it is glossed as). A place's first Arabic form is the place; its others (peoples, adjectives: «ليبي») are
    of the kind "people"."""
    out: dict[tuple[str, ...], tuple[str, Kind]] = {}
    for entry in gazetteer_entries():
        kind = cast(Kind, entry.kind)
        for i, form in enumerate(entry.arabic):
            out.setdefault(tuple(normalize(w) for w in form.split()),
                           (entry.english[0], kind if kind != "place" or i == 0 else "people"))
    return out


_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")  # conjunctions and prepositions written on


def _clitic_free(word: str) -> list[tuple[str, int]]:
    """The readings of a folded word without a prefix, with the prefix's length («بالجفرة» → «الجفرة», 1);
    «للقرى» is «ل» + «القرى»."""
    out = [(word[len(p):], len(p)) for p in _PREFIXES if word.startswith(p) and len(word) - len(p) > 1]
    if word.startswith(("لل", "ولل")):
        out.append(("ا" + word[word.index("لل") + 1:], word.index("لل") + 1))
    return out + [(w[2:], n) for w, n in out if w.startswith("ال") and len(w) > 4]  # «الليبي» ~ «ليبي»


_COMPASS = {"شمال": "north", "جنوب": "south", "شرق": "east", "غرب": "west", "شرقي": "east", "غربي": "west",
            "شمالي": "north", "جنوبي": "south"}
_RELATIONS = {"محيط": "around", "قرب": "near", "خارج": "outside", "داخل": "inside", "وسط": "central"}


# A gazetteer form that is a common phrase before these words: «مسقط رأس», birthplace, is not Muscat.
_NOT_A_NAME_BEFORE: dict[tuple[str, ...], frozenset[str]] = {("مسقط",): frozenset({"راس"})}


def gazetteer_items(words: Sequence[Word]) -> list[Item]:
    """The gazetteer's names among `words`, longest forms first; a place after a direction («غرب سرت») is
    glossed with it ("west of Sirte")."""
    table, out, i = gazetteer_by_arabic(), [], 0
    folded = [normalize(w.text) for w in words]
    while i < len(words):
        found = None
        for n in (4, 3, 2, 1):
            rest = tuple(folded[i + 1:i + n])
            if len(rest) != n - 1:
                continue
            after = folded[i + n] if i + n < len(folded) else ""
            found = next(((table[(first,) + rest], shift) for first, shift in _clitic_free(folded[i])
                          if (first,) + rest in table and after not in _NOT_A_NAME_BEFORE.get((first,) + rest, ())),
                         None)
            if found:
                (english, kind), shift = found
                start = words[i].start + shift
                if kind == "place":
                    english, start = _with_direction(words, i, english, start)
                elif kind == "people" and (region := _region_of(words, i, english)):
                    (english, start), kind = region, "place"
                out.append(Item(english, kind, start, words[i + n - 1].end))
                i += n - 1
                break
        i += 1
    return out


def _with_direction(words: Sequence[Word], i: int, english: str, start: int) -> tuple[str, int]:
    """("south-west of Sirte", the direction's offset) for «جنوب غرب سرت», ("around Sirte", …) for «محيط سرت»,
    ("south, south-west and east of Sirte", …) for «جنوب وجنوب غرب وشرق مدينة سرت» (directions joined by «و»,
    a place noun between them and the place), else as given."""
    def bare(j: int) -> str:
        return words[j].text.removeprefix("و").removeprefix("ب").removeprefix("ف")

    j = i - 1
    if j >= 0 and bare(j) in _PLACE_NOUNS:  # «مدينة» in «شرق مدينة سرت»
        j -= 1
    if j >= 0 and bare(j) in _RELATIONS:
        return f"{_RELATIONS[bare(j)]} {english}", words[j].start
    groups: list[list[str]] = []  # read backwards: a word written with «و» closes a group
    while j >= 0 and sum(map(len, groups)) < 6 and bare(j) in _COMPASS:
        if not groups or words[j + 1].text.startswith("و") and bare(j + 1) in _COMPASS:
            groups.insert(0, [])
        groups[0].insert(0, _COMPASS[bare(j)])
        start, j = words[j].start, j - 1
    if not groups:
        return english, start
    named = ["-".join(dict.fromkeys(g)) for g in groups]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return f"{listed} of {english}", start


_REGIONS = {"الجنوب": "southern", "الشمال": "northern", "الشرق": "eastern", "الغرب": "western", "الوسط": "central"}


def _region_of(words: Sequence[Word], i: int, english: str) -> tuple[str, int] | None:
    """("southern Libya", its offset) for «الجنوب الليبي»: a region named by a people's adjective."""
    region = next((_REGIONS[w] for w, _ in _clitic_free(words[i - 1].text) if w in _REGIONS), None) if i else None
    return (f"{region} {english}", words[i - 1].start) if region else None


_UNITS = {"كم": "km", "كيلومتر": "km", "كلم": "km", "متر": "metres", "ميل": "miles", "كيلوغرام": "kg", "كغ": "kg",
          "طن": "tonnes", "أطنان": "tonnes", "شخص": "people", "أشخاص": "people", "اشخاص": "people",
          "نسمة": "inhabitants", "قتيل": "dead", "قتلى": "dead", "جريح": "wounded", "جرحى": "wounded",
          "مقاتل": "fighters", "مقاتلين": "fighters", "مقاتلي": "fighters", "عنصر": "members", "عناصر": "members",
          "جندي": "soldiers", "جنود": "soldiers", "مهاجر": "migrants", "مهاجرين": "migrants", "لاجئ": "refugees",
          "لاجئين": "refugees", "طائرة": "aircraft", "طائرات": "aircraft", "سيارة": "vehicles", "سيارات": "vehicles",
          "غارة": "air strikes", "غارات": "air strikes", "دولار": "dollars", "يورو": "euros", "دينار": "dinars",
          "برميل": "barrels", "عام": "years", "أعوام": "years", "سنة": "years", "سنوات": "years", "شهر": "months",
          "أشهر": "months", "يوم": "days", "أيام": "days", "ساعة": "hours", "ساعات": "hours", "دقيقة": "minutes",
          "مرة": "times", "مرات": "times", "مليون": "million", "مليار": "billion", "ألف": "thousand",
          "آلاف": "thousand", "بالمئة": "%",
          "بالمائة": "%", "درجة": "degrees"}
_QUANTITIES = {"مائة": "100", "مئة": "100", "مائتي": "200", "مئتي": "200", "مائتين": "200", "مئتين": "200",
               "ألف": "1,000", "ألفي": "2,000", "مليون": "1 million", "عشرات": "dozens of", "مئات": "hundreds of",
               "آلاف": "thousands of"}
# Small numbers written as words; English writes them as words too ("four interceptions", "won twice").
_NUMBER_WORDS = {"واحد": "one", "واحدة": "one", "اثنان": "two", "اثنين": "two", "اثنتان": "two", "اثنتين": "two",
                 "ثلاثة": "three", "ثلاث": "three", "أربعة": "four", "أربع": "four", "خمسة": "five", "خمس": "five",
                 "ستة": "six", "ست": "six", "سبعة": "seven", "سبع": "seven", "ثمانية": "eight", "ثماني": "eight",
                 "تسعة": "nine", "تسع": "nine", "عشرة": "ten", "عشر": "ten", "مرتين": "twice", "مرتان": "twice"}
_BEFORE = {"نحو": "about", "حوالي": "about", "حوالى": "about", "قرابة": "about", "زهاء": "about",
           "يقارب": "nearly", "أكثر": "more than", "أقل": "fewer than"}
_YEAR = re.compile(r"^(1[5-9]\d\d|20\d\d)$")


def unit_of(word: str) -> str | None:
    """The English unit a word after a number names («كيلومتراً» → "km"), or None."""
    bare = word.removeprefix("ال")
    return _UNITS.get(bare) or _UNITS.get(bare.removesuffix("ا"))


def number_items(words: Sequence[Word]) -> list[Item]:
    """Numbers, in digits or as quantity words («مئات»), with the unit after them and "about"/"more than" before
    them; a year alone («عام 2016») is a date, not a number."""
    out = []
    for i, w in enumerate(words):
        digits = w.text.translate(_INDIC)
        value = digits if digits[:1].isdigit() else _QUANTITIES.get(w.text) or _number_word(w.text)
        if value is None:
            continue
        if ":" in digits:  # a time of day or on a clock
            out.append(Item(digits, "date", w.start, w.end))
            continue
        nxt = words[i + 1:i + 3]
        if value.endswith(" of") and nxt and nxt[0].text == "من":  # «مئات من المقاتلين»
            nxt = nxt[1:]
        unit = unit_of(nxt[0].text) if nxt else None
        if _YEAR.match(digits) and unit is None:
            out.append(Item(digits, "date", w.start, w.end))
            continue
        if unit is None and value.endswith(" of"):
            continue
        english, end = value, nxt[0].end if unit else w.end
        if unit:
            english = f"{value}{unit}" if unit == "%" else f"{value} {unit}"
        before, start = _qualifier(words, i)
        out.append(Item(f"{before} {english}" if before else english, "number", start if before else w.start, end))
    return out


def _number_word(text: str) -> str | None:
    """The English of a small number written as a word, after «و» too («وأربعة» → "four")."""
    return _NUMBER_WORDS.get(text) or (_NUMBER_WORDS.get(text[1:]) if text.startswith("و") else None)


def _qualifier(words: Sequence[Word], i: int) -> tuple[str, int]:
    """("about", its offset) for «نحو 40», ("more than", …) for «أكثر من 40», else ("", -1)."""
    prev = words[i - 1].text.removeprefix("و") if i else ""
    if prev == "من" and i >= 2 and words[i - 2].text.removeprefix("و") in ("أكثر", "أقل"):
        return _BEFORE[words[i - 2].text.removeprefix("و")], words[i - 2].start
    if prev in _BEFORE and prev not in ("أكثر", "أقل"):
        return _BEFORE[prev], words[i - 1].start
    return "", -1


def with_day_and_year(item: Item, words: Sequence[Word]) -> Item:
    """A month with the day before it and the year after it: «12 أبريل 2017» → "12 April 2017"."""
    i = next(k for k, w in enumerate(words) if w.start <= item.start < w.end)  # «ويونيو»: after its prefix
    english, start, end = item.english, item.start, item.end
    day = words[i - 1].text.translate(_INDIC) if i else ""
    if day.isdigit() and 1 <= int(day) <= 31:
        english, start = f"{day} {english}", words[i - 1].start
    year = words[i + 1].text.translate(_INDIC) if i + 1 < len(words) else ""
    if _YEAR.match(year):
        english, end = f"{english} {year}", words[i + 1].end
    return Item(english, "date", start, end)


_PLACE_NOUNS = frozenset("مدينة مدن بلدة بلدات منطقة مناطق قرية قرى ولاية محافظة إقليم حي ميناء مطار قاعدة واحة "
                         "جبل مدينتي منطقتي".split())
_JOINED = frozenset("بني بن أبو أبي عين رأس راس بئر سيدي وادي أم ام".split())  # first words of two-word names
_NOT_NAMES = frozenset("عدة أخرى آخر عديدة كثيرة مختلفة كبيرة صغيرة واسعة جديدة قريبة بعيدة صعبة آمنة نائية حدودية "
                       "جبلية صحراوية ساحلية سكنية عسكرية محاذية مجاورة محيطة واقعة تقع تابعة تسمى يطلق سيطرة نفوذ "
                       "وجود تواجد انتشار عمليات نزاع صراع اشتباكات قتال تماس قال قالت أكد أكدت أضاف أضافت أشار أعلن "
                       "أعلنت ذكر ذكرت كشف صرح أوضح شدد دعا طالب اتهم وصف نفى أفاد تابع لفت يقول".split())
_PRONOUN = ("ه", "ها", "هم", "هما", "كم", "نا")  # «سيطرته»: a noun with a possessive, not a name


def place_items(words: Sequence[Word], romanizer: Romanizer) -> list[Item]:
    """The names after a place noun («مناطق بني وليد وزليتن»), each conjunct («و…») one item, romanized."""
    out, i = [], 0
    while i < len(words):
        i += 1
        if words[i - 1].text.removeprefix("و").removeprefix("ب") not in _PLACE_NOUNS:
            continue
        first = True
        while i < len(words):
            word = words[i]
            bare = word.text if first else word.text.removeprefix("و")
            if (not first and bare == word.text) or not _may_name(bare):
                break  # a conjunct starts with «و»
            n = 2 if bare in _JOINED and i + 1 < len(words) else 1
            text = " ".join([bare] + [w.text for w in words[i + 1:i + n]])
            start = word.start + len(word.text) - len(bare)
            out.append(Item(romanizer.romanize(text), "place", start, words[i + n - 1].end))
            i, first = i + n, False
    return out


def _may_name(word: str) -> bool:
    return (len(word) > 2 and not word[0].isdigit() and word not in STOPWORDS and word not in _NOT_NAMES
            and word not in _PLACE_NOUNS and not word.endswith(_PRONOUN)
            and not (word.startswith("ال") and word.endswith(("ية", "ي", "يين")))  # «الشرقية»: an adjective
            and not word.endswith("ية"))  # «مدن ليبية»


def person_items(words: Sequence[Word], romanizer: Romanizer, *, first_count: int = 10, count: int = 3
                 ) -> list[Item]:
    """Runs of 2–4 words attested as personal names («خليفة حفتر» → "Khalifa Haftar"); the first word must be a
    common given name (attested `first_count` times), the others at least `count` times; function words, the
    gazetteer's names and adjectives («التونسي») break a run."""
    table = gazetteer_by_arabic()
    out: list[Item] = []
    run: list[tuple[str, int, int]] = []

    def close() -> None:
        if 2 <= len(run) <= 4:
            out.append(Item(romanizer.romanize(" ".join(t for t, _, _ in run)), "person", run[0][1], run[-1][2]))
        run.clear()

    titled = _titled(words, romanizer, count)
    out.extend(titled)
    for w in words:
        if any(t.start <= w.start < t.end for t in titled):
            close()
            continue
        text, start = w.text, w.start
        if not run and text.startswith("و") and romanizer.name_count(text[1:]) >= first_count:
            text, start = text[1:], start + 1  # «ومحمد شرف»
        if run and w.start - run[-1][2] > 1:
            close()  # punctuation or a line between them («برو بول: توماس»)
        usable = _may_name(text) and (w.term,) not in table and text not in _FUNCTION_WORDS
        needed = count if run else first_count
        if usable and romanizer.name_count(text) >= needed:
            run.append((text, start, w.end))
        else:
            close()
    close()
    return sorted(out, key=lambda it: it.start)


_TITLES = frozenset("الجنرال اللواء العقيد العميد المشير الفريق الرائد النقيب الرئيس السيد السيدة الشيخ الدكتور "
                    "الوزير السفير المبعوث الأمير الملك القائد الزعيم المستشار".split())


def _titled(words: Sequence[Word], romanizer: Romanizer, count: int) -> list[Item]:
    """The name after a title («الجنرال توماس وولدهاوس» → "Thomas Waldhauser"-like): 1–3 words, a third only when
    attested as a name; Western names written in Arabic are rarely in the romanizer's dictionary."""
    out = []
    for i, w in enumerate(words[:-1]):
        if w.text.removeprefix("و").removeprefix("ل") not in _TITLES:
            continue
        run: list[Word] = []
        for nxt in words[i + 1:i + 4]:
            prev_end = run[-1].end if run else w.end
            if (nxt.start - prev_end > 1 or not _may_name(nxt.text) or nxt.text in _FUNCTION_WORDS
                    or (len(run) == 2 and romanizer.name_count(nxt.text) < count)):
                break
            run.append(nxt)
        if run:
            text = " ".join(x.text for x in run)
            out.append(Item(romanizer.romanize(text), "person", run[0].start, run[-1].end))
    return out


_FUNCTION_WORDS = frozenset("إلى الى على عن حتى في من مع أن إن بأن لأن لما فإن عليه عليها منذ بعد قبل خلال بين "
                            "ضد عند لدى حول دون غير سوى كل بعض أي".split())


def items(sentence: str, romanizer: Romanizer) -> list[Item]:
    """Everything `sentence` states that a gloss can render, in the order of the sentence; where two overlap, the
    gazetteer's (months with their day and year) wins, then numbers, places after a noun, people."""
    words = words_of(sentence)
    found = [with_day_and_year(it, words) if it.kind == "date" else it for it in gazetteer_items(words)]
    for extra in (number_items(words), place_items(words, romanizer), person_items(words, romanizer)):
        found += [it for it in extra if not any(it.start < f.end and f.start < it.end for f in found)]
    return sorted(found, key=lambda it: it.start)


def gloss(question: str, sentence: str, romanizer: Romanizer, max_items: int = 3,
          near: Collection[str] = ()) -> list[Item]:
    """The items of `sentence` of the kinds `question` asks for (any other question: its places, people and
    organisations), at most `max_items`, each English rendering once; numbers in the unit the question names
    ("How many years …") first, then the items nearest the question's own words in the sentence (`near`: the
    analysed Arabic terms they may be written as, from `rag.lexicon` and `rag.names`; «308 نقطة» before «24»
    for "How many points …?"), else in the sentence's order."""
    kinds = asked_kinds(question) or ("place", "person", "name")
    asked = set(re.findall(r"[a-z%]+", question.lower()))
    chosen: dict[str, Item] = {}
    for it in items(sentence, romanizer):
        if it.kind in kinds and it.english.lower() not in question.lower():
            chosen.setdefault(it.english, it)
    closeness = _closeness(words_of(sentence), near)
    ranked = sorted(chosen.values(), key=lambda it: (it.kind == "number" and not asked & set(it.english.split()),
                                                     -closeness(it)))
    return ranked[:max_items]


def _closeness(words: Sequence[Word], near: Collection[str]) -> Callable[[Item], float]:
    """Item → the sum over the sentence's words outside it that are among `near` of 1 / their distance in words
    (1 next to it). Its own words do not count: a name the question asks about, spelled otherwise in the
    gloss ("Hafter", «حفتر»), must not come first for being itself."""
    anchors = [j for j, w in enumerate(words) if w.term and w.term in near]

    def score(item: Item) -> float:
        inside = [j for j, w in enumerate(words) if item.start < w.end and w.start < item.end]
        if not inside:
            return 0.0
        first, last = inside[0], inside[-1]
        return sum(1.0 / max(first - j, j - last) for j in anchors if not first <= j <= last)
    return score
