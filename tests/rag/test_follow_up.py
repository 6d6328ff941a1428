"""The follow-up detector on the held-out pairs: new questions are answered alone, follow-ups with context."""

import pytest

from eval.follow_ups import load_pairs, score
from rag.follow_up import is_follow_up
from rag.query import retrieval_query
from rag.types import Turn


def test_on_held_out_pairs_a_new_question_is_almost_never_merged_with_the_previous_one():
    scores, wrong = score(load_pairs(split="test"))
    assert scores.n >= 60
    assert scores.precision >= 0.95, wrong  # a wrong merge changes the answer: rare
    assert scores.recall >= 0.85, wrong


def test_the_same_question_in_the_other_language_is_answered_alone():
    history = [Turn(role="user", content="Where did ISIS fighters go after they left Sirte?"),
               Turn(role="assistant", content="From 2 articles: …")]
    arabic = "إلى أين انتقل مقاتلو داعش بعد خروجهم من سرت؟"
    assert retrieval_query(arabic, history) == arabic


@pytest.mark.parametrize("question", ["How far is Sirte from Tripoli?", "Who is Khalifa Haftar?", "What is ISIS?",
                                      "ما هي قاعة واغادوغو؟", "من هو فايز السراج؟", "هل هناك طريق إلى الكفرة؟"])
def test_short_questions_that_name_their_subject_stand_alone(question):
    assert not is_follow_up(question)


@pytest.mark.parametrize("question", ["And in Morocco?", "Why?", "What did he say?", "Did it hold?",
                                      "وماذا عن تونس؟", "لماذا؟", "ومن يدعمها؟", "كيف ردت الأسواق على ذلك؟"])
def test_questions_that_lean_on_the_conversation_are_follow_ups(question):
    assert is_follow_up(question)
