"""Arabic text utilities: normalisation for matching, light stemming, language detection.

>>> normalize("أَحْمَد  إلى مدرسـة ١٢")
'احمد الي مدرسه 12'
>>> language_of("Where did ISIS go?"), language_of("أين ذهب داعش؟")
('en', 'ar')
"""

from __future__ import annotations

import re

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_CHARMAP = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي",
        **{chr(0x660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
        **{chr(0x6F0 + i): str(i) for i in range(10)},  # Persian digits
    }
)
ARABIC_LETTER = re.compile("[\u0621-\u064a\u0671-\u06d3]")
LATIN_LETTER = re.compile("[A-Za-z]")
# Word characters and Arabic marks; not Arabic punctuation (، ؛ ؟ ٪ ۔), which would glue to the word before it
# ("سرت؟" is not "سرت").
_TOKEN = re.compile(r"[\w\u064b-\u065f\u0670\u06d6-\u06ed]+", re.UNICODE)

# Light stemming (after Larkey et al.'s light10): strip one common prefix and suffix, keep ≥ 3 letters.
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال", "و")
_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")


def normalize(text: str) -> str:
    """Fold the spelling variants that should match: diacritics, tatweel, alef/yaa/taa-marbuta, digits."""
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    return re.sub(r"\s+", " ", text.translate(_CHARMAP)).strip()


def light_stem(token: str) -> str:
    """`والمقاتلين` → `مقاتل`; Latin tokens are lower-cased and left alone."""
    if not ARABIC_LETTER.match(token):
        return token.lower()
    for p in _PREFIXES:
        if token.startswith(p) and len(token) - len(p) >= 3:
            token = token[len(p):]
            break
    for s in _SUFFIXES:
        if token.endswith(s) and len(token) - len(s) >= 3:
            token = token[: -len(s)]
            break
    return token


def tokens(text: str) -> list[str]:
    """Normalised word tokens (no stemming)."""
    return _TOKEN.findall(normalize(text).lower())


def language_of(text: str, *, mixed: bool = True) -> str:
    """The one language detector, by the script the letters are written in.

    'ar' or 'en', '' for no letters; with `mixed` (documents, display direction), 'mixed' when neither script
    has 80 % of the letters; without it (questions, answers), the script of most letters, a tie leaning Arabic.

    >>> language_of("Who is Haftar? حفتر"), language_of("Who is Haftar? حفتر", mixed=False)
    ('mixed', 'en')
    """
    ar = len(ARABIC_LETTER.findall(text))
    la = len(LATIN_LETTER.findall(text))
    if ar + la == 0:
        return ""
    if not mixed:
        return "ar" if ar >= la else "en"
    share = ar / (ar + la)
    if share >= 0.8:
        return "ar"
    if share <= 0.2:
        return "en"
    return "mixed"
