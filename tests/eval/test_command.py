"""`rag eval` as a user (and CI) runs it: the seed set over a throwaway index, with the real model.

A smoke check: it completes and the report is well formed. Scores are not asserted here (tests/rag/test_quality.py
holds the quality bars).
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import MODEL_CACHE, ROOT

pytestmark = pytest.mark.model


def rag_eval(*args: str, tmp_path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, RAG_MODEL_DIR=str(MODEL_CACHE), RAG_INDEX_DIR=str(tmp_path / "current-index"))
    return subprocess.run([sys.executable, "-m", "rag.cli", "eval", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=900)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eval")
    out = tmp / "report"
    done = rag_eval("--compare", "dense,hybrid", "--out", str(out), tmp_path=tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    return out, done.stdout


def test_seed_eval_writes_a_report_with_a_summary_and_every_question(report):
    out, stdout = report
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## Summary" in md and "## Latency (ms)" in md
    for config in ("dense/extractive", "hybrid/extractive"):
        assert f"| {config} |" in md and f"## Questions — {config}" in md
        assert config in stdout
    ids = [json.loads(line)["id"] for line in (ROOT / "eval/datasets/seed_questions.jsonl").open(encoding="utf-8")]
    assert all(md.count(f"| {qid} |") == 2 for qid in ids)  # once per configuration
    assert "report.md" in stdout


def test_seed_eval_metrics_json_holds_every_metric_per_configuration(report):
    metrics = json.loads((report[0] / "metrics.json").read_text(encoding="utf-8"))
    expected = {"hit@1", "hit@3", "hit@5", "hit@10", "MRR", "citation_support", "citation_precision",
                "answer_match", "abstention_precision", "abstention_recall", "language_accuracy",
                "retrieve_ms_p50", "retrieve_ms_p95", "generate_ms_p50", "generate_ms_p95", "total_ms_p50",
                "total_ms_p95"}
    assert set(metrics["summary"]) == {"dense/extractive", "hybrid/extractive"}
    for m in metrics["summary"].values():
        assert expected <= set(m)
        assert all(m[k] is None or 0.0 <= m[k] <= 1.0 for k in expected if "_ms_" not in k)
    assert set(metrics["by_language"]["hybrid/extractive"]) == {"ar", "en"}
    assert len(metrics["questions"]) == 2 * 24
    assert {q["verdict"] for q in metrics["questions"]} <= {"ok", "miss"}
    assert all(q["reason"] for q in metrics["questions"] if q["verdict"] == "miss")


def test_seed_eval_draws_the_two_plots(report):
    for name in ("hit_at_k.png", "latency.png"):
        data = (report[0] / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_a_gate_below_the_score_fails_with_one_line_per_configuration(tmp_path):
    done = rag_eval("--limit", "3", "--min-support", "1.01", "--out", str(tmp_path / "r"), tmp_path=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("rag eval: gate failed: hybrid/extractive citation_support")


def test_bad_input_is_one_line_and_a_nonzero_exit(tmp_path):
    missing = rag_eval(str(tmp_path / "nope.jsonl"), tmp_path=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"rag: error: no such question file: {tmp_path}/nope.jsonl"
    bad = rag_eval("--compare", "dense,bm25", tmp_path=tmp_path)
    assert bad.returncode == 2 and "'bm25'" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "q.jsonl").write_text('{"question": "x"}\n', encoding="utf-8")
    empty_index = rag_eval(str(tmp_path / "q.jsonl"), tmp_path=tmp_path)
    assert empty_index.returncode == 2 and "not a question file" in empty_index.stderr
    (tmp_path / "q.jsonl").write_text('{"id": "1", "question": "x"}\n', encoding="utf-8")
    empty_index = rag_eval(str(tmp_path / "q.jsonl"), tmp_path=tmp_path)
    assert empty_index.returncode == 2 and "is empty: ingest articles first" in empty_index.stderr
