"""Retrieval side by side: dense, lexical, plain RRF and hybrid (with a weight grid), in one run.

Builds (once, cached under .rag/eval/) an index of the ARCD paragraphs and one of the seed articles,
then reports hit@1, hit@5 and MRR per configuration for ARCD questions of `--split` (Arabic) and the
seed questions, English and Arabic separately. Weights are chosen on ARCD *train*; report on *test*.

    python eval/retrieval_tuning.py --split train --grid      # choose weights
    python eval/retrieval_tuning.py --split test              # report

A hit is a retrieved chunk of a gold document (ARCD: the question's paragraph; seed: `gold_docs`).
"""

from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "ANONYMIZED_TELEMETRY": "False", "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from functools import lru_cache  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.datasets import ROOT, SEED_QUESTIONS, Question, arcd, load_questions, write_jsonl  # noqa: E402
from eval.metrics import Passage, first_hit_rank, hit_at, mrr  # noqa: E402
from index.loading import FieldMap  # noqa: E402
from index.types import Hit  # noqa: E402
from rag.kb import KnowledgeBase  # noqa: E402
from rag.query import Query, build_query  # noqa: E402
from rag.retrieval import (  # noqa: E402
    DenseRetriever,
    HybridRetriever,
    HybridWeights,
    LexicalRetriever,
    Retriever,
    diversify,
)
from rag.settings import Settings  # noqa: E402

EVAL_DIR = ROOT / ".rag" / "eval"


class CachedQueries:
    """Wraps an embedder so each distinct query is embedded once across all configurations."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.name: str = inner.name
        self._cached = lru_cache(maxsize=None)(lambda text: inner.embed([text], kind="query")[0])

    def warm_up(self) -> None:
        self.inner.warm_up()

    def embed(self, texts: Sequence[str], *, kind: str) -> np.ndarray:
        if kind == "query":
            return np.stack([self._cached(t) for t in texts])
        return self.inner.embed(texts, kind=kind)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)


def knowledge_base(name: str, paths: list[Path], fields: FieldMap = FieldMap(), embedder=None) -> KnowledgeBase:
    settings = Settings(index_dir=EVAL_DIR / name, collection=name)
    kb = KnowledgeBase(settings, embedder=embedder)
    report = kb.ingest(paths, fields=fields)
    if report.added or report.updated:
        print(f"indexed {name}: {len(report.added) + len(report.updated)} documents", file=sys.stderr)
    return kb


class RRF:
    """Plain reciprocal-rank fusion of dense and lexical (k=60), the baseline the issue warns about."""

    def __init__(self, dense: Retriever, lexical: Retriever) -> None:
        self.dense, self.lexical = dense, lexical

    def retrieve(self, query: Query, top_k: int, filters=None) -> list[Hit]:
        scores: dict[str, float] = {}
        chunks = {}
        for hits in (self.dense.retrieve(query, 30), self.lexical.retrieve(query, 30)):
            for rank, h in enumerate(hits):
                scores[h.chunk.chunk_id] = scores.get(h.chunk.chunk_id, 0) + 1 / (60 + rank)
                chunks[h.chunk.chunk_id] = h
        ranked = sorted(scores, key=lambda c: scores[c], reverse=True)
        return diversify([chunks[c] for c in ranked], top_k)


def score(retriever: Retriever, embedder, questions: list[Question], k: int = 10) -> dict[str, float]:
    """hit@1, hit@5 and MRR where a hit is any chunk of a gold document (no evidence strings required)."""
    ranks = [first_hit_rank([Passage(h.chunk.doc_id, h.chunk.text)
                             for h in retriever.retrieve(build_query(q.question, embedder), k)],
                            q.gold_docs, ()) for q in questions]
    return {"hit@1": hit_at(ranks, 1), "hit@5": hit_at(ranks, 5), "MRR": mrr(ranks)}


def configs(kb: KnowledgeBase, grid: bool) -> dict[str, Retriever]:
    dense = DenseRetriever(kb.store)
    lexical = LexicalRetriever(kb.lexical)
    out: dict[str, Retriever] = {"dense": dense, "lexical": lexical, "rrf": RRF(dense, lexical)}
    weights = [HybridWeights()]
    if grid:
        weights = [HybridWeights(sentence=sw, lexical=lw, feedback=0.0)
                   for sw in (0.0, 0.5, 1.0, 2.0) for lw in (0.25, 0.5, 1.0)]
    for w in weights:
        out[f"hybrid sent={w.sentence} lex={w.lexical} fb={w.feedback}"] = HybridRetriever(
            kb.store, kb.lexical, w)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=("train", "test"), default="test")
    ap.add_argument("--grid", action="store_true", help="try a grid of hybrid weights")
    ap.add_argument("--limit", type=int, default=0, help="at most this many ARCD questions")
    args = ap.parse_args()
    base = Settings()
    from index.embedding import create_embedder

    embedder = CachedQueries(create_embedder(base.embed_model, backend=base.embed_backend,
                                             cache_dir=str(base.model_dir)))
    records, arcd_questions = arcd(args.split)
    arcd_questions = arcd_questions[: args.limit] if args.limit else arcd_questions
    arcd_kb = knowledge_base("arcd", [write_jsonl(records, EVAL_DIR / "arcd.jsonl")], embedder=embedder)
    seed_kb = knowledge_base("seed", [base.articles_dir], embedder=embedder)
    seed = [q for q in load_questions(SEED_QUESTIONS) if q.answerable]
    sets = {f"ARCD {args.split} ({len(arcd_questions)})": (arcd_kb, arcd_questions),
            f"seed en ({sum(q.lang == 'en' for q in seed)})": (seed_kb, [q for q in seed if q.lang == "en"]),
            f"seed ar ({sum(q.lang == 'ar' for q in seed)})": (seed_kb, [q for q in seed if q.lang == "ar"])}
    rows: dict[str, dict[str, dict[str, float]]] = {}
    for set_name, (kb, questions) in sets.items():
        for name, retriever in configs(kb, args.grid).items():
            rows.setdefault(name, {})[set_name] = score(retriever, embedder, questions)
    header = " | ".join(f"{s} hit@1 | hit@5 | MRR" for s in sets)
    print(f"| config | {header} |\n|---|" + "---|" * (3 * len(sets)))
    for name, by_set in rows.items():
        cells = " | ".join(f"{m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['MRR']:.3f}" for m in by_set.values())
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
