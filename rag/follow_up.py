"""Is a question a follow-up to the previous one, or a new question to answer as if asked alone?

A follow-up is searched together with the previous question (`rag.query.retrieval_query`), so a new question
wrongly taken for one is answered from the wrong passages: that is worse than missing a follow-up, which is
only searched with less context. So a question counts as a follow-up only on positive evidence that it leans
on the conversation:

- it opens as a continuation: "and …", "what about …", «وماذا …», «وفي …», «ماذا عن …»;
- it refers to someone or something it does not name: he/she/they/them/his/its…, "there", "that" as a
  pronoun; «هو/هي/هم» outside «ما هو …»/«من هي …», «ذلك/تلك/هناك/هؤلاء», a pronoun suffix (ـه ـها ـهم) on a
  word without «ال»;
- nothing is left once question words and function words are set aside ("Why?", «متى؟», "For how long?").

Length is no evidence: "Who is Khalifa Haftar?" and «ما هي قاعة واغادوغو؟» are short and stand alone.
Measured on `eval/datasets/follow_up_pairs.jsonl` with `python eval/follow_ups.py` (README, Measurements).
What this leaves out: Arabic questions whose only reference is a dropped subject («هل صمد؟»: a verb, but
we cannot tell it from a name without a tagger), and informal spelling of ة as ه, which looks like a suffix.

>>> is_follow_up("and what did he announce?"), is_follow_up("Who is Khalifa Haftar?")
(True, False)
>>> is_follow_up("ومتى تولى منصبه؟"), is_follow_up("ما هي قاعة واغادوغو؟"), is_follow_up("لماذا؟")
(True, False, True)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_EN_OPENING = re.compile(r"^\W*(and|also|but|so|what about|how about|then)\b", re.IGNORECASE)
_EN_PRONOUN = re.compile(r"\b(he|she|they|him|her|them|his|hers|their|theirs|its|these|those)\b", re.IGNORECASE)
# "it" refers back unless it is the dummy subject of "is it true that", "does it take", "it is possible".
_EN_IT = re.compile(r"\bit\b(?!\s+(true|possible|likely|necessary|take|takes|took|cost|costs|matter|mean that))",
                    re.IGNORECASE)
# "there" as a place, not "is there / there are"; "that"/"this" as pronouns, not "said that" or "this year".
_EN_THERE = re.compile(r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(is|are|was|were|been|be)\b)",
                       re.IGNORECASE)
_EN_THAT = re.compile(r"\b(that|this)\s*(\?|$|\s+(happen|happened|mean|means|meant|cause|caused|affect|do)\b)"
                      r"|\b(after|before|since|about|by|to|for|of|from) (that|this)\b(?!\s+\w+\s)", re.IGNORECASE)
_EN_FUNCTION = set("""a an the what who whom whose which when where why how many much long far often is are was were
    be been do does did has have had can could will would should may might must exactly else more again now then
    in on at for of to from by with about than so and or but also it that this there any some why's""".split())

_AR_OPENING = re.compile(r"^\W*(و\s*(ماذا|ما|هل|كم|أين|اين|من|متى|لماذا|لم|كيف|في|إلى|الى|عن|على|بعد|أي|اي)|"
                         r"ماذا عن|ما عن|وبعد|ثم)(\s|$|[؟?])")
_AR_COPULA = re.compile(r"(^|\s)(و?(ما|من|ماذا|أين|اين))\s+(هو|هي|هم|هما|هن)(\s|$)")
_AR_PRONOUN = re.compile(r"(?<!\w)(هو|هي|هم|هما|هن)(?!\w)")
_AR_DEMONSTRATIVE = re.compile(r"(?<!\w)(ذلك|تلك|هؤلاء|أولئك|اولئك)(?!\w)")
_RELATIVE = {"الذي", "التي", "الذين", "اللذين", "اللتين", "اللواتي", "اللاتي", "who", "which", "that", "whose"}
_AR_THERE = re.compile(r"هناك\s*[؟?.!]*\s*$|(^|\s)(ل|و)?هذ[اه]\s*[؟?.!]*\s*$")
_AR_SUFFIX = re.compile(r"^(?!ال|وال|بال|لل|فال|كال)\w{2,}(ه|ها|هم|هما|هن)$")
# Words that end in ه/ها/هم without a pronoun in them (a root letter, or a particle).
_AR_NOT_SUFFIX = set("وجه اتجاه تجاه مياه شبه انتباه اشتباه فقه مهم فهم سهم وهم تهم بتهم متهم مساهم".split())
_AR_SHORT = set("له لها لهم لهما به بها بهم".split())  # a one-letter preposition and its pronoun
_AR_FUNCTION = set("""ما ماذا من متى أين اين كيف لماذا لم كم هل أي اي في على إلى الى عن من مع بعد قبل الآن الان
    الذي التي الذين حتى قد لقد إن ان أن بين كل أكثر اكثر فقط بالضبط ثم أو او لا هو هي هم هذا هذه ذلك تلك""".split())
_WORD = re.compile(r"[^\W\d_]+")


def is_follow_up(question: str) -> bool:
    """True when `question` leans on the conversation before it (see the module docstring)."""
    text = " ".join(question.split())
    if _EN_OPENING.search(text) or _AR_OPENING.search(text):
        return True
    if _EN_THERE.search(text) or _EN_THAT.search(text) or _AR_THERE.search(text):
        return True
    if _AR_DEMONSTRATIVE.search(text) or any(_unnamed_before(text, m.start()) for m in _personal(text)):
        return True
    words = _WORD.findall(text.lower())
    return bool(words) and all(_function(w) for w in words)


def _personal(text: str) -> Iterator[re.Match[str]]:
    """Personal pronouns: English ones, «هو/هي/هم» outside «ما هو X», and Arabic pronoun suffixes."""
    yield from _EN_PRONOUN.finditer(text)
    yield from _EN_IT.finditer(text)
    bare = _AR_COPULA.sub(lambda m: " " * len(m.group()), text)  # «ما هو X» names X: a copula, not a reference
    yield from _AR_PRONOUN.finditer(bare)
    for m in _WORD.finditer(text):
        w = m.group()
        if w in _AR_SHORT or _AR_SUFFIX.match(w) and w not in _AR_NOT_SUFFIX:
            yield m


def _unnamed_before(text: str, at: int) -> bool:
    """A pronoun refers back out of the question unless the question has named something before it: at most
    one content word precedes it ("How many votes did he get?", not "Where did ISIS fighters go after they…"),
    and it is not the resumptive pronoun of a relative clause («المدن التي يسيطر عليها»)."""
    before = _WORD.findall(text[:at].lower())
    if any(w in _RELATIVE for w in before[1:]):  # a first "who"/"which" asks; later, it relates
        return False
    return sum(1 for w in before if not _function(w)) <= 1


def _function(word: str) -> bool:
    return word in _EN_FUNCTION or word in _AR_FUNCTION or word.startswith("و") and word[1:] in _AR_FUNCTION
