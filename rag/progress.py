"""`rag ingest`'s progress on stderr: documents and chunks done, rate and time left.

On a terminal a tqdm bar (documents of the total, rate, ETA, and chunks embedded with their rate); otherwise
(a log file, a CI job, a pipe) one plain line every `EVERY` seconds and one at the end (unless the last line
already said it all), so a long ingest shows it is alive without filling the log with bar redraws. It is an
`index.ingest.Progress` callback: ingest reports ("total", documents found) once, then ("documents", n) and
("chunks", n) after each batch.

>>> lines = io.StringIO()
>>> p = IngestProgress(lines, tty=False, clock=iter([0.0, 4.0, 12.0, 15.0, 16.0]).__next__)
>>> p("total", 100)
>>> for _ in range(3):  # batches ending at 4 s, 12 s and 15 s: a line at 12 s (10 s since the start)
...     p("documents", 10); p("chunks", 40)
>>> p.close()  # at 16 s
>>> print(lines.getvalue(), end="")
ingest: 20/100 documents (20%), 80 chunks embedded; 1.7 documents/s, 6.7 chunks/s; about 0:48 left
ingest: 30/100 documents (30%), 120 chunks embedded; 1.9 documents/s, 7.5 chunks/s; about 0:37 left
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any, TextIO

EVERY = 10.0  # seconds between plain progress lines


class IngestProgress:
    """A progress callback for `ingest` writing to `stream` (a bar when `tty`, else periodic lines)."""

    def __init__(self, stream: TextIO, *, tty: bool | None = None, every: float = EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.every, self.clock = stream, every, clock
        self.tty = _is_tty(stream) if tty is None else tty
        self.total: int | None = None
        self.documents = self.chunks = 0
        self.started = clock()
        self._last_line = self.started
        self._printed = (0, 0)  # what the last line said
        self._bar: Any = None

    def __call__(self, what: str, n: int) -> None:
        if what == "total":
            self.total = n
        elif what == "documents":
            self.documents += n
        elif what == "chunks":
            self.chunks += n
        if self.tty:
            self._draw(what, n)
            return
        if what == "chunks":  # a batch's last event
            now = self.clock()
            if now - self._last_line >= self.every:
                self._last_line = now
                self._print(now)

    def close(self) -> None:
        """End the bar, or print the last line (if anything was done)."""
        if self._bar is not None:
            self._bar.close()
        elif not self.tty and self.documents and self._printed != (self.documents, self.chunks):
            self._print(self.clock())

    def _print(self, now: float) -> None:
        self._printed = (self.documents, self.chunks)
        print(self.line(now), file=self.stream, flush=True)

    def line(self, now: float) -> str:
        took = max(now - self.started, 1e-9)
        docs_rate, chunks_rate = self.documents / took, self.chunks / took
        of = f"/{self.total}" if self.total is not None else ""
        share = f" ({100 * self.documents / self.total:.0f}%)" if self.total else ""
        text = (f"ingest: {self.documents}{of} documents{share}, {self.chunks} chunks embedded; "
                f"{docs_rate:.1f} documents/s, {chunks_rate:.1f} chunks/s")
        if self.total is not None and docs_rate > 0 and self.documents < self.total:
            text += f"; about {_duration((self.total - self.documents) / docs_rate)} left"
        return text

    def _draw(self, what: str, n: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, unit=" docs", desc="ingest", file=self.stream, dynamic_ncols=True)
        if what == "total":
            self._bar.total = n
            self._bar.refresh()
        elif what == "documents":
            self._bar.update(n)
        elif what == "chunks":
            rate = self.chunks / max(self.clock() - self.started, 1e-9)
            self._bar.set_postfix(chunks=self.chunks, chunks_per_s=f"{rate:.1f}")


def _duration(seconds: float) -> str:
    """'1:05:09', '4:07' or '0:09'."""
    s = int(round(seconds))
    hours, rest = divmod(s, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return False
