"""`rag`: ingest, docs, remove, search, ask, serve, eval.

Core errors become one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import os

for _k, _v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "GRADIO_ANALYTICS_ENABLED": "False", "ANONYMIZED_TELEMETRY": "False",
               "TOKENIZERS_PARALLELISM": "false"}.items():
    os.environ.setdefault(_k, _v)

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
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
    s.add_argument("--mode", choices=("dense", "lexical", "hybrid"), default=None,
                   help="retrieval mode (default: RAG_RETRIEVAL_MODE, hybrid)")
    _add_filters(s)
    s.add_argument("--json", action="store_true")
    sv = sub.add_parser("serve", help="run the HTTP API and the chat UI")
    sv.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=None, help="port (default 8000)")
    sv.add_argument("--no-ui", action="store_true", help="serve only the API")
    a = sub.add_parser("ask", help="answer a question with citations")
    a.add_argument("question")
    a.add_argument("--top-k", type=int, default=None)
    a.add_argument("--mode", choices=("dense", "lexical", "hybrid"), default=None)
    _add_filters(a)
    a.add_argument("--json", action="store_true", help="print the answer as the HTTP API returns it")
    _add_eval_arguments(sub.add_parser("eval", help="measure retrieval, citations, abstention, language, latency"))
    return p


EVAL_GATES = {"min_support": "citation support", "min_hit5": "hit@5", "min_mrr": "MRR",
              "min_answer_match": "answer match", "min_abstention_recall": "abstention recall",
              "min_language": "answer-language accuracy"}


def _add_eval_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("questions", nargs="*", type=Path, help="question files (JSONL, the seed set's format)")
    p.add_argument("--dataset", choices=("seed", "arcd", "xquad-dev"), default=None,
                   help="a bundled set with its own passages (default when no files: seed). xquad-dev: each "
                   "question in English and Arabic over all paragraphs, then again over an index without the "
                   "odd-numbered articles, whose questions must abstain (abstention P/R and the threshold curve)")
    p.add_argument("--split", choices=("train", "test"), default="test", help="ARCD split (default test)")
    p.add_argument("--limit", type=int, default=0,
                   help="only the first N questions (xquad-dev: N questions spread over all articles, each asked "
                   "in both languages)")
    p.add_argument("--only", choices=("full", "held-out"), default=None,
                   help="xquad-dev: run only one of its two parts (default both)")
    p.add_argument("--passages", nargs="+", type=Path, default=None,
                   help="index these files/folders in a throwaway store instead of using the current index")
    p.add_argument("--fields", default="", help="JSON field mapping for --passages (as in `rag ingest`)")
    p.add_argument("--index-dir", type=Path, default=None,
                   help="keep the throwaway index here and reuse it next time (default: a temporary folder)")
    p.add_argument("--compare", default="", help="configurations side by side, e.g. dense,lexical,hybrid "
                   "or extractive,openai or hybrid/openai (default: the configured mode/generator)")
    p.add_argument("--out", type=Path, default=None, help="report folder (default eval/out/<dataset>-<time>)")
    for flag, metric in EVAL_GATES.items():
        p.add_argument(f"--{flag.replace('_', '-')}", dest=flag, type=float, default=None, metavar="F",
                       help=f"exit 1 if any configuration's {metric} is below F")


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", default="", help="only articles dated on/after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", default="", help="only articles dated on/before YYYY-MM-DD")
    p.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    p.add_argument("--doc", action="append", default=[], help="only this document id (repeatable)")


def _filters(args: argparse.Namespace):  # -> Filters
    from rag.retrieval import Filters

    for value in (args.date_from, args.date_to):
        if value and not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
            raise InputError(f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD")
    return Filters(date_from=args.date_from, date_to=args.date_to, sources=tuple(args.source),
                   doc_ids=tuple(args.doc))


def _check_question(question: str, top_k: int | None) -> None:
    if not question.strip():
        raise InputError("the question is empty")
    from rag.pipeline import MAX_QUESTION_CHARS

    if len(question) > MAX_QUESTION_CHARS:
        raise InputError(f"the question is too long ({len(question)} characters; at most {MAX_QUESTION_CHARS})")
    if top_k is not None and not 1 <= top_k <= 50:
        raise InputError("--top-k must be between 1 and 50")


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

    _check_question(args.question, args.top_k)
    kb = KnowledgeBase(settings)
    hits = kb.search(args.question, top_k=args.top_k, mode=args.mode, filters=_filters(args))
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


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.kb import KnowledgeBase

    _check_question(args.question, args.top_k)
    kb = KnowledgeBase(settings)
    result = kb.ask(args.question, top_k=args.top_k, mode=args.mode, filters=_filters(args))
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    print(result.answer)
    if result.citations:
        print("\nSources:")
    for c in result.citations:
        where = ", ".join(x for x in (c.source, c.date[:10], c.doc_id) if x)
        print(f"[{c.n}] {c.title} ({where}; chars {c.start}-{c.end})\n    «{c.quote}»")
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from rag.api import create_app
    from rag.kb import KnowledgeBase

    kb = KnowledgeBase(settings)
    kb.embedder.warm_up()  # load the models before the first request, not during it
    writer = kb.writer()  # the local LLM with RAG_GENERATOR=llamacpp, else None
    if writer is not None:
        getattr(writer, "warm_up", lambda: None)()
    kb.lexical.get()
    app = create_app(kb, with_ui=not args.no_ui)
    host, port = args.host or settings.host, args.port or settings.port
    ui = "" if args.no_ui else f"chat UI http://{host}:{port}/ui/ · "
    print(f"serving: {ui}API http://{host}:{port}/api · OpenAI-compatible http://{host}:{port}/v1 · "
          f"docs http://{host}:{port}/docs", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.command import run

    if args.limit < 0:
        raise InputError("--limit must be 0 or more")
    return run(args, settings)


COMMANDS = {"ingest": cmd_ingest, "docs": cmd_docs, "remove": cmd_remove, "search": cmd_search, "ask": cmd_ask,
            "serve": cmd_serve, "eval": cmd_eval}


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
