"""The evaluation loop over a real knowledge base (hash embedder, Chroma in a temp dir), with scripted generators.

Degenerate strategies must score badly: abstaining on everything, and citing every retrieved passage.
"""

import pytest

from eval.datasets import SEED_QUESTIONS, Question, load_questions
from eval.metrics import Passage
from eval.runner import Config, evaluate, judge, parse_configs, summarize
from index.errors import InputError
from index.types import Hit
from rag.generators import Draft, Evidence, Part
from rag.types import Answer, Citation
from tests.rag.conftest import make_kb


class AbstainAll:
    def generate(self, query, hits) -> Draft:
        return Draft(parts=(), support=0.0)


class CiteAll:
    """One part per retrieved passage, each citing that passage: everything cited, always confident."""

    def generate(self, query, hits: list[Hit]) -> Draft:
        parts = tuple(Part(text=h.chunk.text[:80], evidence=(Evidence(hit=h, sentence=h.chunk.text[:80],
                                                                      start=h.chunk.start, end=h.chunk.start + 80),))
                      for h in hits)
        return Draft(parts=parts, support=1.0)


class Recording:
    """Extractive-like: quotes the first sentence of the top passage, and records everything it was given."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def generate(self, query, hits: list[Hit]) -> Draft:
        self.seen.append(query.text + " " + " ".join(h.chunk.text for h in hits))
        if not hits:
            return Draft(parts=(), support=0.0)
        h = hits[0]
        return Draft(parts=(Part(text=h.chunk.text, evidence=(Evidence(hit=h, sentence=h.chunk.text,
                                                                       start=h.chunk.start, end=h.chunk.end),)),),
                     support=1.0)


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return make_kb(tmp_path_factory.mktemp("eval"), generators={"abstain": AbstainAll(), "cite-all": CiteAll()})


@pytest.fixture(scope="module")
def questions():
    return load_questions(SEED_QUESTIONS)


def test_abstaining_on_everything_scores_badly(kb, questions):
    m = summarize(evaluate(kb, questions, [Config("hybrid", "abstain")]))
    assert m["citation_support"] == 0.0 and m["answer_match"] == 0.0 and m["citation_precision"] is None
    assert m["abstention_recall"] == 1.0
    assert m["abstention_precision"] == pytest.approx(3 / 24)  # right only on the 3 unanswerable of 24
    assert m["answerable_abstained"] == 1.0 and m["ok"] < 0.5


def test_citing_every_passage_scores_badly_on_precision_and_abstention(kb, questions):
    results = evaluate(kb, questions, [Config("hybrid", "cite-all")])
    m = summarize(results)
    assert all(len(r.answer.citations) == 5 for r in results)
    assert m["citation_precision"] < 0.5
    assert m["abstention_recall"] == 0.0 and m["abstention_precision"] is None
    unanswerable = [r for r in results if not r.question.answerable]
    assert all(r.verdict == "miss" and "cannot answer" in r.reason for r in unanswerable)


def test_the_generator_never_sees_the_gold_data(tmp_path):
    recording = Recording()
    kb = make_kb(tmp_path, generators={"recording": recording})
    secret = Question(id="q1", question="Where did ISIS fighters go after Sirte?", lang="en", answerable=True,
                      gold_docs=("GOLD-DOC-7f3a",), evidence_any=("EVIDENCE-9c1e",), answer_any=("ANSWER-4b2d",))
    [result] = evaluate(kb, [secret], [Config("hybrid", "recording")])
    assert recording.seen[-1].startswith(secret.question)
    assert not any(s in seen for seen in recording.seen for s in ("GOLD-DOC-7f3a", "EVIDENCE-9c1e", "ANSWER-4b2d"))
    assert result.verdict == "miss" and result.matched is False and result.rank is None


def test_every_question_runs_under_every_configuration_in_order(kb, questions):
    results = evaluate(kb, questions[:3], [Config("dense", "abstain"), Config("lexical", "cite-all")])
    assert [(r.config, r.question.id) for r in results] == [
        (c, q.id) for c in ("dense/abstain", "lexical/cite-all") for q in questions[:3]]
    assert all(set(r.answer.timings_ms) == {"retrieve", "generate", "total"} for r in results)


def citation(doc_id: str, text: str, n: int = 1) -> Citation:
    return Citation(n=n, doc_id=doc_id, title="t", source="s", date="", url="", chunk_id="c", text=text,
                    quote=text, start=0, end=len(text), score=1.0)


def test_judge_explains_each_kind_of_miss():
    q = Question(id="q", question="Who commands AFRICOM?", lang="en", answerable=True, gold_docs=("g",),
                 evidence_any=("وولدهاوس",), answer_any=("Waldhauser",))
    from eval.metrics import Passage

    retrieved = (Passage("x", "..."), Passage("g", "الجنرال توماس وولدهاوس"))
    arabic = Answer(answer="From 1 article:\nقال الجنرال توماس وولدهاوس [1]", language="en", abstained=False,
                    citations=[citation("g", "الجنرال توماس وولدهاوس")], support=0.9, timings_ms={})
    r = judge("c", q, retrieved, arabic)
    assert r.rank == 2 and r.supported and r.precision == 1.0
    assert r.verdict == "miss" and "none of answer_any" in r.reason and "written in ar, asked in en" in r.reason
    english = arabic.model_copy(update={"answer": "From 1 article:\nGeneral Thomas Waldhauser commands it. [1]"})
    assert judge("c", q, retrieved, english).verdict == "ok"
    abstained = Answer(answer="The articles in the archive do not say.", language="en", abstained=True,
                       citations=[], support=0.7, timings_ms={})
    r = judge("c", q, retrieved, abstained)
    assert r.verdict == "miss" and r.reason == "abstained (support 0.700); evidence retrieved at rank 2"


def test_parse_configs_names_the_unknown_part():
    assert [c.name for c in parse_configs("", mode="hybrid", generator="extractive")] == ["hybrid/extractive"]
    with pytest.raises(InputError, match="'bm25'"):
        parse_configs("dense,bm25", mode="hybrid", generator="extractive")


def test_the_translation_note_does_not_make_an_arabic_answer_count_as_english():
    from eval.metrics import Passage
    from rag.pipeline import TRANSLATION_NOTE

    q = Question(id="q", question="Where did they go?", lang="en", answerable=True, gold_docs=("g",),
                 evidence_any=("بني وليد",), answer_any=("Bani Walid",))
    text = f"From 1 article:\nانتقلوا إلى بني وليد [1]\n{TRANSLATION_NOTE['en']}"
    ans = Answer(answer=text, language="en", abstained=False, citations=[citation("g", "انتقلوا إلى بني وليد")],
                 support=0.9, timings_ms={})
    r = judge("c", q, (Passage("g", "انتقلوا إلى بني وليد"),), ans)
    assert r.answer_language == "ar" and "written in ar" in r.reason


def test_rejected_translations_are_counted_and_explained(tmp_path, questions):
    from rag.generators.grounded import GroundedWriter
    from tests.fakes import HashEmbedder
    from tests.rag.test_grounded_writer import ScriptedChat

    chat = ScriptedChat("General John Smith said so.")  # an invented name: every translation is rejected
    kb = make_kb(tmp_path, generator="llamacpp", writers={"llamacpp": GroundedWriter(chat, HashEmbedder(),
                                                                                     min_similarity=0.0)})
    english = [q for q in questions if q.lang == "en" and q.answerable][:2]
    results = evaluate(kb, english, [Config("hybrid", "llamacpp")])
    assert all(r.translations and set(r.translations) != {"kept"} for r in results)
    assert all("translations kept 0 of" in r.reason for r in results)
    assert any("names not in the evidence: ['John', 'Smith']" in r.reason for r in results)
    assert summarize(results)["translations_kept"] == 0.0
    assert summarize(evaluate(kb, english, [Config("hybrid", "extractive")]))["translations_kept"] is None


def test_the_answer_text_is_scored_as_a_phrase_for_questions_with_gold_phrases_only():
    from eval.metrics import Passage

    q = Question(id="q", question="How many points did the Panthers defense surrender?", lang="en",
                 answerable=True, gold_docs=("g",), evidence_any=("308",), answer_any=("308",), phrases=("308",))
    retrieved = (Passage("g", "لم يتخلى فريق بانثرز سوى عن 308 نقطة"),)
    short = Answer(answer="From 1 article:\n308 [1]", language="en", abstained=False,
                   citations=[citation("g", "308")], support=0.9, timings_ms={})
    r = judge("c", q, retrieved, short)
    assert (r.phrase_f1, r.phrase_em) == (1.0, True)  # lead and marker are not part of the phrase
    # the extractive quote: 1 shared token ("308") of 7 → P 1/7, R 1 → F1 2·(1/7)/(8/7) = 1/4; not exact
    quote = short.model_copy(update={"answer": "From 1 article:\nلم يتخلى فريق بانثرز سوى عن 308 [1]"})
    r = judge("c", q, retrieved, quote)
    assert r.phrase_f1 == pytest.approx(0.25) and r.phrase_em is False
    abstained = short.model_copy(update={"answer": "The articles in the archive do not say.", "abstained": True,
                                         "citations": []})
    assert judge("c", q, retrieved, abstained).phrase_f1 == 0.0
    arabic = Question(id="q2", question="كم نقطة؟", lang="ar", answerable=True, gold_docs=("g",),
                      evidence_any=("308",), answer_any=("308",))
    r = judge("c", arabic, retrieved, short)
    assert r.phrase_f1 is None and r.phrase_em is None
    assert summarize([r])["phrase_f1"] is None


def test_a_gold_document_folded_as_a_near_duplicate_counts_through_the_article_it_was_folded_into(tmp_path):
    kb = make_kb(tmp_path, generators={"cite-all": CiteAll()})
    text = (tmp_path / "articles" / "000_f77978ab9cd701d8.txt").read_text(encoding="utf-8")
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "wire-copy.txt").write_text(text, encoding="utf-8")
    kb.ingest([tmp_path / "copy"])
    assert {d.doc_id: d.copy_of for d in kb.docs()}["wire-copy"] == "000_f77978ab9cd701d8"
    q = Question(id="q", question="هل تتنقل سرايا الصحراء بين مناطق بني وليد وزليتن غرب سرت؟", lang="ar",
                 answerable=True, gold_docs=("wire-copy",), evidence_any=("بني وليد",), answer_any=("بني وليد",))
    [result] = evaluate(kb, [q], [Config("hybrid", "cite-all")])
    assert result.question.gold_docs == ("wire-copy", "000_f77978ab9cd701d8")
    assert result.rank == 1  # the kept article's passage; by the copy's own id alone nothing could match
    passages = tuple(Passage(h.chunk.doc_id, h.chunk.text) for h in kb.search(q.question, top_k=10))
    assert judge("x", q, passages, result.answer).rank is None


def test_the_first_phrase_line_of_the_answer_is_scored_not_the_whole_body():
    from eval.metrics import Passage

    q = Question(id="q", question="How many points did the Panthers defense surrender?", lang="en",
                 answerable=True, gold_docs=("g",), evidence_any=("308",), answer_any=("308",), phrases=("308",))
    retrieved = (Passage("g", "لم يتخلى فريق بانثرز سوى عن 308 نقطة"),)
    first = citation("g", "لم يتخلى فريق بانثرز سوى عن 308 نقطة", n=2).model_copy(update={"phrase": "308 points"})
    second = citation("g", "ليحتل المركز السادس", n=1).model_copy(update={"phrase": "sixth place"})
    # phrases come best first, so [2] opens the answer; the quote without a phrase and the note are not scored
    text = "From 1 article:\n308 points [2]\nsixth place [1]\nجملة بلا عبارة [3]\n(Machine-translated ...)"
    ans = Answer(answer=text, language="en", abstained=False, citations=[second, first, citation("g", "x", 3)],
                 support=0.9, timings_ms={})
    r = judge("c", q, retrieved, ans)
    assert r.phrase_f1 == pytest.approx(2 / 3) and r.phrase_em is False  # "308 points" vs "308"
    exact = ans.model_copy(update={"answer": text.replace("308 points", "308"),
                                   "citations": [second, first.model_copy(update={"phrase": "308"})]})
    assert (judge("c", q, retrieved, exact).phrase_f1, judge("c", q, retrieved, exact).phrase_em) == (1.0, True)
