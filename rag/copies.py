"""How a cited article's near-duplicate copies are named beside it: "also reported by 2 other sources: …".

Text only, so the quick CLI path (asking a running server) can print it without loading the pipeline.

>>> copy = ArticleCopy(doc_id="b", title="T", source="Al Wasat", date="2016-05-02T10:00", url="")
>>> also_reported("Jawhara FM", [copy], "en"), copy_label(copy)
('also reported by 1 other source', 'Al Wasat, 2016-05-02')
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.types import ArticleCopy, Citation, Language


def also_reported(source: str, copies: Sequence[ArticleCopy], language: Language) -> str:
    """The head of a cited article's "also reported by" line: how many other sources, or copies, tell the story
    (`source`: the cited article's own)."""
    others = {c.source for c in copies if c.source and c.source != source}
    n = len(others) or len(copies)
    if language == "ar":
        return "ورد الخبر أيضًا لدى" if others else "ونُشر أيضًا في"
    if others:
        return f"also reported by {n} other source{'s' if n != 1 else ''}"
    return f"also published {n} more time{'s' if n != 1 else ''}"


def also_line(citation: Citation, language: Language) -> str:
    """"also reported by 2 other sources: Al Wasat, 2016-05-02; …" for a citation with copies, else ""."""
    copies = citation.also_reported_by
    if not copies:
        return ""
    return f"{also_reported(citation.source, copies, language)}: {'; '.join(copy_label(c) for c in copies)}"


def copy_label(copy: ArticleCopy) -> str:
    """A copy as one names it beside a citation: its source and date, or its id when it has neither."""
    return ", ".join(x for x in (copy.source, copy.date[:10]) if x) or copy.doc_id
