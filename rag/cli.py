"""`rag`: ingest, docs, remove, search. Core errors become one line on stderr and a non-zero exit."""

from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
               "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from index.errors import InputError, RagError  # noqa: E402
from rag.settings import Settings  # noqa: E402


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Question answering over an archive of Arabic news.")
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="add or update articles (files or folders)")
    ing.add_argument("paths", nargs="*", type=Path, help="files or folders (default: data/articles)")
    ing.add_argument("--fields", default="", help="JSON field mapping: 'ant' or e.g. 'id=docno,date=time'")
    ing.add_argument("--prune", action="store_true", help="remove stored documents not found in PATHS")
    docs = sub.add_parser("docs", help="list the ingested documents")
    docs.add_argument("--json", action="store_true")
    rm = sub.add_parser("remove", help="remove a document and its chunks")
    rm.add_argument("doc_id")
    s = sub.add_parser("search", help="find the passages for a question")
    s.add_argument("question")
    s.add_argument("--top-k", type=int, default=5)
    s.add_argument("--mode", choices=("dense", "lexical"), default="dense")
    s.add_argument("--json", action="store_true")
    return p


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from index.loading import FieldMap
    from rag.kb import KnowledgeBase

    fields = FieldMap.parse(args.fields) if args.fields else FieldMap()
    kb = KnowledgeBase(settings)
    paths = args.paths or [settings.articles_dir]
    started = time.perf_counter()
    bar = tqdm(unit=" docs", desc="ingest", file=sys.stderr, disable=None)
    totals = {"chunks": 0}

    def progress(what: str, n: int) -> None:
        if what == "documents":
            bar.update(n)
        else:
            totals["chunks"] += n
            rate = totals["chunks"] / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(chunks=totals["chunks"], emb_per_s=f"{rate:.1f}")

    report = kb.ingest(paths, fields=fields, prune=args.prune, progress=progress)
    bar.close()
    took = time.perf_counter() - started
    print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
          f"removed {len(report.removed)}, failed {len(report.failed)}; {report.chunks_embedded} chunks "
          f"embedded in {took:.1f} s ({report.chunks_embedded / max(took, 1e-9):.1f}/s)")
    for failure in report.failed:
        print(f"failed: {failure.origin}: {failure.reason}", file=sys.stderr)
    return 0 if (report.added or report.updated or report.unchanged) else 1


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from rag.kb import KnowledgeBase

    docs = KnowledgeBase(settings).docs()
    if args.json:
        rows = [{"doc_id": d.doc_id, "title": d.title, "date": d.date, "source": d.source, "url": d.url,
                 "chunks": d.chunks} for d in docs]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for d in docs:
            print(f"{d.doc_id}\t{d.date or '-'}\t{d.chunks} chunks\t{d.title}")
        print(f"{len(docs)} documents")
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from rag.kb import KnowledgeBase

    n = KnowledgeBase(settings).remove(args.doc_id)
    print(f"removed {args.doc_id} ({n} chunks)")
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from rag.kb import KnowledgeBase
    from rag.retrieval import DenseRetriever, LexicalRetriever

    if not args.question.strip():
        raise InputError("the question is empty")
    if args.top_k < 1:
        raise InputError("--top-k must be at least 1")
    kb = KnowledgeBase(settings)
    retriever = DenseRetriever(kb.store, kb.embedder) if args.mode == "dense" else LexicalRetriever(kb.lexical)
    hits = retriever.retrieve(args.question, args.top_k)
    if args.json:
        rows = [{"doc_id": h.chunk.doc_id, "chunk_id": h.chunk.chunk_id, "title": h.chunk.title,
                 "text": h.chunk.text, "score": round(h.score, 4), "start": h.chunk.start, "end": h.chunk.end}
                for h in hits]
        print(json.dumps({"hits": rows}, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no passages found (is anything ingested? see `rag docs`)")
    for n, h in enumerate(hits, 1):
        snippet = " ".join(h.chunk.text.split())[:300]
        print(f"[{n}] {h.score:.3f}  {h.chunk.title}  ({h.chunk.doc_id}, {h.chunk.date or 'undated'}, "
              f"chars {h.chunk.start}-{h.chunk.end})\n    {snippet}\n")
    return 0


COMMANDS = {"ingest": cmd_ingest, "docs": cmd_docs, "remove": cmd_remove, "search": cmd_search}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
        return COMMANDS[args.command](args, settings)
    except RagError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last line of defence: one line, no traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        print(f"rag: unexpected error: {type(exc).__name__}: {exc} (set RAG_DEBUG=1 for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
