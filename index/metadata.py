"""An article's metadata from beside it or from its own words: a sidecar file, and the outlet its text names.

Sidecar: `article.txt` (or .md/.html, optionally .gz) may have `article.meta.json` beside it, a JSON object with
any of `title`, `date`, `source`, `url` (strings; other keys such as `note` are for people and ignored). What it
sets wins over what the text says. It is part of the document (and so of its hash): editing it and ingesting
again updates the stored article. A sidecar is never read as an article itself.

Outlet: news text names the outlet it was written for when a source speaks to it — «وقال مصدر أمني … لــ"العربية.نت"»,
«موضحاً في حديث لـ"العربية.نت"», «قال لوكالة فرانس برس», or a credit line «المصدر: الجزيرة». Only names shaped
like an outlet count (a web address, or «وكالة/صحيفة/قناة/موقع …»), and a quoted name only after a verb of saying,
so «مصادر تابعة لـ"البنيان المرصوص"» is not taken for one. The most named outlet wins.

>>> find_outlet('وقال مصدر أمني، فضل عدم التعريف باسمه، لــ"العربية.نت" إن "المقاتلين تسربوا"')
'العربية.نت'
>>> find_outlet('وعلق المتحدث علي المسماري لوكالة فرانس برس "نكتفي بالقول"')
'وكالة فرانس برس'
>>> find_outlet('وبحسب مصادر أمنية تابعة لـ"البنيان المرصوص"، فإن التنظيم يتنقل')
''
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from index.errors import InputError
from index.reading import Limits, read_limited

SIDECAR = ".meta.json"
FIELDS = ("title", "date", "source", "url")
MAX_SIDECAR_MB = 0.0625  # 64 KB: a few fields, never an article

_MEDIA = r"(?:وكالة|وكالات|صحيفة|جريدة|قناة|موقع|إذاعة|اذاعة|راديو|تلفزيون|مجلة|شبكة)"
_SAYING = re.compile(r"(?<!\w)و?(?:قال|قالت|صرح|صرحت|أكد|أكدت|اكد|أوضح|أوضحت|موضحا|موضحاً|أضاف|أضافت|مضيفا|مضيفاً"
                     r"|كشف|كشفت|ذكر|ذكرت|أفاد|أفادت|علق|علقت|حديث|تصريح|تصريحات|مقابلة|تحدث|تحدثت)(?!\w)")
_QUOTED = re.compile(r"(?<!\w)لـ+\s*[\"«“]([^\"»”\n]{2,40})[\"»”]")
_OUTLET_SHAPED = re.compile(rf"^(?:{_MEDIA}\s+\S.*|\S+\.(?:نت|net|com|org|info|tv)(?:\s.*)?)$", re.IGNORECASE)
_MEDIA_NAMED = re.compile(rf"(?<!\w)ل({_MEDIA}(?:\s+[^\s\"«“،,.:؛]+){{1,3}})")
_STOP_WORDS = {"إن", "ان", "أن", "أنه", "انه", "إنه", "عن", "في", "على", "من", "بأن", "قائلا", "قائلاً"}
_CREDIT = re.compile(r"^\s*(?:المصدر|source)\s*[:：]\s*(.{2,60}?)\s*$", re.IGNORECASE | re.MULTILINE)
_WINDOW = 160  # characters before a quoted name where the verb of saying must be


def find_outlet(text: str) -> str:
    """The outlet the article's text says it was written for, or ""."""
    names: list[str] = []
    for m in _QUOTED.finditer(text):
        name = " ".join(m.group(1).split())
        if _OUTLET_SHAPED.match(name) and _SAYING.search(text[max(0, m.start() - _WINDOW):m.start()]):
            names.append(name)
    for m in _MEDIA_NAMED.finditer(text):
        words = m.group(1).split()
        while words and words[-1] in _STOP_WORDS:
            words.pop()
        if len(words) >= 2 and _SAYING.search(text[max(0, m.start() - _WINDOW):m.start()]):
            names.append(" ".join(words))
    head_and_tail = "\n".join(text.strip().splitlines()[:3] + text.strip().splitlines()[-3:])
    names += [" ".join(m.group(1).split()) for m in _CREDIT.finditer(head_and_tail)]
    return Counter(names).most_common(1)[0][0] if names else ""


def sidecar_of(article: Path) -> Path:
    """`x.meta.json` for `x.txt` and `x.txt.gz`."""
    name = article.name[:-3] if article.name.lower().endswith(".gz") else article.name
    return article.with_name(name.rsplit(".", 1)[0] + SIDECAR)


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR)


def read_sidecar(article: Path) -> dict[str, str]:
    """The metadata in the article's sidecar ({} when it has none); `InputError` when it cannot be used."""
    path = sidecar_of(article)
    if not path.is_file():
        return {}
    try:
        data = json.loads(read_limited(path, Limits(file_mb=MAX_SIDECAR_MB)).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"its metadata file {path.name} is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"its metadata file {path.name} must hold a JSON object")
    bad = [k for k in FIELDS if k in data and not isinstance(data[k], str)]
    if bad:
        raise InputError(f"its metadata file {path.name}: {', '.join(bad)} must be text")
    return {k: " ".join(data[k].split()) for k in FIELDS if data.get(k, "").strip()}
