"""Repair what scraping did to article text, while remembering where every character came from.

Each rule is a regex substitution; `clean()` returns the cleaned text and, for each of its characters,
the index of the character in the original it stands for, so chunk and quote spans can be reported as
offsets into the article as stored.

>>> text, offs = clean("قال #داعش إن., وأضاف")
>>> text
'قال داعش إن.\\n\\nوأضاف'
>>> text[4:8] == "قال #داعش"[5:9]
True
>>> offs[4]
5
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Standalone lines that are page furniture, not article text.
_FURNITURE = (
    r"طباعة|مشاركة|شارك|أرسل لصديق|ارسل لصديق|حفظ|تغريد|اقرأ أيضا|اقرأ ايضا|إقرأ أيضاً|"
    r"print|share|tweet|email|read more|advertisement"
)

Repl = str | Callable[[re.Match[str]], str]

RULES: tuple[tuple[re.Pattern[str], Repl], ...] = (
    (re.compile(r"\r\n?"), "\n"),
    (re.compile(r"[\u200b-\u200f\ufeff\u00ad]"), ""),  # zero-width marks, BOM, soft hyphen
    # lost paragraph breaks: "., " (or "., " at a quote) between sentences
    (re.compile(r"(?<=[.!?؟\"”»])\s*,\s+"), "\n\n"),
    # hashtags: "#البنيان_المرصوص" -> "البنيان المرصوص"
    (re.compile(r"#(\w+)"), lambda m: m.group(1).replace("_", " ")),
    # a furniture label alone on its line, or followed by a short caption ("طباعة بعد تقهقر داعش في")
    (re.compile(rf"(?im)^[ \t]*(?:{_FURNITURE})(?:[ \t]*[:|]?[ \t]*|[ \t]+[^\n.!؟?]{{0,60}})$\n?"), ""),
    (re.compile(r"[ \t\u00a0]+"), " "),
    (re.compile(r" *\n *"), "\n"),
    (re.compile(r"\n{3,}"), "\n\n"),
)


def sub_tracked(
    pattern: re.Pattern[str], repl: Repl, text: str, offs: list[int]
) -> tuple[str, list[int]]:
    """`pattern.sub(repl, text)` that also rewrites the offset map `offs` (one entry per char of text).

    Inserted characters point at the start of the text they replace; a replacement that keeps a group's
    text (hashtags) keeps that text's own offsets when the lengths line up.
    """
    out: list[str] = []
    new_offs: list[int] = []
    pos = 0
    for m in pattern.finditer(text):
        out.append(text[pos : m.start()])
        new_offs.extend(offs[pos : m.start()])
        rep = repl if isinstance(repl, str) else repl(m)
        out.append(rep)
        if rep == m.group(0):
            new_offs.extend(offs[m.start() : m.end()])
        elif m.lastindex and len(rep) == len(m.group(1)):
            new_offs.extend(offs[m.start(1) : m.end(1)])
        else:
            anchor = offs[m.start()] if m.start() < len(offs) else (offs[-1] + 1 if offs else 0)
            new_offs.extend([anchor] * len(rep))
        pos = m.end()
    out.append(text[pos:])
    new_offs.extend(offs[pos:])
    return "".join(out), new_offs


def clean(original: str) -> tuple[str, list[int]]:
    """Cleaned text and its offset map into `original` (see module docstring)."""
    text, offs = original, list(range(len(original)))
    for pattern, repl in RULES:
        text, offs = sub_tracked(pattern, repl, text, offs)
    text, offs = _drop_headline_echoes(text, offs)
    lead = len(text) - len(text.lstrip())
    trail = len(text.rstrip())
    return text[lead:trail], offs[lead:trail]


_LINE = re.compile(r"(?m)^[^\n]*(?:\n|$)")


def _drop_headline_echoes(text: str, offs: list[int]) -> tuple[str, list[int]]:
    """Drop later lines that only repeat the start of the headline (truncated captions of it)."""
    first = text.lstrip().partition("\n")[0].strip()
    words = first.split()
    if len(first) < 12 or len(words) < 3:
        return text, offs
    echoes = {" ".join(words[:k]) for k in range(3, len(words) + 1)}
    head_end = text.find(first) + len(first)
    body, body_offs = sub_tracked(_LINE, lambda m: "" if m.group(0).strip() in echoes else m.group(0),
                                  text[head_end:], offs[head_end:])
    return text[:head_end] + body, offs[:head_end] + body_offs


def original_span(offs: tuple[int, ...] | list[int], start: int, end: int) -> tuple[int, int]:
    """The span in the original text covered by cleaned-text span [start, end)."""
    if not offs or end <= start:
        return 0, 0
    return offs[start], offs[end - 1] + 1


def headline(text: str, max_chars: int = 200) -> str:
    """The first line, when it reads like a headline (short, not the whole text)."""
    first, _, rest = text.partition("\n")
    first = first.strip()
    if rest.strip() and 0 < len(first) <= max_chars and not first.endswith((":", "،", ",")):
        return first
    return ""
