"""`rag`: ingest, docs, remove, search, ask here; `serve` and `eval` come from the layers above.

Commands are a registry of `Command`s: the built-in ones below, plus those other packages register under
the `rag.commands` entry-point group (pyproject.toml: `serve` is defined in ui/serve.py and `eval` in
eval/command.py), so rag/ never imports the UI or the evaluation. Core errors become one line on stderr
and a non-zero exit.

`ingest` and `remove` own the index while they run (index/owner.py); when `rag serve` owns it they are refused
with the way to upload through the server. `ask`, `search` and `docs` then go through the server's API
(rag/remote.py); when another `ingest` or `remove` owns it, they are refused until it has finished.
"""

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
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from importlib.metadata import entry_points  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

from index.errors import IndexBusyError, InputError, RagError  # noqa: E402
from rag.registry import RETRIEVERS  # noqa: E402
from rag.settings import Settings, load_settings  # noqa: E402

if TYPE_CHECKING:
    from index.ingest import IngestReport
    from rag.types import Answer


@dataclass(frozen=True)
class Command:
    """A `rag` sub-command: its help line, its arguments, and what it runs (returns the exit code)."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Settings], int]


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="date_from", default="", help="only articles dated on/after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", default="", help="only articles dated on/before YYYY-MM-DD")
    p.add_argument("--source", action="append", default=[], help="only this source (repeatable)")
    p.add_argument("--doc", action="append", default=[], help="only this document id (repeatable)")


def _filters(args: argparse.Namespace):  # -> Filters
    from rag.filters import Filters

    return Filters(date_from=args.date_from, date_to=args.date_to, sources=tuple(args.source),
                   doc_ids=tuple(args.doc))


def _check_question(question: str, top_k: int | None) -> None:
    from rag.query import check_question

    check_question(question)
    if top_k is not None and not 1 <= top_k <= 50:
        raise InputError("--top-k must be between 1 and 50")


def _owned(settings: Settings, command: str, doc_id: str = "DOC_ID"):  # -> KnowledgeBase
    """A knowledge base that owns the index for this process, or `IndexBusyError` saying how to proceed."""
    from rag.kb import KnowledgeBase

    kb = KnowledgeBase(settings)
    try:
        kb.claim(command, on_wait=lambda: print("rag: waiting for other rag processes reading the index to finish",
                                                file=sys.stderr))
    except IndexBusyError as exc:
        if exc.url:
            raise IndexBusyError(f"{exc}: {_through(exc.url, command, doc_id)}, or stop the server and run this "
                                 "again", exc.owner, exc.url) from None
        raise IndexBusyError(f"{exc}; run this again when it has finished", exc.owner) from None
    return kb


def _through(url: str, command: str, doc_id: str) -> str:
    from urllib.parse import quote

    key = '-H "Authorization: Bearer $RAG_API_KEY"'
    if command == "remove":
        return f"remove through it with `curl -X DELETE {key} {url}/api/documents/{quote(doc_id, safe='')}`"
    return f"upload through it with `curl {key} -F files=@ARTICLE.txt {url}/api/documents`"


def _reader(settings: Settings):  # -> KnowledgeBase | RemoteIndex
    """Where reads go: the `rag serve` that owns the index (found from the lock file before anything heavy
    is imported: the answer then takes about a second), or the index itself."""
    if not settings.chroma_url:
        from index.owner import IndexLock

        lock = IndexLock(settings.index_dir)  # the knowledge base takes its own, below
        try:
            lock.acquire_shared()
        except IndexBusyError as exc:
            if exc.url:
                return _remote(exc.url, settings)
        finally:
            lock.release()
    from rag.kb import KnowledgeBase

    kb = KnowledgeBase(settings)
    try:
        kb.store.warm_up()
    except IndexBusyError as exc:
        if exc.url:
            return _remote(exc.url, settings)
        raise IndexBusyError(f"{exc}; ask again when it has finished", exc.owner) from None
    return kb


def _remote(url: str, settings: Settings):  # -> RemoteIndex
    from rag.remote import RemoteIndex

    print(f"rag: asking the running `rag serve` at {url} (it owns the index at {settings.index_dir})",
          file=sys.stderr)
    return RemoteIndex(url, settings.api_key, str(settings.index_dir))


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from index.loading import FieldMap
    from rag.progress import IngestProgress

    fields = FieldMap.parse(args.fields) if args.fields else FieldMap()
    kb = _owned(settings, "ingest")
    paths = args.paths or [settings.articles_dir]
    started = time.perf_counter()
    progress = IngestProgress(sys.stderr)  # a bar on a terminal, a line every 10 s otherwise
    try:
        report = kb.ingest(paths, fields=fields, prune=args.prune, progress=progress)
    finally:
        progress.close()
    took = time.perf_counter() - started
    print(f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
          f"removed {len(report.removed)}, failed {len(report.failed)}; {report.chunks_embedded} chunks "
          f"embedded in {took:.1f} s ({report.chunks_embedded / max(took, 1e-9):.1f}/s)")
    _print_folded(report)
    for failure in report.failed:
        print(f"failed: {failure.origin}: {failure.reason}", file=sys.stderr)
    return 0 if (report.added or report.updated or report.unchanged) else 1


def _print_folded(report: IngestReport, shown: int = 10) -> None:
    """How many articles were folded as near-duplicates (the first few named), and which copies were stored in
    full again because the article they were folded into changed or went."""
    if report.folded:
        into = len(set(report.folded.values()))
        print(f"{len(report.folded)} folded as near-duplicates of {into} stored article{'s' if into != 1 else ''} "
              "(stored once, cited with their sources and dates; `rag docs` lists them as copies)")
        for copy, kept in list(report.folded.items())[:shown]:
            print(f"  {copy} → copy of {kept}")
        if len(report.folded) > shown:
            print(f"  … and {len(report.folded) - shown} more")
    if report.promoted:
        print(f"{len(report.promoted)} near-duplicate copies stored in full again (the article they were folded "
              f"into changed or went): {', '.join(report.promoted[:shown])}")


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    from rag.types import DocumentEntry

    docs = [d if isinstance(d, DocumentEntry) else DocumentEntry.of(d) for d in _reader(settings).docs()]
    if args.json:
        print(json.dumps([d.model_dump() for d in docs], ensure_ascii=False, indent=2))
    else:
        for d in docs:
            held = f"copy of {d.copy_of}" if d.copy_of else f"{d.chunks} chunks"
            print(f"{d.doc_id}\t{d.date or '-'}\t{held}\t{d.title}")
        copies = sum(bool(d.copy_of) for d in docs)
        print(f"{len(docs)} documents" + (f" ({copies} of them near-duplicate copies)" if copies else ""))
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    from index.errors import NotFoundError

    try:
        n = _owned(settings, "remove", args.doc_id).remove(args.doc_id)
    except NotFoundError as exc:
        raise NotFoundError(f"{exc} (see `rag docs`)") from None
    print(f"removed {args.doc_id} ({n} chunks)")
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from rag.types import SearchHit

    _check_question(args.question, args.top_k)
    found = _reader(settings).search(args.question, top_k=args.top_k, mode=args.mode, filters=_filters(args))
    hits = [(h, "") if isinstance(h, SearchHit) else (SearchHit.of(h), h.chunk.date or "undated") for h in found]
    if args.json:
        print(json.dumps({"hits": [h.model_dump() for h, _ in hits]}, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no passages found (is anything ingested? see `rag docs`)")
    for n, (h, date) in enumerate(hits, 1):
        snippet = " ".join(h.text.split())[:300]
        where = ", ".join(x for x in (h.doc_id, date, f"chars {h.start}-{h.end}") if x)
        print(f"[{n}] {h.score:.3f}  {h.title}  ({where})\n    {snippet}\n")
    return 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.copies import also_line
    from rag.remote import RemoteIndex

    _check_question(args.question, args.top_k)
    reader = _reader(settings)
    if not isinstance(reader, RemoteIndex):
        result = reader.ask(args.question, top_k=args.top_k, mode=args.mode, filters=_filters(args))
    elif args.mode:
        raise InputError(f"--mode: the index is served by {reader.url}, which answers in its own retrieval mode "
                         "(use `rag search --mode` to compare modes)")
    else:
        result = reader.ask(args.question, top_k=args.top_k, filters=_filters(args))
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    shown = with_quotes(result)
    print(shown)
    if result.citations:
        print("\nSources:")
    for c in result.citations:
        where = ", ".join(x for x in (c.source, c.date[:10], c.doc_id) if x)
        quoted = "" if c.quote.strip() in shown else f"\n    «{c.quote}»"  # already in the answer: once
        span = f"\n    «{c.phrase}» renders «{c.span_text}» (chars {c.span_start}-{c.span_end})" if c.phrase else ""
        also = f"\n    {also_line(c, 'en')}" if c.also_reported_by else ""  # near-duplicates, stored once
        print(f"[{c.n}] {c.title} ({where}; chars {c.start}-{c.end}){quoted}{span}{also}")
    return 0


def with_quotes(result: Answer) -> str:
    """The answer with each phrase line followed by the full quote it was rendered from, indented."""
    beside = {f"{c.phrase} [{c.n}]": c.quote for c in result.citations if c.phrase}
    return "\n".join(f"{line}\n    «{' '.join(beside[line].split())}»" if line in beside else line
                     for line in result.answer.split("\n"))


def _ingest_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: data/articles)")
    p.add_argument("--fields", default="", help="JSON field mapping: 'ant' or e.g. 'id=docno,date=time'")
    p.add_argument("--prune", action="store_true", help="remove stored documents not found in PATHS")


def _docs_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true")


def _remove_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("doc_id")


def _search_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--mode", choices=RETRIEVERS.names(), default=None,
                   help="retrieval mode (default: RAG_RETRIEVAL_MODE, hybrid)")
    _add_filters(p)
    p.add_argument("--json", action="store_true")


def _ask_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("question")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--mode", choices=RETRIEVERS.names(), default=None)
    _add_filters(p)
    p.add_argument("--json", action="store_true", help="print the answer as the HTTP API returns it")


BUILT_IN = {
    "ingest": Command("add or update articles (files or folders)", _ingest_arguments, cmd_ingest),
    "docs": Command("list the ingested documents", _docs_arguments, cmd_docs),
    "remove": Command("remove a document and its chunks", _remove_arguments, cmd_remove),
    "search": Command("find the passages for a question", _search_arguments, cmd_search),
    "ask": Command("answer a question with citations", _ask_arguments, cmd_ask),
}


def commands() -> dict[str, Command]:
    """The built-in commands and those registered under the `rag.commands` entry points."""
    found = dict(BUILT_IN)
    for ep in entry_points(group="rag.commands"):
        try:
            command = ep.load()
        except Exception as exc:  # noqa: BLE001 - a broken plugin costs its command, not the CLI
            print(f"rag: warning: command {ep.name!r} unavailable ({type(exc).__name__}: {exc})", file=sys.stderr)
            continue
        if not isinstance(command, Command):
            print(f"rag: warning: entry point {ep.value} is not a rag.cli.Command; skipped", file=sys.stderr)
            continue
        found.setdefault(ep.name, command)
    return found


def _parser(available: dict[str, Command]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rag", description="Question answering over an archive of Arabic news.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, command in available.items():
        command.arguments(sub.add_parser(name, help=command.help))
    return p


def main(argv: list[str] | None = None) -> int:
    from index.files import private_umask

    private_umask()  # index and models readable by their owner only, unless RAG_SHARED_FILES=1 (index/files.py)
    argv = sys.argv[1:] if argv is None else argv
    named = next((a for a in argv if not a.startswith("-")), None)
    available = dict(BUILT_IN) if named in BUILT_IN else commands()  # a built-in needs no plugin loaded
    args = _parser(available).parse_args(argv)
    try:
        settings = load_settings()
        return available[args.command].run(args, settings)
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
    # `python -m rag.cli` runs this file as __main__: hand over to the imported module, whose `Command` class
    # is the one the entry-point commands are instances of.
    from rag.cli import main as _main

    sys.exit(_main())
