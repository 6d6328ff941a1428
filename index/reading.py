"""Bytes from input files, safely: regular files only, bounded sizes, gzip without decompression bombs.

Limits (named constants; each can be overridden from the environment, read on every call):

    RAG_MAX_FILE_MB        20         one .txt/.md/.html/.json file, after gunzip (JSONL is read line by line)
    RAG_MAX_LINE_MB        8          one JSONL line (room for \\u-escaped Arabic: 6 bytes a letter)
    RAG_MAX_ARTICLE_CHARS  1,000,000  one article's text, from a file or a record (~180,000 words)
    RAG_MAX_GZIP_RATIO     100        decompressed ÷ compressed bytes, checked once 1 MB has come out

A file is opened without blocking and refused unless it is a regular file, so a FIFO or a device
never hangs a batch. What the bytes mean (encodings, formats) is not decided here.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from index.errors import InputError

MB = 2**20
BLOCK = MB  # read size: bounds the memory a read takes, whatever the file
RATIO_FLOOR = MB  # the ratio is judged once this much has been decompressed (small files vary)


@dataclass(frozen=True)
class Limits:
    file_mb: float = 20.0
    line_mb: float = 8.0
    article_chars: int = 1_000_000
    gzip_ratio: float = 100.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """The defaults, overridden by `RAG_MAX_*` variables; `InputError` for a value that is not a positive number."""
        env = os.environ if env is None else env
        values: dict[str, float] = {}
        for name, var in ENV_NAMES.items():
            raw = env.get(var, "").strip()
            if not raw:
                continue
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not 0 < value < float("inf"):
                raise InputError(f"{var} must be a positive number, not {raw!r}")
            values[name] = value
        if "article_chars" in values:
            values["article_chars"] = int(values["article_chars"])
        return cls(**values)  # type: ignore[arg-type]


ENV_NAMES = {"file_mb": "RAG_MAX_FILE_MB", "line_mb": "RAG_MAX_LINE_MB",
             "article_chars": "RAG_MAX_ARTICLE_CHARS", "gzip_ratio": "RAG_MAX_GZIP_RATIO"}


def is_gzip(path: Path) -> bool:
    return path.name.lower().endswith(".gz")


def open_regular(path: Path) -> BinaryIO:
    """`path` opened for reading, if it is a regular file (checked on the open file, without blocking)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot be opened ({exc.strerror})") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise InputError(f"skipped: {file_kind(mode)}, not a regular file")
    return os.fdopen(fd, "rb")


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


class _GuardedGzip(io.RawIOBase):
    """gzip decompression that stops with `InputError` when output outgrows input `ratio` times."""

    def __init__(self, raw: BinaryIO, ratio: float) -> None:
        self._raw, self._ratio, self._out = raw, ratio, 0
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            n = self._gz.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"broken gzip file ({exc})") from exc
        self._out += n
        packed = max(self._raw.tell(), 1)  # compressed bytes read so far (never less than used)
        if self._out > RATIO_FLOOR and self._out > self._ratio * packed:
            raise InputError(f"refused as a decompression bomb: {_size(packed)} of gzip gave {_size(self._out)} "
                             f"and counting (over {self._ratio:g}×, RAG_MAX_GZIP_RATIO)")
        return n

    def close(self) -> None:
        self._gz.close()
        self._raw.close()
        super().close()


def open_stream(path: Path, limits: Limits) -> io.BufferedReader:
    """The file's bytes as a stream, decompressed (under the ratio limit) for `.gz`."""
    raw = open_regular(path)
    if not is_gzip(path):
        return cast(io.BufferedReader, raw)
    return io.BufferedReader(_GuardedGzip(raw, limits.gzip_ratio), BLOCK)


def read_limited(path: Path, limits: Limits) -> bytes:
    """All of a file's bytes, refused over `limits.file_mb` (after decompression) without reading further."""
    cap = int(limits.file_mb * MB)
    with open_stream(path, limits) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        after = " once decompressed" if is_gzip(path) else ""
        raise InputError(f"larger than {limits.file_mb:g} MB{after}: not one article (limit RAG_MAX_FILE_MB; "
                         f"a JSONL file has no such limit)")
    return data


def iter_lines(stream: IO[Any], cap: int) -> Iterator[str | bytes | None]:
    """Each line of `stream`, or None for a line longer than `cap` (read past without keeping it)."""
    while line := stream.readline(cap + 1):
        if len(line) > cap and line[-1:] not in ("\n", b"\n"):
            while (rest := stream.readline(BLOCK)) and rest[-1:] not in ("\n", b"\n"):
                pass
            yield None
        else:
            yield line


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} KB"
