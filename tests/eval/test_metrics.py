"""Each metric on a small case computed by hand (the arithmetic is in the comments)."""

import math

import pytest

from eval.metrics import (
    Passage,
    abstention_precision_recall,
    answer_body,
    citation_precision,
    contains_any,
    first_hit_rank,
    hit_at,
    holds_evidence,
    mean,
    mrr,
    percentile,
    phrase_exact,
    phrase_f1,
    squad_normalize,
    text_language,
)

GOLD = ["gold"]
EVIDENCE = ["بني وليد"]


def test_hit_at_k_counts_questions_whose_first_evidence_rank_is_within_k():
    ranks = [1, 2, 5, None, 11]
    # k=1: {1} → 1/5; k=3: {1, 2} → 2/5; k=5: {1, 2, 5} → 3/5; k=10: same 3/5 (11 is outside)
    assert [hit_at(ranks, k) for k in (1, 3, 5, 10)] == [0.2, 0.4, 0.6, 0.6]
    assert hit_at([], 5) == 0.0


def test_mrr_averages_reciprocal_ranks_with_misses_as_zero():
    # (1/1 + 1/2 + 1/4 + 0) / 4 = 1.75 / 4
    assert mrr([1, 2, 4, None]) == pytest.approx(0.4375)


def test_evidence_needs_a_gold_document_and_an_evidence_string_after_normalisation():
    assert holds_evidence(Passage("gold", "انتقلوا إلى بنى وليد"), GOLD, EVIDENCE)  # ى vs ي folded
    assert not holds_evidence(Passage("other", "انتقلوا إلى بني وليد"), GOLD, EVIDENCE)  # wrong document
    assert not holds_evidence(Passage("gold", "انتقلوا إلى الجنوب"), GOLD, EVIDENCE)  # no evidence string
    assert holds_evidence(Passage("gold", "anything"), GOLD, [])  # no strings named: the gold document suffices
    assert not holds_evidence(Passage("x", "anything"), [], [])  # unanswerable question: nothing supports it


def test_first_hit_rank_is_one_based_and_skips_gold_passages_without_the_evidence():
    passages = [Passage("gold", "مقدمة"), Passage("other", "بني وليد"), Passage("gold", "بني وليد")]
    assert first_hit_rank(passages, GOLD, EVIDENCE) == 3
    assert first_hit_rank(passages[:2], GOLD, EVIDENCE) is None


def test_citation_precision_is_the_share_of_citations_holding_the_evidence():
    cited = [Passage("gold", "بني وليد"), Passage("gold", "مقدمة"), Passage("other", "بني وليد"),
             Passage("gold", "زليتن وبني وليد")]
    assert citation_precision(cited, GOLD, EVIDENCE) == 0.5  # 1st and 4th of 4
    assert citation_precision([], GOLD, EVIDENCE) is None


def test_abstention_precision_and_recall_treat_unanswerable_as_positive():
    should = [True, True, False, False, False]
    did = [True, False, True, False, False]
    # abstained on 2, 1 of them rightly → P = 1/2; 2 unanswerable, 1 caught → R = 1/2
    assert abstention_precision_recall(should, did) == (0.5, 0.5)
    assert abstention_precision_recall([False, False], [False, False]) == (None, None)


def test_answer_match_folds_case_and_arabic_spelling():
    assert contains_any("They moved to ZLITEN.", ["Zliten"])
    assert contains_any("قال توماس وولدهاوس", ["توماس وولدهاوس"])
    assert contains_any("انسحبوا إلى الصحراء", ["الصّحراء"])  # diacritic in the gold string
    assert not contains_any("They moved south.", ["Zliten", "بني وليد"])
    assert not contains_any("anything", ["", "  "])  # empty gold strings never match


def test_answer_language_reads_the_body_without_lead_and_markers():
    body = answer_body("From 2 articles:\nانتقلوا إلى بني وليد [1][2]", "From 2 articles:")
    assert body == "انتقلوا إلى بني وليد"
    assert text_language(body) == "ar"
    assert text_language("They went to Bani Walid, near زليتن [1].") == "en"  # 21 Latin vs 5 Arabic letters
    assert text_language("[1] 450") == ""


def test_percentile_is_nearest_rank():
    values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    # sorted 1..10: p50 → ceil(0.5·10) = 5th = 5; p95 → ceil(9.5) = 10th = 10; p10 → 1st = 1
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 10)) == (5, 10, 1)
    assert math.isnan(percentile([], 50))


def test_mean_ignores_unmeasured_values():
    assert mean([True, False, None, True]) == pytest.approx(2 / 3)
    assert mean([]) is None


def test_squad_normalisation_drops_case_punctuation_articles_and_extra_spaces():
    assert squad_normalize("  The Denver   Broncos!") == "denver broncos"
    assert squad_normalize("An apple, a pear") == "apple pear"
    assert squad_normalize("theatre another") == "theatre another"  # articles only as whole words


def test_phrase_f1_is_token_overlap_against_the_best_gold_phrase():
    # "Carolina Panthers team" vs "the Carolina Panthers": 2 shared of 3 predicted, 2 gold → P 2/3, R 1, F1 0.8
    assert phrase_f1("Carolina Panthers team", ["the Carolina Panthers"]) == pytest.approx(0.8)
    # vs "Panthers" alone: 1 shared → P 1/3, R 1 → F1 0.5; the best gold phrase counts
    assert phrase_f1("Carolina Panthers team", ["Panthers", "Carolina Panthers"]) == pytest.approx(0.8)
    assert phrase_f1("Carolina Panthers team", ["Panthers"]) == pytest.approx(0.5)
    # repeated tokens count once per occurrence in both: "308 308" vs "308" → 1 shared, P 1/2, R 1 → 2/3
    assert phrase_f1("308 308", ["308"]) == pytest.approx(2 / 3)
    assert phrase_f1("", ["308"]) == 0.0 and phrase_f1("Denver", []) == 0.0
    assert phrase_f1("فريق بانثرز", ["Panthers"]) == 0.0  # an Arabic quote shares no token with English


def test_phrase_exact_match_after_normalisation_only():
    assert phrase_exact("the Denver Broncos.", ["Denver Broncos"])
    assert not phrase_exact("Denver Broncos won", ["Denver Broncos"])
    assert not phrase_exact("", ["Denver Broncos"])
