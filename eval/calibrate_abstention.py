"""Calibrate the "not in the archive" threshold on data, never per question.

`answer()` abstains when the draft's support (the extractive scorer's best question–sentence score)
is below `min_support`. This script collects supports for

    answerable     seed questions marked answerable (seed index), ARCD questions (ARCD index)
    unanswerable   seed questions marked unanswerable, ARCD questions asked of the seed news index,
                   seed questions asked of the ARCD (Wikipedia) index

and picks the threshold with the best balanced accuracy; it prints the distributions and the
error rates at that threshold. ARCD questions come from `--split` (train to choose, test to check).

    python eval/calibrate_abstention.py --split train --arcd 150
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.datasets import SEED_QUESTIONS, arcd, load_questions, write_jsonl  # noqa: E402
from eval.retrieval_tuning import EVAL_DIR, CachedQueries, knowledge_base  # noqa: E402
from rag.generators.extractive import ExtractiveGenerator  # noqa: E402
from rag.retrieval import HybridRetriever  # noqa: E402
from rag.settings import Settings  # noqa: E402


def supports(kb, embedder, questions: list[str]) -> list[float]:
    retriever = HybridRetriever(kb.store, embedder, kb.lexical)
    scorer = ExtractiveGenerator(embedder)
    out = []
    for q in questions:
        ranked = scorer.score(q, retriever.retrieve(q, 5))
        out.append(ranked[0].score if ranked else 0.0)
    return out


def best_threshold(pos: list[float], neg: list[float]) -> tuple[float, float]:
    """The threshold with the best balanced accuracy (mean of the two recalls), and that accuracy."""
    best = (0.0, 0.0)
    for t in sorted(set(pos + neg)):
        acc = (np.mean(np.asarray(pos) >= t) + np.mean(np.asarray(neg) < t)) / 2
        if acc > best[1]:
            best = (float(t), float(acc))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "test"), default="train")
    ap.add_argument("--arcd", type=int, default=150, help="ARCD questions per side")
    ap.add_argument("--threshold", type=float, default=None, help="report error rates at this threshold")
    args = ap.parse_args()
    base = Settings()
    from index.embedding import create_embedder

    embedder = CachedQueries(create_embedder(base.embed_model, backend=base.embed_backend,
                                             cache_dir=str(base.model_dir)))
    records, arcd_qs = arcd(args.split)
    arcd_qs = arcd_qs[:: max(1, len(arcd_qs) // args.arcd)][: args.arcd]
    arcd_kb = knowledge_base("arcd", [write_jsonl(records, EVAL_DIR / "arcd.jsonl")], embedder=embedder)
    seed_kb = knowledge_base("seed", [base.articles_dir], embedder=embedder)
    seed = load_questions(SEED_QUESTIONS)
    groups = {
        "answerable: seed": supports(seed_kb, embedder, [q.question for q in seed if q.answerable]),
        "answerable: ARCD": supports(arcd_kb, embedder, [q.question for q in arcd_qs]),
        "unanswerable: seed": supports(seed_kb, embedder, [q.question for q in seed if not q.answerable]),
        "unanswerable: ARCD asked of the news": supports(seed_kb, embedder, [q.question for q in arcd_qs]),
        "unanswerable: seed asked of ARCD": supports(arcd_kb, embedder, [q.question for q in seed if q.answerable]),
    }
    pos = [s for k, v in groups.items() if k.startswith("answerable") for s in v]
    neg = [s for k, v in groups.items() if k.startswith("unanswerable") for s in v]
    threshold, acc = best_threshold(pos, neg)
    if args.threshold is not None:
        threshold = args.threshold
    print(f"| group | n | min | median | max | share ≥ {threshold:.3f} |\n|---|---|---|---|---|---|")
    for name, vals in groups.items():
        v = np.asarray(vals)
        print(f"| {name} | {len(v)} | {v.min():.3f} | {np.median(v):.3f} | {v.max():.3f} | "
              f"{np.mean(v >= threshold):.2f} |")
    print(f"\nthreshold {threshold:.3f} (best balanced accuracy {acc:.3f} on this split)")


if __name__ == "__main__":
    main()
