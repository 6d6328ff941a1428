"""Whether the archive answers a question: several signals, one calibrated score (`Draft.support`).

One cosine threshold did not carry over between collections: the Arabic threshold that kept 0.82 of
XQuAD's unanswerable questions out refused 0.20 of ARCD's. What the draft already holds says more:

    cosine            the best question–sentence cosine of the evidence
    level             the question's cosine with ordinary Arabic news (`rag/background.py`): a question that
                      scores high against everything needs a higher cosine to mean something
    lexical           idf-weighted share of the question's terms found in one retrieved passage (the best);
                      a term the archive has never seen weighs the most
    lexical_sentence  the same over the best evidence sentences
    names             English questions: share of their names and numbers that the retrieved passages
                      contain, by sound or gazetteer (`rag/names.py`); 1 when the question names nothing
    passage           the dense cosine of the top retrieved passage: how well the question's topic is met,
                      where `cosine` says how well one sentence is
    places            share of the question's gazetteer places and organisations that the passages the answer
                      cites mention (`rag/places.py`); not a feature of the model but a factor on its probability

Each language has its own logistic model over its own signals (Arabic questions: cosine, level, lexical,
lexical_sentence, passage; English questions over Arabic text share no terms with it, so: cosine, level, names,
passage). `passage` was chosen by 5-fold cross-validation over the training rows (`fit_answerability.py
--rows`; refused at 0.90 answered: English 0.762 → 0.909, ARCD-train 0.868 → 0.883). Its gap to the 5th passage
did better there (ARCD-train 0.906) but does not carry over to news: an archive of many stories on one subject
has near-equal top passages for answerable questions too (median gap 0.002 for the Arabic seed questions over
the seed and ANT Libya articles, against 0.068 answerable and 0.015 unanswerable in ARCD-train). The model is
fitted by `eval/fit_answerability.py` on the held-out splits of ARCD-train and xquad-ar-en-dev and stored in
`data/answerability.json` with the command and figures. The support is the model's probability that the
archive answers; the default threshold per language is read off the training curves (each training set
answers 0.90 of its answerable questions) and is stored beside the weights.

What it leaves out: whether the evidence states the answer (a passage can name everything the question
names and still not say where they went); an LLM check of that is not in the default tier.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from index.lexical import analyze

MODEL_FILE = Path(__file__).parent / "data" / "answerability.json"


class TermStats(Protocol):
    """Document frequencies of the archive's terms (the lexical index)."""

    n: int

    def df(self, term: str) -> int: ...


def term_coverage(stats: TermStats, question_terms: Sequence[str], texts: Sequence[str]) -> float:
    """The largest idf-weighted share of the question's terms that one of `texts` contains (0 for none).

    A term the archive does not know weighs as much as its rarest one (a question about something never
    written about should not be carried by its common words). A term counts as found when a word of the text
    is it or extends it by a suffix the light stemmer keeps (انتقل ~ انتقلوا).

    >>> class Stats:
    ...     n = 10
    ...     def df(self, term): return {"سرت": 9, "انتقل": 1}.get(term, 0)
    >>> round(term_coverage(Stats(), ["انتقل", "سرت", "طرابلس"], ["انتقلوا من سرت", "في طرابلس"]), 3)
    0.518
    """
    if not question_terms or not texts:
        return 0.0
    n = max(stats.n, 1)
    weights = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t in question_terms
               for df in (max(stats.df(t), 1),)}
    total = sum(weights.values())
    return max(sum(w for t, w in weights.items() if _found(t, have)) / total
               for have in (set(analyze(text)) for text in texts))


def _found(term: str, words: set[str]) -> bool:
    return term in words or (len(term) >= 4 and any(w.startswith(term) and len(w) - len(term) <= 2 for w in words))


# Question words carry no evidence (normalised: ى → ي, أ → ا).
QUESTION_WORDS_AR = frozenset("اين متي كيف لماذا ماذا كم هل اي ايه ماهي ماهو".split())


def question_terms(question: str) -> list[str]:
    """The question's analysed terms, once each, without question words."""
    return [t for t in dict.fromkeys(analyze(question)) if t not in QUESTION_WORDS_AR]


@dataclass(frozen=True)
class LanguageModel:
    """A logistic model: features standardised by `mean` and `scale`, then weighted."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float  # the default minimum support (probability) for this language

    def probability(self, signals: Mapping[str, float]) -> float:
        z = self.bias + sum(w * (signals[f] - m) / s for f, m, s, w in
                            zip(self.features, self.mean, self.scale, self.weights))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@dataclass(frozen=True)
class AnswerabilityModel:
    by_language: Mapping[str, LanguageModel]

    def support(self, language: str, signals: Mapping[str, float]) -> float:
        """The probability that the archive answers, scaled by the share of the question's places that the
        passages mention (`places`, not fitted: a question about a place no passage names is not answered)."""
        return self.by_language[language].probability(signals) * signals.get("places", 1.0)

    def thresholds(self) -> dict[str, float]:
        return {lang: m.threshold for lang, m in self.by_language.items()}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AnswerabilityModel:
        models = data["languages"]
        assert isinstance(models, dict)
        return cls({lang: LanguageModel(features=tuple(m["features"]), mean=tuple(m["mean"]),
                                        scale=tuple(m["scale"]), weights=tuple(m["weights"]), bias=float(m["bias"]),
                                        threshold=float(m["threshold"])) for lang, m in models.items()})


@cache
def bundled_model(path: Path = MODEL_FILE) -> AnswerabilityModel:
    """The fitted model shipped with the package (read once)."""
    return AnswerabilityModel.from_json(json.loads(path.read_text(encoding="utf-8")))
