"""What a search may be restricted to (dates, sources, documents), apart from retrieval itself.

Its own small module so that `rag ask` asking a running server (rag/remote.py) sends filters without loading
numpy or the retrievers; `rag.retrieval` re-exports all three names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from index.errors import InputError
from index.types import Chunk


def check_date(value: str) -> str:
    """`value` if it is "", YYYY, YYYY-MM or YYYY-MM-DD naming a real month and day; else `InputError`.

    >>> check_date("2016-02"), check_date("")
    ('2016-02', '')
    >>> check_date("2016-13-45")
    Traceback (most recent call last):
    ...
    index.errors.InputError: bad date '2016-13-45': use YYYY, YYYY-MM or YYYY-MM-DD
    """
    if value:
        full = value + "-01-01"[len(value) - 4:] if len(value) in (4, 7) else value
        try:
            if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value):
                raise ValueError(value)
            date.fromisoformat(full)
        except ValueError:
            raise InputError(f"bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD") from None
    return value


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval: ISO date range (inclusive, prefix-compared), sources, document ids."""

    date_from: str = ""
    date_to: str = ""
    sources: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_date(self.date_from)
        check_date(self.date_to)

    def __bool__(self) -> bool:
        return bool(self.date_from or self.date_to or self.sources or self.doc_ids)

    def accepts(self, chunk: Chunk) -> bool:
        day = chunk.date[:10]
        return ((not self.date_from or (bool(day) and day >= self.date_from[:10]))
                and (not self.date_to or (bool(day) and day <= self.date_to[:10]))
                and (not self.sources or chunk.source in self.sources)
                and (not self.doc_ids or chunk.doc_id in self.doc_ids))

    def where(self) -> dict[str, Any] | None:
        """The part Chroma can filter on directly (dates are checked afterwards: they are strings)."""
        clauses: list[dict[str, Any]] = []
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if self.doc_ids:
            clauses.append({"doc_id": {"$in": list(self.doc_ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


NO_FILTERS = Filters()
