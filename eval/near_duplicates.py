"""How many near-duplicate articles a corpus holds, by the rule ingest folds them with, embedding nothing.

    python eval/near_duplicates.py [FILE ...] [--fields ant] [--threshold 0.8[,0.9,…]] [--examples 5] [--json]

Reads the articles as `rag ingest` does (`index.loading`, so cleaning and `--fields` are the same; default:
the whole ANT corpus, `../shared/datasets/ant/ant_v1.1_jawharafm.jsonl.gz` with `--fields ant`), computes each
one's MinHash signature (`index.near_duplicates`) and folds them in file order as ingest would into an empty
index. Reports, per threshold: articles, how many would be folded, groups (a kept article with copies), the
largest group, how many copies are word for word the same, and the least alike pairs folded, with their
estimated and exact Jaccard (the exact one from the shingle sets, to see how far the 128-value estimate strays),
and the time each step took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ANT = ROOT.parent / "shared" / "datasets" / "ant" / "ant_v1.1_jawharafm.jsonl.gz"

from index.ingest import IngestReport, read_documents  # noqa: E402
from index.loading import FieldMap  # noqa: E402
from index.near_duplicates import fold, shingles, signature  # noqa: E402
from index.types import Document  # noqa: E402


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = set(shingles(a).tolist()), set(shingles(b).tolist())
    return len(sa & sb) / max(len(sa | sb), 1)


def summary(docs: list[Document], signed: list[tuple[str, Any]], threshold: float, examples: int) -> dict[str, Any]:
    """What folding at `threshold` does to `docs`."""
    started = time.perf_counter()
    folded = fold(signed, threshold)
    took = time.perf_counter() - started
    groups = Counter(kept for kept, _ in folded.values())
    by_id = {d.doc_id: d for d in docs}
    exact = {copy: exact_jaccard(by_id[copy].text, by_id[kept].text) for copy, (kept, _) in folded.items()}
    shown = sorted(folded.items(), key=lambda item: (exact[item[0]], item[0]))[:examples]  # the least alike
    return {
        "threshold": threshold, "articles": len(docs), "folded": len(folded), "groups": len(groups),
        "largest_group": (max(groups.values()) + 1) if groups else 0,
        "group_sizes": dict(sorted(Counter(n + 1 for n in groups.values()).items())),
        "identical": sum(j == 1.0 for j in exact.values()),  # the same shingles: reposted word for word
        "exact_below_threshold": sum(j < threshold for j in exact.values()),
        "mean_abs_error": round(sum(abs(folded[c][1] - j) for c, j in exact.items()) / max(len(exact), 1), 4),
        "fold_seconds": round(took, 3),
        "examples": [_example(by_id[copy], by_id[kept], est, exact[copy]) for copy, (kept, est) in shown],
    }


def _example(copy: Document, kept: Document, estimated: float, exact: float) -> dict[str, Any]:
    def side(d: Document) -> dict[str, str]:
        return {"doc_id": d.doc_id, "date": d.date[:10], "title": d.title[:90], "words": str(len(d.text.split()))}

    return {"copy": side(copy), "kept": side(kept), "estimated": round(estimated, 3), "exact": round(exact, 3)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("paths", nargs="*", type=Path, default=[ANT])
    p.add_argument("--fields", default="ant", help="JSON field mapping, as `rag ingest --fields` (default: ant)")
    p.add_argument("--threshold", default="0.8", help="estimated Jaccard at or above which a copy is folded; "
                                                      "several, comma-separated, to compare")
    p.add_argument("--examples", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    started = time.perf_counter()
    report = IngestReport()
    docs = read_documents(args.paths, FieldMap.parse(args.fields), report)
    loaded = time.perf_counter()
    signed = [(d.doc_id, signature(d.text)) for d in docs]
    signed_at = time.perf_counter()
    results = [summary(docs, signed, float(t), args.examples) for t in args.threshold.split(",")]
    out = {"files": [str(p) for p in args.paths], "failed": len(report.failed),
           "load_seconds": round(loaded - started, 2), "signature_seconds": round(signed_at - loaded, 2),
           "results": results}
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print_text(out)
    return 0


def print_text(out: dict[str, Any]) -> None:
    print(f"{', '.join(out['files'])}: loaded and cleaned in {out['load_seconds']} s ({out['failed']} failed), "
          f"signatures in {out['signature_seconds']} s")
    for r in out["results"]:
        print(f"\nthreshold {r['threshold']}: {r['articles']} articles, {r['folded']} folded as near-duplicates "
              f"into {r['groups']} groups (largest {r['largest_group']} articles; sizes {r['group_sizes']}); "
              f"{r['identical']} of them word for word; {r['exact_below_threshold']} folded with an exact Jaccard "
              f"below the threshold, mean |estimate - exact| {r['mean_abs_error']}; folded in {r['fold_seconds']} s")
        for ex in r["examples"]:
            c, k = ex["copy"], ex["kept"]
            print(f"  {c['doc_id']} ({c['date']}, {c['words']} words) → {k['doc_id']} ({k['date']}, {k['words']} "
                  f"words): estimated {ex['estimated']}, exact {ex['exact']}\n    {c['title']}\n    {k['title']}")


if __name__ == "__main__":
    sys.exit(main())
