"""One owner per index folder: an exclusive `flock` on `<index>/owner.lock`, held for the owner's whole life.

An embedded Chroma folder must have one process writing it: a second process keeps its own in-memory vector
index, so it serves stale state and fails on ids it cannot find ("Error finding id"), and its writes can
undo the other's. So the processes that change an index (`rag serve`, `rag ingest`, `rag remove`) take this
lock exclusively and keep it until they exit; the kernel drops it when a process dies, `kill -9` included,
so there is never a stale lock to clean up. The owner writes who it is (pid, command, and for a server the URL
it answers on) into the lock file, so whoever finds the lock taken can say who holds it and how to proceed.

Processes that only read (`rag ask`, `search`, `docs`, `rag eval`) take the lock shared: any number of them
at once, none while an owner runs, and an owner waits (a bounded time) for them to finish before it starts.

Leaves out: Windows (no `fcntl`); network file systems, where `flock` may not reach other machines; and a
Chroma server (`RAG_CHROMA_URL`), whose writers need not be on this machine: there the registry's change
token keeps readers in step (`index/chroma.py`), and no lock is taken.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from index.errors import IndexBusyError, StoreError
from index.files import FILE_MODE, make_private_dir, shared

LOCK_NAME = "owner.lock"


@dataclass(frozen=True)
class Owner:
    pid: int
    command: str  # "serve", "ingest", "remove"
    url: str = ""  # where a server answers (http://127.0.0.1:8000), else ""

    def describe(self) -> str:
        if self.url:
            return f"served by `rag {self.command}` (pid {self.pid}) on {self.url}"
        return f"being changed by `rag {self.command}` (pid {self.pid})"


class IndexLock:
    """The lock of one index folder, held through one open file (so one per process and purpose)."""

    def __init__(self, index_dir: str | Path) -> None:
        self.index_dir = Path(index_dir)
        self.path = self.index_dir / LOCK_NAME
        self._file: IO[str] | None = None
        self.mode = ""  # "", "shared" or "exclusive"

    def acquire_shared(self, settle: float = 2.0) -> None:
        """Read access, or `IndexBusyError` naming the owner (after `settle` s for it to write its name).

        A folder this process cannot write is read without a lock: nobody else can change it through us."""
        try:
            f = self._open()
        except OSError:
            return
        deadline = time.monotonic() + settle
        while not _try(f, fcntl.LOCK_SH):
            owner = self.owner()
            if owner is not None or time.monotonic() >= deadline:
                raise IndexBusyError(self._busy(owner), owner, owner.url if owner else "")
            time.sleep(0.05)
        self.mode = "shared"

    def acquire_exclusive(self, owner: Owner, wait: float = 60.0,
                          on_wait: Callable[[], None] | None = None) -> None:
        """Own the index, or `IndexBusyError`: at once if another owner holds it; after `wait` s if readers do."""
        try:
            f = self._open()
        except OSError as exc:
            raise StoreError(f"cannot lock the index at {self.index_dir}: {exc}") from exc
        self.mode = ""  # converting a shared lock is not atomic: while we wait, we hold nothing
        deadline = time.monotonic() + wait
        waiting = False
        while not _try(f, fcntl.LOCK_EX):
            holder = self.owner()
            if holder is not None:
                raise IndexBusyError(self._busy(holder), holder, holder.url)
            if time.monotonic() >= deadline:
                raise IndexBusyError(f"the index at {self.index_dir} is open in other `rag` processes (ask, search, "
                                     f"docs, eval) that did not finish within {wait:g} s")
            if not waiting and on_wait is not None:
                on_wait()
            waiting = True
            time.sleep(0.1)
        f.seek(0)
        f.truncate()
        f.write(json.dumps(asdict(owner)))
        f.flush()
        self.mode = "exclusive"

    def release(self) -> None:
        if self._file is None:
            return
        if self.mode == "exclusive":
            self._file.seek(0)
            self._file.truncate()  # nobody reads a departed owner's name
            self._file.flush()
        self._file.close()  # closing the file drops the lock
        self._file, self.mode = None, ""

    def owner(self) -> Owner | None:
        """The process that owns the index exclusively, if one does (from the lock file, checked to be alive)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "null")
            found = Owner(pid=int(data["pid"]), command=str(data["command"]), url=str(data.get("url", "")))
        except (OSError, ValueError, TypeError, KeyError):
            return None
        return found if _alive(found.pid) else None  # a killed owner's name stays in the file; its lock does not

    def _busy(self, owner: Owner | None) -> str:
        return f"the index at {self.index_dir} is {owner.describe() if owner else 'in use by another process'}"

    def _open(self) -> IO[str]:
        if self._file is None:
            make_private_dir(self.index_dir)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666 if shared() else FILE_MODE)
            self._file = os.fdopen(fd, "r+", encoding="utf-8")
        return self._file


def _try(f: IO[str], kind: int) -> bool:
    try:
        fcntl.flock(f.fileno(), kind | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True
