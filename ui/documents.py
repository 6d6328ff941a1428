"""The Documents tab: what the archive holds (title, date, source, chunks), and adding or removing articles.

Adding and removing follow the API's rule: they need the server's API key, so they work only when `RAG_API_KEY`
is set, and then the page itself is behind that key (its login). Without a key the tab lists the archive and
says how to enable them; the handlers refuse on the server too, whatever the page shows. Files are dropped or
picked (Gradio shows the upload's progress), then ingested with a progress bar; the same checks as
`POST /api/documents` apply (supported types, no path parts, `RAG_MAX_UPLOAD_MB` each).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from index.errors import NotFoundError, RagError
from index.loading import SUFFIXES
from index.types import DocInfo
from rag.kb import KnowledgeBase
from ui.render import esc

COLUMNS = ["title", "date", "source", "passages", "id"]
DISABLED = ("Adding and removing articles need the server's API key: start it with `RAG_API_KEY=… rag serve` "
            "(the page then asks for the key), or use `rag ingest` / `rag remove`.")
ACCEPTED = sorted(SUFFIXES | {s + ".gz" for s in SUFFIXES})


def table(kb: KnowledgeBase) -> str:
    """The archive as an HTML table (each cell reads in its own direction), for a Markdown component."""
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    rows = "".join(f'<tr><td dir="auto">{esc(d.title)}</td><td>{esc(d.date[:10]) or "–"}</td>'
                   f'<td dir="auto">{esc(d.source) or "–"}</td><td>{_held(d)}</td>'
                   f'<td dir="ltr">{esc(d.doc_id)}</td></tr>' for d in kb.docs())
    return (f'<div class="rag-docs-wrap"><table class="rag-docs"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table></div>")


def _held(d: DocInfo) -> str:
    """Its passages, or for a near-duplicate copy the article that holds them."""
    return f'copy of <span dir="ltr">{esc(d.copy_of)}</span>' if d.copy_of else str(d.chunks)


def sources(kb: KnowledgeBase) -> list[str]:
    return sorted({d.source for d in kb.docs() if d.source})


def choices(kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(label, doc_id) for the delete picker."""
    return [(f"{d.title[:70]} · {d.doc_id}", d.doc_id) for d in kb.docs()]


def summary(kb: KnowledgeBase) -> str:
    docs = kb.docs()
    copies = sum(bool(d.copy_of) for d in docs)
    folded = f" ({copies:,} of them near-duplicate copies, stored once)" if copies else ""
    return f"**{len(docs):,} articles**{folded}, {sum(d.chunks for d in docs):,} passages."


def allowed(kb: KnowledgeBase) -> bool:
    return bool(kb.settings.api_key)


def _checked_name(path: Path, limit_mb: float) -> str:
    name = path.name
    if name.startswith(".") or not any(name.lower().endswith(s) for s in ACCEPTED):
        raise RagError(f"{name}: unsupported file type (use one of {', '.join(sorted(SUFFIXES))})")
    if path.stat().st_size > limit_mb * 2**20:
        raise RagError(f"{name}: larger than {limit_mb:g} MB")
    return name


def add(kb: KnowledgeBase, files: list[str] | None, progress: Any = None) -> str:
    """Ingest the uploaded files (Gradio's temporary paths, original names kept); a report in Markdown."""
    if not allowed(kb):
        raise RagError(DISABLED)
    if not files:
        return "Drop or choose files to add."
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for f in files:
            source = Path(f)
            target = Path(tmp) / _checked_name(source, kb.settings.max_upload_mb)
            shutil.copyfile(source, target)
            paths.append(target)
        done = [0]

        def step(what: str, n: int) -> None:
            if what == "documents" and progress is not None:
                done[0] += n
                progress(done[0] / len(paths), desc=f"ingested {done[0]} of {len(paths)}")

        report = kb.ingest(paths, progress=step)
    lines = [f"added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}"
             + (f"; {len(report.folded)} folded as near-duplicates" if report.folded else "")]
    lines += [f"- failed: {Path(f.origin).name}: {f.reason}" for f in report.failed]
    return "\n".join(lines)


def remove(kb: KnowledgeBase, doc_id: str | None) -> str:
    if not allowed(kb):
        raise RagError(DISABLED)
    if not doc_id:
        return "Choose an article to remove."
    try:
        n = kb.remove(doc_id)
    except NotFoundError:
        return f"`{doc_id}` is no longer in the archive."
    return f"removed `{doc_id}` ({n} passages)"
