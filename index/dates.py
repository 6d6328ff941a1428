"""Dates to ISO 8601, from metadata values or from a dateline in Arabic or English text.

Arabic month names come in three families: Egyptian/Gulf (يناير … ديسمبر), Levantine/Iraqi
(كانون الثاني … كانون الأول) and Maghreb (جانفي، فيفري، أفريل، ماي، جوان، جويلية، أوت …).

>>> find_date("الثلاثاء 19/يوليو/2016 - 02:40 م")
'2016-07-19'
>>> find_date("طرابلس، ٣ تشرين الأول ٢٠١٦")
'2016-10-03'
>>> parse_date("2017-04-07T09:23:00+01:00")
'2017-04-07T09:23:00+01:00'
"""

from __future__ import annotations

import re
from datetime import date, datetime

from index.arabic import normalize

_MONTHS_RAW = {
    1: "يناير كانون الثاني جانفي january jan",
    2: "فبراير شباط فيفري february feb",
    3: "مارس آذار march mar",
    4: "أبريل ابريل إبريل نيسان أفريل افريل april apr",
    5: "مايو أيار ماي may",
    6: "يونيو يونيه حزيران جوان june jun",
    7: "يوليو يوليه تموز جويلية july jul",
    8: "أغسطس اغسطس آب أوت اوت august aug",
    9: "سبتمبر أيلول september sep sept",
    10: "أكتوبر اكتوبر تشرين الأول october oct",
    11: "نوفمبر تشرين الثاني november nov",
    12: "ديسمبر كانون الأول december dec",
}
# Multi-word names first so "تشرين الأول" wins over a bare "تشرين".
_MONTH_NAMES: dict[str, int] = {}
for _m, _names in _MONTHS_RAW.items():
    for _n in re.findall(r"كانون \S+|تشرين \S+|\S+", _names):
        _MONTH_NAMES[normalize(_n).lower()] = _m
_MONTH_ALT = "|".join(sorted(map(re.escape, _MONTH_NAMES), key=len, reverse=True))
_SEP = r"[\s/\-.,،]*"
_DMY_NAME = re.compile(rf"(?<!\d)(\d{{1,2}}){_SEP}({_MONTH_ALT}){_SEP}(\d{{4}})(?!\d)", re.I)
_MDY_NAME = re.compile(rf"\b({_MONTH_ALT}){_SEP}(\d{{1,2}}),?\s+(\d{{4}})(?!\d)", re.I)
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_DMY_NUM = re.compile(r"(?<!\d)(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?!\d)")


def _iso(y: int, m: int, d: int) -> str:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return ""


def find_date(text: str, head_chars: int = 400) -> str:
    """The first plausible date in the head of `text` (where datelines live), as YYYY-MM-DD, or ""."""
    head = normalize(text[:head_chars]).lower()
    found: list[tuple[int, str]] = []
    for m in _DMY_NAME.finditer(head):
        found.append((m.start(), _iso(int(m[3]), _MONTH_NAMES[m[2]], int(m[1]))))
    for m in _MDY_NAME.finditer(head):
        found.append((m.start(), _iso(int(m[3]), _MONTH_NAMES[m[1]], int(m[2]))))
    for m in _ISO.finditer(head):
        found.append((m.start(), _iso(int(m[1]), int(m[2]), int(m[3]))))
    for m in _DMY_NUM.finditer(head):
        found.append((m.start(), _iso(int(m[3]), int(m[2]), int(m[1]))))
    good = sorted((pos, iso) for pos, iso in found if iso and 1900 <= int(iso[:4]) <= 2100)
    return good[0][1] if good else ""


def parse_date(value: object) -> str:
    """A metadata date (ISO string, epoch seconds, or free text with a date) as ISO 8601, or ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value)).date().isoformat()
    s = str(value).strip()
    try:
        if "T" in s:
            return datetime.fromisoformat(s.replace("Z", "+00:00")).isoformat()
        return date.fromisoformat(s).isoformat()
    except ValueError:
        return find_date(s, head_chars=len(s))


def month_of(name: str) -> int | None:
    """The month a name means, in any of the spellings above (Arabic, Maghreb, Levantine, English).

    >>> month_of("يوليه"), month_of("July"), month_of("Sirte")
    (7, 7, None)
    """
    return _MONTH_NAMES.get(normalize(name).lower())
