"""Answer phrases for an English question: one short English phrase per Arabic evidence sentence, checked.

The extractive generator has already chosen the evidence sentences and the pipeline has decided not to abstain.
For each Arabic evidence sentence, best first, a small chat model is asked (its reply held to a JSON schema,
which llama.cpp turns into a grammar) for `{"arabic_span", "english"}`: the shortest run of the sentence's own
words that answers the question, and that run rendered in English ("about 450 km east of Tripoli"). A short
span leaves a 1.5B model little room to invent, and each reply is checked before anything is shown:

- the span is a substring of the sentence (whitespace, diacritics and أ/ا-style variants aside: `find_span`), and
  what is shown is the sentence's own text at those offsets, so it maps back to the article;
- the English is a short phrase (at most `max_words` words) in Latin script;
- every number in it (digits or English number words) is in the span (digits, or Arabic number words), and every
  digit number of the span is kept;
- every capitalised word is in the question or the span, or sounds like a word of the span (`unknown_names`);
- it does not address a model nor copy Latin text planted in the Arabic (`planted.py`);
- it is not only words of the question ("in Sirte" for "… after they left Sirte?"), and a question only a number
  answers ("How many …", "What year …") gets a phrase that states one.

A phrase that passes is yielded at once (the answer streams a phrase at a time); evidence whose phrase fails
shows its Arabic quote, after the phrases, with the reason in its `Check`, headed by its English gloss when it has
one (`rag.generators.glosses`: names, places, dates, numbers rendered without the model).
Only the best `max_sentences` (2) evidence sentences are asked about, more only while none has given a phrase:
on 2 shared cores one call takes 3–8 s, nearly all of it reading the sentence. One call per sentence rather
than one for all: the first phrase arrives after one short call, and the shared system prompt and examples are
served from llama.cpp's prompt cache, so the calls together cost about what one long call would (reading the
sentences dominates either way).

With `glosses`, a question of a known kind (where, when, how many, who) first has the model pick its answer among
the glosses of the best evidence sentences (`choices.py`: one call, a number held to the candidates); only when it
picks none, or there are fewer than two, are phrases asked for as above.

Arabic questions go to `sentences` (whole-sentence translation of any English evidence; Arabic evidence is
quoted as is). English evidence for an English question is quoted as is.
What this leaves out: no check that the span answers the question (the eval's phrase F1 measures that), nor of
the English's meaning beyond numbers and names (a wrong common word passes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from index.arabic import language_of
from rag.generators import Check, Evidence, Part, Phrase, Writer
from rag.generators.choices import choose
from rag.generators.glosses import GlossWriter
from rag.generators.grounded import Reply, number_words, unknown_names
from rag.generators.openai import numbers_in
from rag.generators.planted import addresses_a_model, copies_embedded_text
from rag.query import Query

SYSTEM = """You read one Arabic news sentence and an English question. Copy the shortest exact run of words from the
Arabic sentence that answers the question, and translate only those words into English: a short phrase, not a
sentence. Keep numbers and names as they are; add nothing. If the sentence does not answer the question, reply
with empty strings."""
# Two worked examples (not from any archive or eval set) fix the reply's form; llama.cpp caches this prefix.
EXAMPLES = (("Who said the forces took control of Derna?",
             "وقال المتحدث باسم الجيش أحمد المسماري إن القوات سيطرت على مدينة درنة يوم الخميس.",
             {"arabic_span": "المتحدث باسم الجيش أحمد المسماري", "english": "army spokesman Ahmed al-Mismari"}),
            ("How many people were wounded in the blast?",
             "وأسفر الانفجار عن مقتل شخصين وإصابة 17 آخرين بجروح، بحسب مصادر طبية.",
             {"arabic_span": "17 آخرين", "english": "17 others"}))
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"arabic_span": {"type": "string", "maxLength": 160},
                   "english": {"type": "string", "maxLength": 100}},
    "required": ["arabic_span", "english"],
}
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")


class SchemaChat(Protocol):
    def warm_up(self) -> None: ...

    def chat(self, messages: Sequence[dict[str, str]], *, max_tokens: int,
             json_schema: dict[str, Any] | None = None) -> Reply: ...


class PhraseWriter:
    """English question: a checked phrase per Arabic evidence sentence, phrases first, then the failed quotes."""

    def __init__(self, chat: SchemaChat, sentences: Writer, *, glosses: GlossWriter | None = None,
                 max_sentences: int = 2, max_words: int = 12, max_tokens: int = 160) -> None:
        """`glosses` heads the quotes left without a phrase with their English gloss (`rag.glosses`)."""
        self.chat = chat
        self.sentences = sentences
        self.glosses = glosses
        self.max_sentences = max_sentences
        self.max_words = max_words
        self.max_tokens = max_tokens

    def warm_up(self) -> None:
        self.chat.warm_up()
        if self.glosses is not None:
            self.glosses.warm_up()

    def write(self, query: Query, parts: Sequence[Part], on_draft: Callable[[str], None] | None = None
              ) -> Iterator[Part]:
        """Each kept phrase as soon as it is checked (best evidence first), then the parts without one as quotes.
        The best `max_sentences` Arabic sentences are asked about, and further ones only while no phrase has been
        kept (each call costs seconds on a CPU, reading the sentence dominates, but an answer should open in
        English); the others are quoted as drafted, without a `check`.
        `on_draft` is not called: a half-written JSON reply is nothing to show."""
        if query.language != "en":
            yield from self.sentences.write(query, parts, on_draft)
            return
        glosses = self.glosses
        if glosses is not None and (chosen := choose(self.chat, query, parts, glosses)) is not None:
            yield chosen  # the model picked the answer among the glosses: the other parts are glossed
            near = glosses.near(query.text)
            yield from (glosses.glossed(query, p, near) or p for p in parts if p.evidence != chosen.evidence)
            return
        quoted: dict[int, Part] = {}  # by the part's place in the draft
        asked, kept = 0, 0
        for i in sorted(range(len(parts)), key=lambda i: -max(e.score for e in parts[i].evidence)):
            part = parts[i]
            if language_of(part.text) in ("en", ""):
                yield part
                continue
            if asked >= self.max_sentences and kept:
                quoted[i] = part
                continue
            asked += 1
            evidence = part.evidence[0]
            phrase, check = self.check(self._ask(query.text, evidence.sentence), evidence, query.text)
            if phrase is None:
                quoted[i] = Part(text=part.text, evidence=part.evidence, check=check)
            else:
                kept += 1
                yield Part(text=phrase.text, evidence=part.evidence, check=check, phrase=phrase)
        known = self.glosses.near(query.text) if self.glosses is not None and quoted else None
        for i in sorted(quoted):
            glossed = self.glosses.glossed(query, quoted[i], known) if self.glosses is not None else None
            yield glossed or quoted[i]

    def _ask(self, question: str, sentence: str) -> str:
        """The model's raw JSON reply ("" when cut off by max_tokens)."""
        messages = [{"role": "system", "content": SYSTEM}]
        for example_q, example_s, example_a in EXAMPLES:
            messages += [{"role": "user", "content": f"Question: {example_q}\nSentence: {example_s}"},
                         {"role": "assistant", "content": json.dumps(example_a, ensure_ascii=False)}]
        messages.append({"role": "user", "content": f"Question: {question}\nSentence: {sentence}"})
        reply = self.chat.chat(messages, max_tokens=self.max_tokens, json_schema=SCHEMA)
        return "" if reply.finish_reason == "length" else reply.text

    def check(self, reply: str, evidence: Evidence, question: str) -> tuple[Phrase | None, Check]:
        """(the phrase, kept) when every check passes, else (None, why not)."""
        span, english = parse(reply)
        if span is None or english is None:
            return None, Check(False, "no reply, or cut off at max_tokens")
        if not span or not english:
            return None, Check(False, "no answer in this sentence")
        found = find_trimmed(span, evidence.sentence)
        if found is None:
            return None, Check(False, "span not in the evidence sentence")
        span = evidence.sentence[found[0]:found[1]]
        if len(english.split()) > self.max_words:
            return None, Check(False, f"not a short phrase ({len(english.split())} words)")
        if _ARABIC_LETTER.search(english):
            return None, Check(False, "not written in English")
        if addresses_a_model(english) or copies_embedded_text(english, span):
            return None, Check(False, "obeys or copies text in the evidence instead of rendering it")
        stated, digits = english_numbers(english), numbers_in(span)
        if not stated <= digits | number_words(span):
            return None, Check(False, f"numbers not in the span: {sorted(stated - digits)}")
        if not digits <= stated:
            return None, Check(False, f"numbers of the span dropped: {sorted(digits - stated)}")
        unknown = unknown_names(english, span, question, phrase=True)
        if unknown:
            return None, Check(False, f"names not in the span: {unknown}")
        if repeats(english, question):
            return None, Check(False, "only repeats words of the question")
        if asks_for_a_number(question) and not stated:
            return None, Check(False, "no number for a question asking for one")
        return article_phrase(english, span, found, evidence), Check(True)


