"""Files and folders → `Document`s: formats, field mapping, metadata.

Formats: .txt .md .html/.htm .json .jsonl (each optionally .gz). A text file is one article whose id is
the file stem (characters an id cannot hold become '-'); a JSON file holds one record or a list of
records, a JSONL file one record per line, read line by line. Records carry `text` and optionally `id`,
`title`, `date`, `url`, `source` under names set by a `FieldMap` (preset `ant` for the ANT corpus:
docno, title, time, url, src).

Metadata for a text file can sit beside it in `name.meta.json` (`index.metadata`: title, date, source, url);
without a source there, the outlet the text names (`«… لـ"العربية.نت"»`) is taken.

Everything that goes wrong is yielded as a `Failure` naming the file (or line, or record) and the
reason, so one bad file or line never stops a batch. Elsewhere: which files a folder holds and why
others are skipped (`index.finding`), safe reading and the size limits (`index.reading`), encodings
(`index.decoding`)."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from index.arabic import language_of
from index.cleaning import clean, headline
from index.dates import find_date, parse_date
from index.decoding import decode as decode  # re-exported
from index.decoding import utf16_encoding
from index.errors import InputError
from index.finding import SUFFIXES as SUFFIXES  # re-exported: ingest and the API use them from here
from index.finding import base_suffix, shown
from index.finding import iter_files as _iter_files
from index.metadata import find_outlet, is_sidecar, read_sidecar, sidecar_of
from index.reading import MB, Limits, iter_lines, open_stream, read_limited
from index.types import Document, Failure

# Ids: letters, digits, single inner spaces and . - _ # : @ + (they appear in chunk ids, URLs and commands).
_ID = re.compile(r"[\w.\-#:@+]+(?: [\w.\-#:@+]+)*")
_NOT_ID = re.compile(r"[^\w.\-#:@+ ]+")


@dataclass(frozen=True)
class FieldMap:
    text: str = "text"
    id: str = "id"
    title: str = "title"
    date: str = "date"
    url: str = "url"
    source: str = "source"

    @classmethod
    def parse(cls, spec: str) -> FieldMap:
        """`"ant"`, or `"id=docno,date=time,source=src"` (unnamed fields keep their defaults)."""
        if spec.strip().lower() == "ant":
            return cls(id="docno", date="time", source="src")
        values: dict[str, str] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, name = part.partition("=")
            if not sep or key.strip() not in cls.__dataclass_fields__ or not name.strip():
                raise InputError(f"bad field mapping {part!r}: use FIELD=NAME with FIELD one of "
                                 f"{', '.join(cls.__dataclass_fields__)}, or the preset 'ant'")
            values[key.strip()] = name.strip()
        return cls(**values)


def make_document(doc_id: str, original: str, *, title: str = "", date: object = "", source: str = "",
                  url: str = "", origin: str = "") -> Document:
    """Clean `original` and fill in what the metadata lacks: headline title, dateline date, language."""
    text, offsets = clean(original)
    title = " ".join(str(title or "").split()) or headline(text) or _opening(text)
    iso = parse_date(date) or find_date(text)
    return Document(doc_id=doc_id, text=text, original=original, offsets=tuple(offsets), title=title,
                    date=iso, source=str(source or "") or find_outlet(text), url=str(url or ""),
                    language=language_of(text), origin=origin)


def _opening(text: str, max_chars: int = 80) -> str:
    first = text.split("\n", 1)[0].strip()
    return first if len(first) <= max_chars else first[:max_chars].rsplit(" ", 1)[0] + "…"


class _HTMLText(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "tr", "article", "section", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip += tag in ("script", "style", "nav", "footer", "header", "aside")
        self._in_title = tag == "title"
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "nav", "footer", "header", "aside") and self._skip > 0
        self._in_title = False if tag == "title" else self._in_title
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str]:
    """(title, body text) of an HTML page; paragraphs become blank-line separated."""
    parser = _HTMLText()
    parser.feed(markup)
    body = re.sub(r"\n\s*\n\s*", "\n\n", "".join(parser.parts))
    return html.unescape(parser.title).strip(), body.strip()


def _stem(path: Path) -> str:
    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return name.rsplit(".", 1)[0]


def _file_id(path: Path) -> str:
    """The document id a file gives: its stem, each run of characters an id cannot hold made a '-'."""
    return " ".join(_NOT_ID.sub("-", _stem(path)).split()).strip(" -")


def iter_files(paths: Iterable[Path]) -> Iterator[Path | Failure]:
    """`index.finding.iter_files`, less the metadata sidecars of articles found (they are read with them);
    a sidecar without its article is reported."""
    for item in _iter_files(paths):
        if isinstance(item, Path) and is_sidecar(item):
            stem = item.name[: -len(".meta.json")]
            if not any(item.with_name(stem + s + gz).is_file() for s in (".txt", ".md", ".html", ".htm")
                       for gz in ("", ".gz")):
                yield Failure(shown(item), f"metadata file without its article ({stem}.txt, .md or .html)")
            continue
        yield item


def load_file(path: Path, fields: FieldMap = FieldMap(), limits: Limits | None = None) -> Iterator[Document | Failure]:
    """The documents in one file, and a Failure for each part that cannot be used.

    Never raises: whatever goes wrong with this file (or a record in it) is this file's Failure only.
    `limits` default to `Limits.from_env()` (see `index.reading`).
    """
    origin = shown(path)
    try:
        yield from _load(path, origin, fields, limits or Limits.from_env())
    except InputError as exc:
        yield Failure(origin, str(exc))
    except RecursionError:
        yield Failure(origin, "nested too deeply to read")
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the batch
        yield Failure(origin, f"could not be read ({type(exc).__name__}: {exc})")


def _load(path: Path, origin: str, fields: FieldMap, limits: Limits) -> Iterator[Document | Failure]:
    suffix = base_suffix(path)
    if suffix == ".jsonl":
        yield from _jsonl_file(path, origin, fields, limits)
        return
    text = decode(read_limited(path, limits), "")
    if suffix == ".json":
        yield from _json_file(text, path, origin, fields, limits)
        return
    title = ""
    if suffix in (".html", ".htm"):
        title, text = html_to_text(text)
    meta = read_sidecar(path)
    if meta.get("date") and not parse_date(meta["date"]):
        raise InputError(f"{sidecar_of(path).name}: date {meta['date']!r} is not a date (use YYYY-MM-DD)")
    yield _too_long(text, origin, limits) or _checked(make_document(
        _file_id(path), text, title=meta.get("title") or title, date=meta.get("date", ""),
        source=meta.get("source", ""), url=meta.get("url", ""), origin=origin))


def _too_long(text: str, origin: str, limits: Limits) -> Failure | None:
    if len(text) <= limits.article_chars:
        return None
    return Failure(origin, f"the article is {len(text):,} characters; at most {limits.article_chars:,} "
                           f"(RAG_MAX_ARTICLE_CHARS): split it or raise the limit")


def _jsonl_file(path: Path, origin: str, fields: FieldMap, limits: Limits) -> Iterator[Document | Failure]:
    """One record per line, read line by line: memory stays bounded by the longest line allowed."""
    with open_stream(path, limits) as raw:
        utf16 = utf16_encoding(raw.peek(4096)[:4096])
        stream: IO[str] | IO[bytes] = io.TextIOWrapper(raw, encoding=utf16) if utf16 else raw
        for n, line in enumerate(iter_lines(stream, int(limits.line_mb * MB)), 1):
            where = f"{origin}:{n}"
            if line is None:
                yield Failure(where, f"line longer than {limits.line_mb:g} MB (RAG_MAX_LINE_MB); skipped")
            elif line.strip():
                try:
                    text = line if isinstance(line, str) else decode(line, "")
                except InputError as exc:
                    yield Failure(where, str(exc))
                    continue
                yield _record(text, where, f"{_file_id(path)}-{n}", fields, limits)


def _parse_json(text: str) -> object:
    """`json.loads`, with every way it can fail (too deep, too long a number) as a `ValueError`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from exc
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def _json_file(text: str, path: Path, origin: str, fields: FieldMap, limits: Limits) -> Iterator[Document | Failure]:
    try:
        data = _parse_json(text)
    except ValueError as exc:
        yield Failure(origin, f"broken JSON ({exc})")
        return
    records = data if isinstance(data, list) else [data]
    for n, rec in enumerate(records, 1):
        fallback = f"{_file_id(path)}-{n}" if len(records) > 1 else _file_id(path)
        yield _record(rec, f"{origin}[{n}]", fallback, fields, limits)


