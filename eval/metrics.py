"""The evaluation's metrics: small pure functions, each checked by a hand-computed case.

A question (`eval.datasets.Question`) names its gold documents and the strings that show a passage holds
the evidence (`evidence_any`) or an answer is right (`answer_any`). Strings are compared after Arabic
normalisation and case folding, so `أحمد` matches `احمد` and `Zliten` matches `zliten`.

Worked example: the first passage holding the evidence was retrieved at rank 1 for one question, rank 3
for another, and not at all for a third.

>>> ranks = [1, 3, None]
>>> hit_at(ranks, 1), hit_at(ranks, 3)          # 1 of 3, then 2 of 3
(0.3333333333333333, 0.6666666666666666)
>>> mrr(ranks)                                   # (1/1 + 1/3 + 0) / 3
0.4444444444444444

Short answer phrases are scored as in SQuAD (Rajpurkar et al. 2016): token F1 and exact match after lower-casing
and removing punctuation, the articles a/an/the and extra whitespace; the best over the gold phrases counts.

What this leaves out: no judgement of fluency or of claims the strings do not name; a correct answer
phrased without any `answer_any` string counts as a miss (read the per-question report). The SQuAD
normalisation is English-only: it folds no Arabic spelling and strips no Arabic punctuation.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from index.arabic import language_of, normalize


@dataclass(frozen=True)
class Passage:
    """A retrieved or cited passage as the metrics see it."""

    doc_id: str
    text: str


def fold(text: str) -> str:
    """Normalised for matching: Arabic spelling variants folded, Latin lower-cased.

    >>> fold("Zliten أَحْمَد")
    'zliten احمد'
    """
    return normalize(text).casefold()


def contains_any(text: str, needles: Iterable[str]) -> bool:
    """Does `text` contain one of `needles` (after folding)?

    >>> contains_any("وصلوا إلى بني وليد", ["زليتن", "بنى وليد"])
    True
    """
    folded = fold(text)
    return any(n.strip() and fold(n) in folded for n in needles)


def holds_evidence(passage: Passage, gold_docs: Sequence[str], evidence_any: Sequence[str]) -> bool:
    """A passage of a gold document (any document when none are named) that contains an evidence string.

    With no evidence strings, any passage of a gold document counts.
    """
    if gold_docs and passage.doc_id not in gold_docs:
        return False
    return contains_any(passage.text, evidence_any) if evidence_any else bool(gold_docs)


def first_hit_rank(passages: Sequence[Passage], gold_docs: Sequence[str], evidence_any: Sequence[str]) -> int | None:
    """1-based rank of the first passage that holds the evidence, or None.

    >>> ps = [Passage("a", "no"), Passage("b", "x: بني وليد"), Passage("c", "بني وليد")]
    >>> first_hit_rank(ps, ["c"], ["بني وليد"]), first_hit_rank(ps, [], ["بني وليد"])
    (3, 2)
    """
    return next((i for i, p in enumerate(passages, 1) if holds_evidence(p, gold_docs, evidence_any)), None)


def hit_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose first evidence passage is within the top `k`."""
    return sum(r is not None and r <= k for r in ranks) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank; a question with no hit scores 0."""
    return sum(1 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def citation_precision(cited: Sequence[Passage], gold_docs: Sequence[str], evidence_any: Sequence[str]) -> float | None:
    """Share of citations whose passage holds the evidence; None when nothing is cited.

    Citing all five retrieved passages when one holds the evidence scores 1/5:

    >>> ps = [Passage("g", "بضع مئات")] + [Passage(f"x{i}", "other") for i in range(4)]
    >>> citation_precision(ps, ["g"], ["بضع مئات"])
    0.2
    """
    if not cited:
        return None
    return sum(holds_evidence(p, gold_docs, evidence_any) for p in cited) / len(cited)


def abstention_precision_recall(should_abstain: Sequence[bool],
                                abstained: Sequence[bool]) -> tuple[float | None, float | None]:
    """(precision, recall) of abstaining, the positive class being "the archive does not hold the answer".

    Abstaining on all 4 questions, 1 of them unanswerable: precision 1/4, recall 1/1. Never abstaining:
    precision undefined (None), recall 0/1.

    >>> abstention_precision_recall([True, False, False, False], [True, True, True, True])
    (0.25, 1.0)
    >>> abstention_precision_recall([True, False], [False, False])
    (None, 0.0)
    """
    both = sum(s and a for s, a in zip(should_abstain, abstained, strict=True))
    did, should = sum(abstained), sum(should_abstain)
    return (both / did if did else None), (both / should if should else None)


_MARKERS = re.compile(r"\[\d+(?:\s*[,،]\s*\d+)*\]")


def answer_body(text: str, lead: str = "") -> str:
    """The answer without its lead line ("From 2 articles:") and without [n] markers."""
    if lead and text.startswith(lead):
        text = text[len(lead):]
    return _MARKERS.sub("", text).strip()


def text_language(text: str) -> str:
    """The script most of the letters are written in: 'ar', 'en', or '' with no letters.

    >>> text_language("Fighters went to Bani Walid [1]"), text_language("From 1 article:\\nذهبوا إلى بني وليد")
    ('en', 'ar')
    """
    return language_of(text, mixed=False)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def squad_normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no ASCII punctuation, no a/an/the, single spaces.

    >>> squad_normalize("The  Panthers' defense, (in 2015)!")
    'panthers defense in 2015'
    """
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION)).split())


def phrase_f1(prediction: str, golds: Sequence[str]) -> float:
    """SQuAD token F1 of `prediction` against the best of `golds` (bags of normalised tokens).

    "Denver Broncos won" against "the Denver Broncos": 2 tokens shared; precision 2/3, recall 2/2,
    F1 = 2·(2/3)·1 / (2/3 + 1) = 0.8. An empty prediction scores 0 against a non-empty gold phrase.

    >>> phrase_f1("Denver Broncos won", ["the Denver Broncos", "Carolina"])
    0.8
    """
    return max((_token_f1(squad_normalize(prediction).split(), squad_normalize(g).split()) for g in golds),
               default=0.0)


def _token_f1(pred: list[str], gold: list[str]) -> float:
    if not pred or not gold:
        return float(pred == gold)
    same = sum((Counter(pred) & Counter(gold)).values())
    if not same:
        return 0.0
    precision, recall = same / len(pred), same / len(gold)
    return 2 * precision * recall / (precision + recall)


def phrase_exact(prediction: str, golds: Sequence[str]) -> bool:
    """SQuAD exact match: equal to one of `golds` after `squad_normalize`.

    >>> phrase_exact("Denver Broncos.", ["the Denver Broncos"]), phrase_exact("Broncos", ["Denver Broncos"])
    (True, False)
    """
    return any(squad_normalize(prediction) == squad_normalize(g) for g in golds)


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of the values at or below it.

    >>> percentile([40, 10, 30, 20], 50), percentile([40, 10, 30, 20], 95)   # ceil(0.5·4)=2nd, ceil(0.95·4)=4th
    (20, 40)
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def mean(values: Iterable[float | bool | None]) -> float | None:
    """Mean of the values that are not None; None when there are none.

    >>> mean([1.0, None, 0.5]), mean([None])
    (0.75, None)
    """
    kept = [float(v) for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None
