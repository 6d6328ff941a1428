"""A blocking call that reports progress through callbacks → an iterator of its events, for streaming replies.

The call runs on a worker thread; its callbacks put events on a queue that the caller's thread reads. What
this leaves out: cancellation (a client that disconnects leaves the worker to finish its answer).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
Emit = Callable[[str], None]


def stream(run: Callable[[Emit, Emit], T]) -> Iterator[tuple[str, str] | T]:
    """`run(on_text, on_draft)` on a worker thread: yields ("text", piece) and ("draft", sentence) as the
    callbacks fire, then `run`'s result. An exception in `run` is raised here, in the caller's thread."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()

    def work() -> None:
        try:
            events.put(("done", run(lambda t: events.put(("text", t)), lambda d: events.put(("draft", d)))))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer's thread and raised there
            events.put(("error", exc))

    threading.Thread(target=work, daemon=True, name="rag-answer").start()
    while True:
        kind, value = events.get()
        if kind == "error":
            raise value
        if kind == "done":
            yield value
            return
        yield kind, value
