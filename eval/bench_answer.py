"""Answer latency: p50/p95 of `answer()` (extractive generator), split into retrieve and generate.

Corpora: the seed articles, and N ANT articles (default 2,000; indexed once under .rag/eval/). Questions:
the seed question set plus headlines of ANT articles used as questions. Each configuration runs the
same questions in the same process after one warm-up pass; dense-only retrieval is the baseline and
the hybrid figures are printed as ratios of it.

    python eval/bench_answer.py [--ant 2000] [--reps 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.datasets import SEED_QUESTIONS, ant_records, load_questions, write_jsonl  # noqa: E402
from eval.retrieval_tuning import EVAL_DIR, knowledge_base  # noqa: E402
from index.loading import FieldMap  # noqa: E402
from rag.pipeline import answer  # noqa: E402
from rag.settings import Settings  # noqa: E402


def run(kb, mode: str, questions: list[str], reps: int) -> dict[str, list[float]]:
    parts = {"embedder": kb.embedder, "retriever": kb.retriever(mode), "generator": kb.generator("extractive"),
             "min_support": kb.settings.min_support_by_language()}
    for q in questions[:3]:  # warm-up: model load, lexical index, caches
        answer(q, **parts)
    times: dict[str, list[float]] = {"retrieve": [], "generate": [], "total": []}
    for _ in range(reps):
        for q in questions:
            t = answer(q, **parts).timings_ms
            for k in times:
                times[k].append(t[k])
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ant", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    base = Settings()
    seed_questions = [q.question for q in load_questions(SEED_QUESTIONS)]
    corpora = {"seed (5 articles)": (knowledge_base("seed", [base.articles_dir]), seed_questions)}
    if args.ant:
        records = ant_records(args.ant)
        path = write_jsonl(records, EVAL_DIR / f"ant{args.ant}.jsonl")
        kb = knowledge_base(f"ant{args.ant}", [path], fields=FieldMap.parse("ant"))
        corpora[f"ANT ({args.ant} articles, {kb.store.chunk_count()} chunks)"] = (
            kb, seed_questions + [r["title"] for r in records[:: max(1, len(records) // 26)]])
    print("| corpus | retrieval | n | retrieve p50 | p95 | generate p50 | p95 | total p50 | p95 | total p50 × dense |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, (kb, questions) in corpora.items():
        dense_p50 = None
        for mode in ("dense", "hybrid"):
            t = run(kb, mode, questions, args.reps)
            p = {k: (np.percentile(v, 50), np.percentile(v, 95)) for k, v in t.items()}
            dense_p50 = dense_p50 or p["total"][0]
            print(f"| {name} | {mode} | {len(t['total'])} | {p['retrieve'][0]:.0f} ms | {p['retrieve'][1]:.0f} ms | "
                  f"{p['generate'][0]:.0f} ms | {p['generate'][1]:.0f} ms | {p['total'][0]:.0f} ms | "
                  f"{p['total'][1]:.0f} ms | {p['total'][0] / dense_p50:.2f} |")


if __name__ == "__main__":
    main()
