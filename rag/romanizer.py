"""The `rag.glosses.Romanizer` of arabic-name-romanizer (MIT; its data CC0): Arabic names in Latin script, offline.

Dictionary first (~60k spellings attested in Wikidata, a read-only SQLite file in the package), a 1.7M-parameter
ONNX model for words the dictionary lacks. It romanizes personal names; places are romanized by the same rules
("Zliten" comes out "Zlitene"), so the gazetteer takes precedence for well-known ones. Loaded on first use.
"""

from __future__ import annotations

import threading
from typing import Any


class NameRomanizer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._full: Any = None
        self._key: Any = None

    def warm_up(self) -> None:
        if self._full is not None:  # called for every word glossed: no lock once loaded
            return
        with self._lock:
            if self._full is None:
                from arabic_name_romanizer import Transliterator
                from arabic_name_romanizer.normalize import lookup_key

                self._full, self._key = Transliterator(), lookup_key

    def name_count(self, word: str) -> int:
        """How often `word` is attested as one unit of a personal name (the dictionary only, no model)."""
        self.warm_up()
        if self._full.index is None:
            return 0
        return sum(v.count for v in self._full.index.lookup_unit(self._key(word)))

    def romanize(self, words: str) -> str:
        self.warm_up()
        return str(self._full.transliterate(words))