_ENGLISH_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
                                                     "seventy": "70", "eighty": "80", "ninety": "90",
                                                     "hundred": "100", "thousand": "1000", "million": "1000000"}


def english_numbers(text: str) -> set[str]:
    """The numbers a phrase states, in digits or as English words ("four" → "4"; "a hundred" → "100").

    >>> sorted(english_numbers("four balls, 1,200 fans and a hundred guests"), key=int)
    ['4', '100', '1200']
    """
    words = {_ENGLISH_NUMBERS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _ENGLISH_NUMBERS}
    return numbers_in(text) | words


_NUMBER_QUESTION = re.compile(r"\b(how (many|much|long|far|old)|what (year|percentage)|which year|in what year)\b",
                              re.IGNORECASE)


_FILLER = frozenset("a an the of in on at to by for from with and or its their his her".split())


def repeats(english: str, question: str) -> bool:
    """The phrase's words are all words of the question (a plural s aside): it names what was asked about, not
    the answer ("in Sirte" for "Where did ISIS fighters go after they left Sirte?").

    >>> repeats("in Sirte", "Where did fighters go after they left Sirte?"), repeats("to Bani Walid", "Where to?")
    (True, False)
    """
    def words(text: str) -> set[str]:
        return {w.removesuffix("s") for w in re.findall(r"[a-z0-9]+", text.lower())} - _FILLER
    said = words(english)
    return bool(said) and said <= words(question)


