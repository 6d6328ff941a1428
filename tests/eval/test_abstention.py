"""The abstention curve on hand-made (support, answerable) pairs, and per configuration and language on judged
results (the arithmetic is in the comments)."""

import pytest

from eval.abstention import OFFSETS, CurvePoint, curve, curves, markdown, thresholds_in_use
from eval.datasets import Question
from eval.runner import judge
from rag.settings import Settings
from rag.types import Answer

PAIRS = [(0.95, True), (0.85, True), (0.80, True), (0.72, True),  # answerable
         (0.90, False), (0.79, False), (0.70, False)]  # unanswerable


def test_each_point_counts_answers_at_or_above_and_abstentions_below_the_threshold():
    points = curve(PAIRS, [0.70, 0.80, 0.90, 0.96])
    # 0.70: all 4 answered; refused: none (0.70 is not below 0.70)
    # 0.80: 0.95, 0.85, 0.80 answered → 3/4; refused 0.79, 0.70 → 2/3
    # 0.90: 0.95 → 1/4; refused 0.79, 0.70 → 2/3 (0.90 itself is answered)
    # 0.96: none answered; all 3 refused
    assert [(p.answer_rate, p.abstain_rate) for p in points] == [
        (1.0, 0.0), (0.75, pytest.approx(2 / 3)), (0.25, pytest.approx(2 / 3)), (0.0, 1.0)]
    assert points[1].balanced == pytest.approx((0.75 + 2 / 3) / 2)


def test_rates_are_monotone_along_the_sweep():
    points = curve(PAIRS, [0.80 + d for d in OFFSETS])
    answered = [p.answer_rate for p in points]
    refused = [p.abstain_rate for p in points]
    assert answered == sorted(answered, reverse=True) and refused == sorted(refused)
    assert OFFSETS[0] == -0.30 and OFFSETS[-1] == 0.30 and len(OFFSETS) == 61 and 0.0 in OFFSETS


def test_a_class_without_questions_is_unmeasured_not_zero():
    only_answerable = curve([(0.9, True)], [0.8])[0]
    assert only_answerable == CurvePoint(0.8, 1.0, None) and only_answerable.balanced is None
    assert curve([], [0.8]) == [CurvePoint(0.8, None, None)]


def _result(config: str, lang: str, answerable: bool, support: float, threshold: float):
    q = Question(id=f"{lang}{support}", question="q", lang=lang, answerable=answerable,
                 gold_docs=("g",) if answerable else ())
    ans = Answer(answer="…", language=lang, abstained=support < threshold, citations=[], support=support,
                 timings_ms={})
    return judge(config, q, (), ans)


def test_curves_are_split_by_configuration_and_question_language_each_swept_around_its_own_threshold():
    results = [_result("c", "en", True, 0.08, 0.06), _result("c", "en", False, 0.03, 0.06),
               _result("c", "ar", True, 0.81, 0.82), _result("c", "ar", False, 0.90, 0.82)]
    sweep, current = curves(results, {"en": 0.06, "ar": 0.82})
    assert set(sweep["c"]) == {"en", "ar"}
    # en at 0.06: the answerable 0.08 answered, the unanswerable 0.03 refused; ar at 0.82: neither
    assert current["c"]["en"] == [CurvePoint(0.06, 1.0, 1.0)]
    assert current["c"]["ar"] == [CurvePoint(0.82, 0.0, 0.0)]
    assert sweep["c"]["en"][0].threshold == pytest.approx(-0.24) and sweep["c"]["ar"][-1].threshold == 1.12
    table = "\n".join(markdown(sweep))
    # δ = −0.05: ar at 0.77 answers its 0.81 (refuses nothing); en at 0.01 answers 0.08 and also the 0.03
    assert "| in use -0.05 (ar 0.770, en 0.010) | 1.000 | 0.000 | 1.000 | 0.000 |" in table
    assert "| in use (ar 0.820, en 0.060) | 0.000 | 0.000 | 1.000 | 1.000 |" in table
    # δ = +0.05: en at 0.11 answers nothing
    assert "| in use +0.05 (ar 0.870, en 0.110) | 0.000 | 0.000 | 0.000 | 1.000 |" in table


def test_the_thresholds_in_use_follow_the_settings():
    assert thresholds_in_use(Settings(min_support=0.5)) == {"en": 0.5, "ar": 0.5}
    assert thresholds_in_use(Settings(min_support_en=0.7))["en"] == 0.7
