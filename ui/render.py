"""The chat's HTML: answers with clickable [n] markers, and the sources panel of cards they point to.

Everything from a question, an answer or an article is escaped here; the markup is what Gradio's Markdown and
Chatbot sanitisers keep (ids, classes, `dir`, `<details>`, `<mark>`, links to `#…`; no `data-` attributes, no
scripts: ui/assets/ui.js adds the behaviour). Direction is set per line and per card (`dir="auto"` for lines
that mix an English lead with Arabic quotes), never once for the page.

Each answer's sources are one collapsible list (`<details open>`: folded away on a phone with a tap).
Ids: answer `t`'s marker [n] links to `#rag-src-t-n`, which sits in the card of that citation inside the panel
section `#rag-turn-t`. Citations quoting the same passage share one card, with a highlight for each quote.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from index.arabic import language_of
from rag.copies import also_reported, copy_label
from rag.types import Answer, ArticleCopy, Citation, Language

MARKER = re.compile(r"\[(\d+)\]")
TRAILING_MARKERS = re.compile(r"((?:\s*\[\d+\])+)\s*$")
LABELS = {
    "en": {"sources": "Sources", "passage": "show the whole passage", "article": "show the whole article",
           "undated": "undated", "unknown": "source not named", "link": "original"},
    "ar": {"sources": "المصادر", "passage": "عرض المقطع كاملًا", "article": "عرض المقال كاملًا",
           "undated": "بلا تاريخ", "unknown": "المصدر غير مذكور", "link": "الأصل"},
}


def direction(text: str) -> str:
    return "rtl" if language_of(text) in ("ar", "mixed") else "ltr"


def esc(text: str) -> str:
    return html.escape(" ".join(text.split()))


def linked_markers(escaped: str, turn: int) -> str:
    """[n] in escaped text → a link to citation n's card in answer `turn`'s section of the panel."""
    return MARKER.sub(lambda m: f'<a class="rag-cite" href="#rag-src-{turn}-{m[1]}">[{m[1]}]</a>', escaped)


def lines_html(text: str, turn: int | None = None, beside: dict[str, str] | None = None) -> str:
    """One `<p dir="auto">` per line, so an English lead and an Arabic quote each read in their own direction.
    A sentence's markers lead its line (`.rag-marks`, linked when `turn` is given), so they stay in sight when
    a phone shows only the first lines of a long sentence (ui.css). `beside`: line → HTML shown after it (the
    quote a phrase renders)."""
    beside = beside or {}
    out = []
    for line in filter(None, (x.strip() for x in text.split("\n"))):
        found = TRAILING_MARKERS.search(line)
        if not found:
            out.append(f'<p dir="auto">{esc(line)}</p>')
            continue
        marks = esc(found.group(1))
        marks = linked_markers(marks, turn) if turn is not None else marks
        out.append(f'<p dir="auto" class="rag-line"><span class="rag-marks">{marks}</span>'
                   f'<span class="rag-text">{esc(line[:found.start()])}</span>{beside.get(line, "")}</p>')
    return "".join(out)


def question_html(question: str) -> str:
    return f'<div class="rag-q" dir="auto">{esc(question)}</div>'


def answer_html(result: Answer, turn: int) -> str:
    d = "rtl" if result.language == "ar" else "ltr"
    if result.abstained:
        return f'<div class="rag-answer rag-abstained" dir="{d}">⚠ {esc(result.answer)}</div>'
    body = lines_html(result.answer, turn, phrase_quotes(result))
    return f'<div class="rag-answer" dir="{d}" id="rag-answer-{turn}">{body}</div>'


def phrase_quotes(result: Answer) -> dict[str, str]:
    """Each phrase line ("308 points [1]") → its full Arabic quote, the span it renders marked, to show beside it."""
    return {f"{c.phrase} [{c.n}]": f'<span class="rag-beside" dir="rtl">«{highlighted(c.quote, [c.span_text])}»</span>'
            for c in result.citations if c.phrase}


def growing_html(text: str, language: str, draft: str = "") -> str:
    """The answer so far; `draft`, the sentence the local model is writing, muted until it is checked."""
    d = "rtl" if language == "ar" else "ltr"
    muted = f'<p class="rag-draft" dir="auto">{esc(draft)}</p>' if draft else ""
    return f'<div class="rag-answer rag-streaming" dir="{d}">{lines_html(text)}{muted}</div>'


def status_html(message: str) -> str:
    return f'<div class="rag-status" dir="auto"><span class="rag-spinner"></span> {esc(message)}</div>'


def error_html(message: str) -> str:
    return f'<div class="rag-answer rag-abstained" dir="auto">{esc(message)}</div>'


@dataclass
class Card:
    """One passage and the citations that quote it (one card, a highlight per quote)."""

    first: Citation
    numbers: list[int] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)


def cards(citations: list[Citation]) -> list[Card]:
    by_passage: dict[str, Card] = {}
    for c in citations:
        card = by_passage.setdefault(c.chunk_id, Card(first=c))
        card.numbers.append(c.n)
        if c.quote not in card.quotes:
            card.quotes.append(c.quote)
    return list(by_passage.values())


def highlighted(text: str, quotes: list[str]) -> str:
    """`text` escaped, each quote found in it wrapped in <mark>."""
    spans = sorted({(i, i + len(q)) for q in quotes if q and (i := text.find(q)) >= 0})
    out, at = [], 0
    for start, end in spans:
        if start >= at:
            out += [html.escape(text[at:start]), f"<mark>{html.escape(text[start:end])}</mark>"]
            at = end
    return "".join(out) + html.escape(text[at:])


def also_html(c: Citation, language: str) -> str:
    """"also reported by N other sources: A, date · B, date" under a card whose article has near-duplicate
    copies (each linked to its original when it has a URL); "" when it has none."""
    if not c.also_reported_by:
        return ""
    lang: Language = "ar" if language == "ar" else "en"

    def item(copy: ArticleCopy) -> str:
        label = esc(copy_label(copy))
        if not copy.url:
            return f'<span dir="auto">{label}</span>'
        return f'<a dir="auto" href="{html.escape(copy.url, quote=True)}" target="_blank" rel="noopener">{label}</a>'

    items = " · ".join(item(x) for x in c.also_reported_by)
    return f'<div class="rag-also" dir="auto">{esc(also_reported(c.source, c.also_reported_by, lang))}: {items}</div>'


def card_html(card: Card, turn: int, language: str, article: str = "") -> str:
    c, words = card.first, LABELS[language]
    anchors = "".join(f'<span class="rag-anchor" id="rag-src-{turn}-{n}"></span>' for n in card.numbers)
    numbers = "".join(f'<span class="rag-num">[{n}]</span>' for n in card.numbers)
    meta = [esc(c.source) if c.source else f'<i>{words["unknown"]}</i>', esc(c.date[:10]) or words["undated"]]
    if c.url:
        meta.append(f'<a href="{html.escape(c.url, quote=True)}" target="_blank" rel="noopener">{words["link"]}</a>')
    d = direction(c.text)
    quotes = " … ".join(f"<mark>{esc(q)}</mark>" for q in card.quotes)
    more = (f'<details class="rag-more"><summary>{words["passage"]}</summary>'
            f'<div class="rag-passage" dir="{d}">{highlighted(c.text, card.quotes)}</div></details>')
    if article:
        more += (f'<details class="rag-more"><summary>{words["article"]}</summary>'
                 f'<div class="rag-passage rag-article" dir="{d}">{highlighted(article, card.quotes)}</div></details>')
    return (f'<div class="rag-card" dir="{d}">{anchors}<div class="rag-card-head">{numbers} '
            f'<b class="rag-title">{esc(c.title)}</b></div><div class="rag-meta" dir="auto">{" · ".join(meta)} · '
            f'<span class="rag-id" dir="ltr">{esc(c.doc_id)}</span></div>{also_html(c, language)}'
            f'<blockquote class="rag-quote" dir="{d}">{quotes}</blockquote>{more}</div>')


def turn_html(result: Answer, turn: int, current: bool, articles: dict[str, str]) -> str:
    language, d = result.language, "rtl" if result.language == "ar" else "ltr"
    found = cards(result.citations)
    body = "".join(card_html(k, turn, language, articles.get(k.first.doc_id, "")) for k in found)
    head = f'{LABELS[language]["sources"]} <span class="rag-count">({len(found)})</span>'
    return (f'<section id="rag-turn-{turn}" class="rag-turn{" rag-current" if current else ""}" dir="{d}">'
            f'<details open class="rag-list"><summary class="rag-panel-head" dir="{d}">{head}</summary>{body}'
            f'</details></section>')


def panel_html(answered: list[tuple[int, Answer]], articles: dict[str, str] | None = None) -> str:
    """The sources of every answer in `answered` (turn, answer) with citations; the last one shown."""
    shown = [(t, a) for t, a in answered if a.citations]
    if not shown:
        return '<div class="rag-panel rag-empty" dir="auto">Sources appear here. · تظهر المصادر هنا.</div>'
    sections = [turn_html(a, t, i == len(shown) - 1, articles or {}) for i, (t, a) in enumerate(shown)]
    return f'<div class="rag-panel">{"".join(sections)}</div>'
