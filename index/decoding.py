"""Bytes → text: which encoding a file is in, or a clear refusal when it cannot be told.

In order: a BOM (UTF-8, UTF-16); strict UTF-8; UTF-16 without a BOM (must read as Arabic or Latin
letters); Windows-1256 (the common legacy Arabic encoding); then charset-normalizer, whose readings
are taken only when they look like text in a known language or like Arabic/Latin.

Windows-1256 decodes any bytes, so a reading is only taken when it is *plausible*: mostly letters,
almost no control characters, and almost no word mixing Arabic and Latin letters. That last test is
what tells ISO-8859-6 (or Latin-1) apart: read as Windows-1256, their letters ق ه و ى ي (or Ç) turn
into à ç è é ê inside Arabic words. A few words of ISO-8859-6 that use only the letters both
encodings share decode the same either way, so nothing is lost there.
"""

from __future__ import annotations

import re

from index.errors import InputError

_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ue000-\uf8ff]")  # controls (not \t \n \f \r), private use
_LETTER = re.compile(r"[^\W\d_]")
_ARABIC, _LATIN = "\u0600-\u06ff", "A-Za-z\u00c0-\u024f"
_MIXED = re.compile(f"[{_ARABIC}][{_LATIN}]|[{_LATIN}][{_ARABIC}]")  # an Arabic and a Latin letter touching
_WORD = re.compile(r"[^\W\d_]+")
_OTHER_LETTER = re.compile(f"(?![{_LATIN}{_ARABIC}])[^\\W\\d_]")  # a letter of neither script
MAX_DETECTED_READINGS = 3  # charset-normalizer's best readings we look at
SAMPLE_CHARS = 65_536  # a reading is judged on three windows this long


def decode(data: bytes, name: str) -> str:
    """Bytes → text (see the module docstring); `InputError` (starting "name: " if given) for binary, empty
    or unplaceable bytes."""
    named = f"{name}: " if name else ""
    for encoding in _candidates(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = _sample(text)
        if encoding.startswith("utf-8") and sample.strip() and _controls(sample) < 0.01:
            return text  # strict UTF-8 rarely decodes binary, so digits or escaped JSON count as text too
        if _plausible(sample):
            return text
    if not data.strip():
        raise InputError(f"{named}empty file")
    detected = _detected(data)
    if detected is None:
        raise InputError(f"{named}not text, or in an encoding that cannot be told (not UTF-8, UTF-16 or "
                         f"Windows-1256, and charset detection found no readable text): save it as UTF-8")
    return detected


def _candidates(data: bytes) -> list[str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return ["utf-8-sig"]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ["utf-16"]
    return ["utf-8"] + (["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else []) + ["cp1256"]


def _detected(data: bytes) -> str | None:
    """charset-normalizer's best reading that is text in a language it recognises, or plausible Arabic/Latin."""
    from charset_normalizer import from_bytes

    for match in list(from_bytes(data))[:MAX_DETECTED_READINGS]:
        text = str(match)
        sample = _sample(text)
        if _plausible(sample) or (match.coherence >= 0.2 and _sensible(sample)):
            return text
    return None


def utf16_encoding(head: bytes) -> str | None:
    """The UTF-16 codec if the start of a file reads as UTF-16 (lines must then not be split as bytes)."""
    head = head[: len(head) // 2 * 2]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if head.count(0) < len(head) // 10:  # UTF-16 Arabic or ASCII has a zero in most byte pairs
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        if text.strip() and _controls(text) < 0.01 and _known_share(text) > 0.9:
            return encoding
    return None


def _known_share(text: str) -> float:
    """The share of characters that are ASCII, Latin or Arabic (UTF-16 read the wrong way round is CJK)."""
    return sum(1 for c in text if c < "\u0250" or "\u0600" <= c <= "\u06ff") / len(text)


def _sample(text: str, window: int = SAMPLE_CHARS) -> str:
    """All of a short text; the start, middle and end of a long one (judging 20 MB whole takes seconds)."""
    if len(text) <= 3 * window:
        return text
    middle = len(text) // 2 - window // 2
    return "\n".join((text[:window], text[middle : middle + window], text[-window:]))


def _count(pattern: re.Pattern[str], text: str) -> int:
    return pattern.subn("", text)[1]  # no list of matches: a 20 MB file stays 20 MB


def _controls(text: str) -> float:
    """The share of control and private-use characters: binary, or the wrong encoding."""
    return _count(_CONTROL, text) / max(len(text), 1)


def _sensible(text: str) -> bool:
    """Mostly letters, almost no control characters."""
    if not text.strip():
        return False
    return _controls(text) < 0.01 and _count(_LETTER, text) / max(len(text.replace(" ", "")), 1) > 0.3


def _plausible(text: str) -> bool:
    """Sensible, in Arabic or Latin letters, with (almost) no word mixing the two."""
    if not _sensible(text):
        return False
    letters = _count(_LETTER, text)
    return (_count(_OTHER_LETTER, text) < 0.1 * letters
            and _count(_MIXED, text) <= _count(_WORD, text) // 100)
