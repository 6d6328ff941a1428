"""The answerability fit: a logistic regression that separates what its signals separate, and its AUC."""

import numpy as np

from eval.fit_answerability import FEATURES, auc, fit, out_of_fold
from rag.answerability import LanguageModel


def test_auc_is_the_chance_an_answerable_question_scores_higher():
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    assert auc(scores, np.array([True, True, False, False])) == 1.0
    assert auc(scores, np.array([False, False, True, True])) == 0.0
    assert auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5


def test_the_fit_weighs_the_signal_that_separates_and_not_the_noise():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.5
    signal = np.where(y, 0.85, 0.80) + rng.normal(0, 0.02, 400)
    noise = rng.normal(0.5, 0.1, 400)
    mean, scale, weights, bias = fit(np.stack([signal, noise], axis=1), y.astype(float))
    model = LanguageModel(("cosine", "names"), tuple(mean), tuple(scale), tuple(weights), bias, 0.5)
    prob = np.array([model.probability({"cosine": s, "names": n}) for s, n in zip(signal, noise)])
    assert weights[0] > 5 * abs(weights[1])
    assert auc(prob, y) > 0.85


def test_each_language_has_the_signals_its_questions_can_use():
    assert "lexical" in FEATURES["ar"] and "names" not in FEATURES["ar"]
    assert "names" in FEATURES["en"] and "lexical" not in FEATURES["en"]


def test_out_of_fold_scores_each_question_with_a_model_that_never_saw_it():
    rng = np.random.default_rng(1)
    y = rng.random(300) < 0.5
    x = (np.where(y, 0.85, 0.80) + rng.normal(0, 0.02, 300))[:, None]
    held = out_of_fold(x, y)
    assert held.shape == (300,) and ((held > 0) & (held < 1)).all()
    assert auc(held, y) > 0.85  # a separating signal still separates questions the weights never saw
    noise = rng.normal(0.5, 0.1, (300, 1))
    assert auc(out_of_fold(noise, y), y) < 0.65  # noise does not, however well it fits its own rows
