"""Test doubles for the UI tests: a writer that takes its time, so the answer visibly streams."""

import time
from collections.abc import Callable, Iterable, Sequence

from rag.generators import Part


class SlowWriter:
    """Shows each drafted sentence as being written, word by word, then keeps it as drafted (no rewrite):
    the extractive answer, streamed the way the local model's is."""

    def __init__(self, seconds_per_sentence: float = 0.3) -> None:
        self.pause = seconds_per_sentence

    def warm_up(self) -> None:
        """Nothing to load."""

    def write(self, query, parts: Sequence[Part], on_draft: Callable[[str], None] | None = None) -> Iterable[Part]:
        for part in parts:
            words = part.text.split()
            for i in range(1, len(words) + 1, max(1, len(words) // 3)):
                if on_draft is not None:
                    on_draft(" ".join(words[:i]))
                time.sleep(self.pause / 3)
            yield part