def _record(raw: object, origin: str, fallback_id: str, fields: FieldMap, limits: Limits) -> Document | Failure:
    if isinstance(raw, str):
        try:
            raw = _parse_json(raw)
        except ValueError as exc:
            return Failure(origin, f"broken JSON line ({exc})")
    if not isinstance(raw, dict):
        return Failure(origin, "record is not a JSON object")
    body = raw.get(fields.text)
    if not isinstance(body, str) or not body.strip():
        return Failure(origin, f"record has no text (field {fields.text!r} missing or empty)")
    doc_id = str(raw.get(fields.id) or fallback_id).strip()
    return _too_long(body, origin, limits) or _checked(make_document(
        doc_id, body, title=str(raw.get(fields.title) or ""), date=raw.get(fields.date),
        source=str(raw.get(fields.source) or ""), url=str(raw.get(fields.url) or ""), origin=origin))


def _checked(doc: Document) -> Document | Failure:
    if not doc.text.strip():
        return Failure(doc.origin, "no text left after cleaning")
    if not any(c.isalpha() for c in doc.text):
        return Failure(doc.origin, f"too short to be an article (no words, only {doc.text[:40]!r})")
    if len(doc.doc_id) > 200 or not _ID.fullmatch(doc.doc_id):
        return Failure(doc.origin, f"unusable document id {shown(repr(doc.doc_id))} (at most 200 letters, digits, "
                                   f"single spaces and . - _ # : @ +)")
    return doc
