"""Calibrate the "not in the archive" threshold on data, never per question.

`answer()` abstains when the draft's support (the best cosine between the question and a sentence of
the retrieved passages) is below the threshold for the question's language: questions in English meet
Arabic sentences at systematically lower similarities than Arabic questions do, so one threshold
cannot serve both. This script collects supports for

    answerable     seed questions marked answerable (seed index), ARCD questions (ARCD index)
    unanswerable   seed questions marked unanswerable, ARCD questions asked of the seed news index,
                   seed questions asked of the ARCD (Wikipedia) index

and, for each question language, picks the threshold with the best balanced accuracy; it prints the
distributions and the error rates at the thresholds. ARCD questions come from `--split` (train to
choose, test to check).

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
from rag.background import Background  # noqa: E402
from rag.generators.extractive import ExtractiveGenerator  # noqa: E402
from rag.query import build_query  # noqa: E402
from rag.retrieval import HybridRetriever  # noqa: E402
from rag.settings import Settings  # noqa: E402


def supports(kb, embedder, questions: list[str]) -> list[tuple[str, float]]:
    """(question language, support) for each question."""
    retriever = HybridRetriever(kb.store, kb.lexical)
    scorer = ExtractiveGenerator(embedder, background=Background(embedder))
    queries = [build_query(q, embedder) for q in questions]
    return [(query.language, scorer.support(query, retriever.retrieve(query, 5))) for query in queries]


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
    ap.add_argument("--en", type=float, default=None, help="report error rates at this English threshold")
    ap.add_argument("--ar", type=float, default=None, help="report error rates at this Arabic threshold")
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
    chosen = {"en": args.en, "ar": args.ar}
    for lang in ("en", "ar"):
        pos = [s for k, v in groups.items() if k.startswith("answerable") for qlang, s in v if qlang == lang]
        neg = [s for k, v in groups.items() if k.startswith("unanswerable") for qlang, s in v if qlang == lang]
        threshold, acc = best_threshold(pos, neg)
        chosen[lang] = chosen[lang] if chosen[lang] is not None else threshold
        print(f"{lang}: best threshold {threshold:.3f} (balanced accuracy {acc:.3f}; "
              f"{len(pos)} answerable, {len(neg)} unanswerable)")
    at = f"en {chosen['en']:.3f} / ar {chosen['ar']:.3f}"
    print(f"\n| group | language | n | min | median | max | answered at {at} |")
    print("|---|---|---|---|---|---|---|")
    for name, items in groups.items():
        for lang in ("en", "ar"):
            v = np.asarray([s for qlang, s in items if qlang == lang])
            if len(v):
                print(f"| {name} | {lang} | {len(v)} | {v.min():.3f} | {np.median(v):.3f} | {v.max():.3f} | "
                      f"{np.mean(v >= chosen[lang]):.2f} |")

if __name__ == "__main__":
    main()