def asks_for_a_number(question: str) -> bool:
    """A question only a number answers ("How many …", "What year …"): a phrase without one is not its answer.

    >>> asks_for_a_number("How many points did they give up?"), asks_for_a_number("Who sang the anthem?")
    (True, False)
    """
    return bool(_NUMBER_QUESTION.search(question))


def parse(reply: str) -> tuple[str | None, str | None]:
    """(arabic_span, english), stripped; (None, None) for a reply that is not the schema's object.

    >>> parse('{"arabic_span": " 308 نقطة", "english": "308 points "}'), parse('{"arabic_span": "x"')
    (('308 نقطة', '308 points'), (None, None))
    """
    try:
        value = json.loads(reply)
    except ValueError:
        return None, None
    if not isinstance(value, dict):
        return None, None
    span, english = value.get("arabic_span"), value.get("english")
    if not isinstance(span, str) or not isinstance(english, str):
        return None, None
    return span.strip(), english.strip().strip('"“”«».').strip()


_MARKS = "[\u064b-\u0652\u0670\u0640]*"  # diacritics and tatweel, which a copy may drop or reorder
_VARIANTS = {"ا": "[اأإآ]", "أ": "[اأإآ]", "إ": "[اأإآ]", "آ": "[اأإآ]", "ي": "[يى]", "ى": "[يى]", "ه": "[هة]",
             "ة": "[هة]"}


def find_span(span: str, sentence: str) -> tuple[int, int] | None:
    """Offsets of `span` in `sentence`, or None if absent. A small model's copy may differ from the sentence in
    whitespace, diacritics, tatweel and the spelling variants search folds (أ/ا, ى/ي, ة/ه): those are ignored, and
    the caller shows the sentence's own text at the offsets found, never the model's copy.

    >>> find_span("على بعد  450 كم", "تقع على بعد 450\\nكم شرقا"), find_span("450 ميل", "على بعد 450 كم")
    ((4, 18), None)
    >>> s = "في سنٍ أكبر"; a, b = find_span("سن اكبر", s); s[a:b]
    'سنٍ أكبر'
    """
    words = re.sub(_MARKS, "", span).split()
    if not words:
        return None
    pattern = r"\s+".join("".join(_VARIANTS.get(ch, re.escape(ch)) + _MARKS for ch in w) for w in words)
    match = re.search(pattern, sentence)
    return (match.start(), match.end()) if match else None


def find_trimmed(span: str, sentence: str) -> tuple[int, int] | None:
    """`find_span`, or failing that the span without its first or its last word when it has 3 or more (a small
    model often garbles an edge word of its copy: «الخط» for «خط»); the English is then checked against the
    shorter span the sentence really holds.

    >>> s = "وقد ضم خط الفريق المدافع جاريد ألان"; a, b = find_trimmed("الخط الفريق المدافع", s); s[a:b]
    'الفريق المدافع'
    >>> find_trimmed("الخط الفريق", s) is None
    True
    """
    words = span.split()
    candidates = [words] + ([words[1:], words[:-1]] if len(words) >= 3 else [])
    return next((found for w in candidates if (found := find_span(" ".join(w), sentence))), None)


def article_phrase(english: str, span: str, found: tuple[int, int], evidence: Evidence) -> Phrase:
    """The phrase with its span's offsets in the article: exact when cleaning left the sentence's length as it
    was in the article, else the whole sentence's (see `Phrase`)."""
    if evidence.end - evidence.start == len(evidence.sentence):
        return Phrase(text=english, span=span, start=evidence.start + found[0], end=evidence.start + found[1])
    return Phrase(text=english, span=span, start=evidence.start, end=evidence.end)
