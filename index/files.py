"""Private files: the index and the converted models are readable by their owner only.

An archive of news may hold what its owner has not published, and a store created 0644 in 0755
folders is readable by every user of the machine. So the `rag` command sets its umask to 077 as it
starts (everything it, Chroma or a model library creates is then 0600, folders 0700), and what this
package writes itself is created private even without that umask (a library user, the tests).

`RAG_SHARED_FILES=1` leaves the umask alone and creates folders and files with the usual modes (an
index shared by a group, say). Folders and files that already exist are never re-moded here.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

SHARED_ENV = "RAG_SHARED_FILES"
PRIVATE_UMASK = 0o077
DIR_MODE, FILE_MODE = 0o700, 0o600


def shared() -> bool:
    return os.environ.get(SHARED_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def private_umask() -> int | None:
    """Set the process umask to 077 unless files are shared; the previous umask, or None if left alone."""
    return None if shared() else os.umask(PRIVATE_UMASK)


def make_private_dir(path: str | Path) -> Path:
    """`path` as a folder, it and each missing parent created 0700 (shared: 0777 less the umask)."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o777 if shared() else DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another process (or not a folder: the caller's write will say so)
        if not shared():
            folder.chmod(DIR_MODE)  # mkdir's mode is masked by the umask
    return path


def open_private(path: str | Path) -> BinaryIO:
    """`path` created (or emptied) for writing, 0600 (shared: 0666 less the umask)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if shared() else FILE_MODE)
    if not shared():
        os.fchmod(fd, FILE_MODE)  # an older file of that name keeps its mode otherwise
    return os.fdopen(fd, "wb")


def make_private_tree(root: str | Path) -> None:
    """Every folder under `root` (and it) 0700 and every file 0600, unless shared: for what a library wrote."""
    if shared():
        return
    for folder, _, files in os.walk(root):
        os.chmod(folder, DIR_MODE)
        for name in files:
            if not os.path.islink(file := os.path.join(folder, name)):
                os.chmod(file, FILE_MODE)


def temp_name(path: Path) -> Path:
    """A temporary name beside `path` that no other writer uses (process id and a random part), to rename over it."""
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex}.tmp")


def write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through `write(file)` into a private temporary file of its own name, then rename it over `path`
    (atomic on POSIX: readers see the old file or the new one, never a part)."""
    tmp = temp_name(path)
    try:
        with open_private(tmp) as f:
            write(f)
        tmp.replace(path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
