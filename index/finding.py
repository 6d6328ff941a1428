"""Paths named by a user → the files to read, and one `Failure` line for everything not read, saying why.

Inside folders (walked recursively, sorted): hidden entries (".name") are skipped, a hidden folder as a
whole; so are FIFOs, sockets and devices (reading one would block or never end), broken links and links
to a folder already read (a link to itself or to a parent would loop). Links to files and to other
folders are followed. A path named explicitly is read even if hidden.

File names are reported through `shown`, which escapes control characters so that a newline (or a
terminal escape) in a name can neither split nor forge a report line.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.reading import file_kind
from index.types import Failure

TEXT_SUFFIXES = {".txt", ".md", ".html", ".htm"}
RECORD_SUFFIXES = {".json", ".jsonl"}
SUFFIXES = TEXT_SUFFIXES | RECORD_SUFFIXES

# C0/C1 controls, line/paragraph separators, bidi overrides and isolates, lone surrogates (undecodable bytes)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(path: Path | str) -> str:
    """`path` as text that is safe to print on one line (control characters escaped, Python style)."""
    def escape(m: re.Match[str]) -> str:
        c = m.group()
        return _ESCAPES.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")

    return _UNSAFE.sub(escape, str(path))


def base_suffix(path: Path) -> str:
    """'.txt' for a.txt and a.TXT.gz."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def iter_files(paths: Iterable[Path]) -> Iterator[Path | Failure]:
    """Supported files under `paths` (folders recursively, sorted); then a Failure for each thing skipped."""
    for path in paths:
        if path.is_dir():
            found, skipped = _walk(path)
            yield from found
            yield from skipped
        else:
            yield _named_file(path)


def _named_file(path: Path) -> Path | Failure:
    try:
        mode = path.stat().st_mode
    except OSError:
        reason = "broken symbolic link (to nothing, or to itself)" if path.is_symlink() else "no such file or folder"
        return Failure(shown(path), reason)
    if not stat.S_ISREG(mode):
        return Failure(shown(path), f"skipped: {file_kind(mode)}, not a regular file")
    return path if base_suffix(path) in SUFFIXES else _unsupported(path)


def _unsupported(path: Path) -> Failure:
    return Failure(shown(path), f"unsupported file type {''.join(path.suffixes) or '(none)'}"
                                f" (use one of {', '.join(sorted(SUFFIXES))})")


def _walk(root: Path) -> tuple[list[Path], list[Failure]]:
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    seen = {_key(os.stat(root))}
    folders = [root]
    while folders:  # a stack, not recursion: a deep tree cannot overflow it
        folder = folders.pop()
        try:
            entries = list(folder.iterdir())
        except OSError as exc:
            skipped.append((folder, f"skipped: the folder cannot be read ({exc.strerror})"))
            continue
        for p in entries:
            if p.name.startswith("."):
                skipped.append((p, "skipped: hidden folder" if p.is_dir() else "skipped: hidden file"))
                continue
            try:
                st = p.stat()
            except OSError as exc:
                reason = "broken symbolic link (to nothing, or to itself)" if p.is_symlink() else exc.strerror
                skipped.append((p, f"skipped: {reason}"))
                continue
            if stat.S_ISDIR(st.st_mode):
                if _key(st) in seen:
                    skipped.append((p, "skipped: a link to a folder read already (a loop or a duplicate)"))
                else:
                    seen.add(_key(st))
                    folders.append(p)
            elif not stat.S_ISREG(st.st_mode):
                skipped.append((p, f"skipped: {file_kind(st.st_mode)}, not a regular file"))
            elif base_suffix(p) in SUFFIXES:
                found.append(p)
            else:
                skipped.append((p, _unsupported(p).reason))
    return sorted(found), [Failure(shown(p), reason) for p, reason in sorted(skipped)]


def _key(st: os.stat_result) -> tuple[int, int]:
    return st.st_dev, st.st_ino
