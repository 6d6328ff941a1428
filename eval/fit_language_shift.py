"""Write the question pairs of the language shift (`rag/language_shift.py`) and measure what it does.

    python eval/fit_language_shift.py [--index-dir D] [--pairs 240] [--write]

The pairs: `--pairs` of xquad-ar-en-dev's English questions with their Arabic twins, spread evenly over the
file (`--write` writes them to `rag/data/question_pairs.tsv`). The measure, over an index of its 120 paragraphs
(built once in `--index-dir`): for each English question, the sentences of its retrieved passages are ranked
as the extractive answer ranks them, with the plain vector and with the shift; a hit is the first sentence
holding the Arabic answer span. The shift used for an article's questions is estimated from the questions of
the other half of the articles (2 folds by article), so no question ranks with a shift that saw it.

What this leaves out: the seed questions (a smoke test only) and ARCD (Arabic questions only, no shift).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

for _name, _value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                      "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}.items():
    os.environ.setdefault(_name, _value)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.datasets import XQUAD_DIR, article_of, write_jsonl, xquad_dev  # noqa: E402
from eval.metrics import contains_any  # noqa: E402
from rag.language_shift import PAIRS_FILE  # noqa: E402

HEADER = """# English questions of xquad-ar-en-dev with their Arabic twins (XQuAD, Artetxe et al. 2020, CC BY-SA 4.0;
# the dev half shared in ../shared/datasets/xquad-ar-en-dev), {n} of the 632 spread evenly over the file.
# Written by `python eval/fit_language_shift.py --write`; read by rag/language_shift.py. English<TAB>Arabic.
"""


def write_pairs(n: int, path: Path) -> None:
    _, questions = xquad_dev(limit=n)
    pairs: dict[str, dict[str, str]] = {}
    for q in questions:
        pairs.setdefault(q.id.rsplit("-", 1)[0], {})[q.lang] = " ".join(q.question.split())
    lines = [f"{p['en']}\t{p['ar']}" for p in pairs.values()]
    path.write_text(HEADER.format(n=len(lines)) + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} pairs to {path}")


Row = tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # article, English, Arabic twin, sentences, hit


def measure(index_dir: Path) -> None:
    rows = _rows(index_dir)
    articles = sorted({r[0] for r in rows})
    fold = {a: i % 2 for i, a in enumerate(articles)}
    hits = {"plain": 0, "shifted": 0}
    for f in (0, 1):
        train = [r for r in rows if fold[r[0]] != f]
        shift = np.mean([r[2] for r in train], axis=0) - np.mean([r[1] for r in train], axis=0)
        for _, english, _, matrix, marks in (r for r in rows if fold[r[0]] == f):
            moved = (english + shift) / np.linalg.norm(english + shift)
            hits["plain"] += bool(marks[np.argmax(matrix @ english)])
            hits["shifted"] += bool(marks[np.argmax(matrix @ moved)])
    n = len(rows)
    print(f"{n} English questions whose answer span is in a retrieved sentence; the answer's sentence first: "
          f"plain vector {hits['plain'] / n:.3f}, shifted (2 folds by article) {hits['shifted'] / n:.3f}")


def _rows(index_dir: Path) -> list[Row]:
    """Per English question whose answer span is in a retrieved sentence: its article, its vector, its Arabic
    twin's, its candidate sentences' vectors, and which of them hold the span."""
    from rag.generators.extractive import ExtractiveGenerator, candidate_sentences
    from rag.kb import KnowledgeBase
    from rag.query import build_query
    from rag.settings import Settings

    records, questions = xquad_dev()
    kb = KnowledgeBase(Settings(index_dir=index_dir, collection="eval", chroma_url=None, retrieval_mode="hybrid"))
    if not kb.docs():
        kb.ingest([write_jsonl(records, index_dir / "passages.jsonl")])
    retriever, scorer = kb.retriever(), ExtractiveGenerator(kb.embedder, store=kb.store)
    twins = {q.id.rsplit("-", 1)[0]: q for q in questions if q.lang == "ar"}
    rows: list[Row] = []
    for q in (q for q in questions if q.lang == "en"):
        query = build_query(q.question, kb.embedder)
        candidates = candidate_sentences(retriever.retrieve(query, 10), 10)
        gold = [contains_any(c.sentence, q.evidence_any) for c in candidates]
        if not any(gold):
            continue
        matrix = scorer.sentence_matrix(candidates)
        arabic = kb.embedder.embed([twins[q.id.rsplit("-", 1)[0]].question], kind="query")[0]
        rows.append((article_of(q.gold_docs[0]), query.text_vector, arabic, matrix, np.array(gold)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, help="an index of the xquad-ar-en-dev paragraphs (built if empty)")
    parser.add_argument("--pairs", type=int, default=240, help="question pairs to write")
    parser.add_argument("--write", action="store_true", help=f"write the pairs to {PAIRS_FILE}")
    args = parser.parse_args()
    if not XQUAD_DIR.is_dir():
        print(f"fit_language_shift: {XQUAD_DIR} not found", file=sys.stderr)
        return 2
    if args.write:
        write_pairs(args.pairs, PAIRS_FILE)
    if args.index_dir:
        measure(args.index_dir)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            measure(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
