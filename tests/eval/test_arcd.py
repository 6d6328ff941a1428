"""ARCD (Mozannar et al., 2019; MIT), read from ../shared/datasets: the held-out article split, and
`rag eval --dataset arcd --only held-out` end to end over the hash embedder."""

import json

import pytest

from eval.command import run
from eval.datasets import ARCD_DIR, arcd, arcd_held_out_split
from rag.cli import _parser, commands
from rag.settings import Settings
from tests.fakes import HashEmbedder

pytestmark = pytest.mark.skipif(not ARCD_DIR.is_dir(), reason="shared datasets not present")


def test_the_split_drops_every_other_asked_article_whole_and_makes_its_questions_unanswerable():
    records, questions = arcd("test")
    kept, relabelled = arcd_held_out_split(records, questions)
    assert (kept, relabelled) == arcd_held_out_split(records, questions)
    title_of = {r["id"]: r["title"] for r in records}
    kept_titles = {r["title"] for r in kept}
    assert [q.id for q in relabelled] == [q.id for q in questions]  # each question once
    for original, q in zip(questions, relabelled, strict=True):
        title = title_of[original.gold_docs[0]]
        assert q.answerable == (title in kept_titles)
        if not q.answerable:
            assert q.gold_docs == () and q.evidence_any == () and q.extra["held_out_doc"] == original.gold_docs[0]
    asked = {title_of[q.gold_docs[0]] for q in questions}
    assert {r["title"] for r in records} - asked <= kept_titles  # the other split's paragraphs all stay
    assert 0.4 < sum(not q.answerable for q in relabelled) / len(relabelled) < 0.6


def test_the_held_out_run_reports_abstention_with_its_curve(tmp_path):
    args = _parser(commands()).parse_args(["eval", "--dataset", "arcd", "--only", "held-out", "--limit", "60",
                                           "--out", str(tmp_path / "report")])
    assert run(args, Settings(index_dir=tmp_path / "unused", min_support=0.3), embedder=HashEmbedder()) == 0
    metrics = json.loads((tmp_path / "report" / "metrics.json").read_text(encoding="utf-8"))
    summary = metrics["summary"]["hybrid/extractive"]
    assert summary["questions"] == 60 and 0 < summary["answerable"] < 60  # 27 of the first 60 are held out
    assert summary["abstention_recall"] is not None
    assert len(metrics["curve"]["sweep"]["hybrid/extractive"]["ar"]) == 61
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Abstention: held-out articles" in md and "| in use (ar 0.300) |" in md


def test_only_is_refused_where_there_is_no_held_out_split(tmp_path):
    from index.errors import InputError

    args = _parser(commands()).parse_args(["eval", "--only", "held-out", "--out", str(tmp_path / "r")])
    with pytest.raises(InputError, match="--only"):
        run(args, Settings(index_dir=tmp_path / "unused"), embedder=HashEmbedder())
