"""XQuAD-ar-en dev (Artetxe, Ruder, Yogatama, ACL 2020; CC BY-SA 4.0), read from ../shared/datasets: the loader,
the held-out article split, and `rag eval --dataset xquad-dev` end to end over the hash embedder."""

import json

import pytest

from eval.command import run
from eval.datasets import XQUAD_DIR, article_of, held_out_split, write_jsonl, xquad_dev
from rag.cli import _parser, commands
from rag.kb import KnowledgeBase
from rag.settings import Settings
from tests.fakes import HashEmbedder

pytestmark = pytest.mark.skipif(not XQUAD_DIR.is_dir(), reason="shared datasets not present")


@pytest.fixture(scope="module")
def xquad():
    return xquad_dev()


def test_every_xquad_question_is_asked_in_english_then_arabic_with_the_same_gold_data(xquad):
    records, questions = xquad
    assert len(records) == 120 and len(questions) == 2 * 632
    raw = [json.loads(line) for line in (XQUAD_DIR / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    for r, en, ar in zip(raw, questions[0::2], questions[1::2], strict=True):
        assert (en.lang, en.question, ar.lang, ar.question) == ("en", r["question_en"], "ar", r["question_ar"])
        assert en.gold_docs == ar.gold_docs == (r["doc_id"],)
        assert en.evidence_any == ar.evidence_any == tuple(r["answers_ar"])  # evidence: the Arabic span
        assert set(en.answer_any) == set(ar.answer_any) == set(r["answers_ar"] + r["answers_en"])
        assert en.phrases == tuple(r["answers_en"]) and ar.phrases == ()
    assert len({q.id for q in questions}) == len(questions)
    assert {q.gold_docs[0] for q in questions} <= {r["id"] for r in records}


def test_a_limit_spreads_the_questions_over_the_articles():
    _, questions = xquad_dev(limit=24)
    assert len(questions) == 48
    articles = {article_of(q.gold_docs[0]) for q in questions}
    assert len(articles) >= 12 and {a % 2 for a in articles} == {0, 1}  # both halves of the split


def test_the_split_is_by_article_deterministic_and_puts_every_question_in_exactly_one_part(xquad):
    records, questions = xquad
    kept, relabelled = held_out_split(records, questions)
    assert (kept, relabelled) == held_out_split(records, questions)
    indexed = {article_of(r["id"]) for r in kept}
    held_out = {article_of(q.extra["held_out_doc"]) for q in relabelled if not q.answerable}
    assert indexed and held_out and not indexed & held_out
    assert indexed | held_out == {article_of(r["id"]) for r in records}
    assert [q.id for q in relabelled] == [q.id for q in questions]  # each question once, answerable or not
    for original, q in zip(questions, relabelled, strict=True):
        assert q.answerable == (article_of(original.gold_docs[0]) in indexed)
    assert 0.4 < sum(not q.answerable for q in relabelled) / len(relabelled) < 0.6


def test_held_out_questions_have_no_gold_data_and_no_paragraph_of_their_article_in_the_index(xquad, tmp_path):
    records, questions = xquad
    kept, relabelled = held_out_split(records, questions)
    kb = KnowledgeBase(Settings(index_dir=tmp_path / "index", collection="xquad"), embedder=HashEmbedder())
    kb.ingest([write_jsonl(kept, tmp_path / "kept.jsonl")])
    in_index = {d.doc_id for d in kb.docs()}
    assert in_index == {r["id"] for r in kept}
    unanswerable = [q for q in relabelled if not q.answerable]
    for q in unanswerable:
        assert q.gold_docs == () and q.evidence_any == () and q.answer_any == () and q.phrases == ()
        assert q.extra["held_out_doc"] not in in_index
        assert all(article_of(d) != article_of(q.extra["held_out_doc"]) for d in in_index)
    assert all(q.gold_docs[0] in in_index for q in relabelled if q.answerable)


@pytest.fixture(scope="module")
def fake_run(tmp_path_factory):
    """The command over 16 XQuAD questions (32 asked), with the hash embedder and a low threshold so both
    answers and abstentions occur."""
    tmp = tmp_path_factory.mktemp("xquad")
    args = _parser(commands()).parse_args(["eval", "--dataset", "xquad-dev", "--limit", "16", "--compare",
                                           "dense,hybrid", "--out", str(tmp / "report"), "--min-abstention-recall",
                                           "0.0"])
    code = run(args, Settings(index_dir=tmp / "unused", min_support=0.3), embedder=HashEmbedder())
    return code, tmp / "report"


def test_xquad_eval_reports_both_runs_per_language_with_the_curve(fake_run):
    out = fake_run[1]
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    for part in (metrics, metrics["held_out"]):
        assert set(part["by_language"]["hybrid/extractive"]) == {"en", "ar"}
    assert metrics["summary"]["hybrid/extractive"]["answerable"] == 32  # all answerable over every paragraph
    held = metrics["held_out"]["summary"]["hybrid/extractive"]
    assert 0 < held["answerable"] < held["questions"] == 32 and held["abstention_recall"] is not None
    assert metrics["by_language"]["hybrid/extractive"]["en"]["phrase_f1"] is not None
    assert metrics["by_language"]["hybrid/extractive"]["ar"]["phrase_f1"] is None  # no Arabic phrases scored
    assert len(metrics["held_out"]["curve"]["sweep"]["dense/extractive"]["en"]) == 61  # in use −0.30 … +0.30
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Hard unanswerables: held-out articles" in md and "| in use (ar 0.300, en 0.300) |" in md
    assert "Artetxe, Ruder, Yogatama" in md
    assert (out / "abstention_curve.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "held-out" / "report.md").is_file()


def test_the_curve_at_the_threshold_in_use_reproduces_the_runs_own_abstentions(fake_run):
    metrics = json.loads((fake_run[1] / "metrics.json").read_text(encoding="utf-8"))["held_out"]
    for config, langs in metrics["curve"]["in_use"].items():
        for lang, point in langs.items():
            m = metrics["by_language"][config][lang]
            assert point["threshold"] == 0.3
            assert point["answer_rate"] == pytest.approx(1 - m["answerable_abstained"])
            assert point["abstain_rate"] == pytest.approx(m["abstention_recall"])


def test_an_abstention_gate_reads_the_held_out_run(fake_run):
    # the run over every paragraph has no unanswerable question: a gate read there would fail as "not measurable"
    assert fake_run[0] == 0


def test_only_held_out_makes_the_held_out_run_the_main_report(tmp_path):
    args = _parser(commands()).parse_args(["eval", "--dataset", "xquad-dev", "--limit", "6", "--only", "held-out",
                                 "--out", str(tmp_path / "r")])
    assert run(args, Settings(index_dir=tmp_path / "unused", min_support=0.3), embedder=HashEmbedder()) == 0
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["summary"] == metrics["held_out"]["summary"]
    assert 0 < metrics["summary"]["hybrid/extractive"]["answerable"] < 12
    assert "## Hard unanswerables" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "r" / "abstention_curve.png").is_file() and not (tmp_path / "r" / "held-out").exists()


def test_only_full_has_no_unanswerable_questions_so_an_abstention_gate_cannot_pass(tmp_path):
    args = _parser(commands()).parse_args(["eval", "--dataset", "xquad-dev", "--limit", "6", "--only", "full",
                                 "--out", str(tmp_path / "r"), "--min-abstention-recall", "0.0"])
    assert run(args, Settings(index_dir=tmp_path / "unused", min_support=0.3), embedder=HashEmbedder()) == 1
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text(encoding="utf-8"))
    assert "held_out" not in metrics and metrics["summary"]["hybrid/extractive"]["answerable"] == 12
    assert not (tmp_path / "r" / "abstention_curve.png").exists()
