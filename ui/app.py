"""The Gradio chat, mounted on the API's FastAPI app at /ui.

Answers stream in, then the sources they cite: title, source, date, a link when there is one, and the
passage with the quoted sentence highlighted. Direction is set per message and per passage (Arabic
right-to-left, English left-to-right), not once for the page. An abstention is drawn differently
from an answer. Follow-ups use the conversation. Gradio is imported only when the UI is built.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

from index.arabic import language_of
from rag.kb import KnowledgeBase
from rag.retrieval import Filters
from rag.types import Answer, Citation, Turn

CSS = """
#rag-chat [dir=rtl] { text-align: right; }
#rag-chat [dir=ltr] { text-align: left; }
.rag-abstained { border-inline-start: 4px solid #c47f00; background: #fff6e0; color: #5a3b00; padding: 8px 12px;
  border-radius: 6px; }
.rag-sources { margin-top: 10px; font-size: 0.92em; }
.rag-source { border-top: 1px solid #ddd; padding: 6px 0; }
.rag-source mark { background: #ffe58a; color: inherit; padding: 0 2px; }
.rag-meta { color: #666; font-size: 0.9em; }
.rag-draft { color: #888; font-style: italic; }
"""

EXAMPLES = [
    "Where did ISIS fighters go after they left Sirte?",
    "إلى أين انتقل مقاتلو داعش بعد خروجهم من سرت؟",
    "How far is Sirte from Tripoli?",
    "ما هي قاعة واغادوغو؟",
]


def direction(text: str) -> str:
    return "rtl" if language_of(text) in ("ar", "mixed") else "ltr"


def esc(text: str) -> str:
    """Escaped, with line breaks as <br>: raw blank lines would let the chat's markdown split our HTML."""
    return "<br>".join(html.escape(line) for line in re.split(r"\n+", text.strip()))


def passage_html(c: Citation) -> str:
    """The passage, escaped, with the quoted sentence wrapped in <mark>."""
    text, quote = c.text, c.quote
    i = text.find(quote)
    if i < 0:
        return esc(text)
    return esc(text[:i]) + " <mark>" + esc(quote) + "</mark> " + esc(text[i + len(quote):])


def source_html(c: Citation) -> str:
    meta = " · ".join(html.escape(x) for x in (c.source, c.date[:10], c.doc_id) if x)
    link = f' · <a href="{html.escape(c.url, quote=True)}" target="_blank" rel="noopener">link</a>' if c.url else ""
    d = direction(c.text)
    return (f'<div class="rag-source" dir="{d}"><b>[{c.n}] {html.escape(c.title)}</b> '
            f'<span class="rag-meta" dir="ltr">{meta}{link}</span><div dir="{d}">{passage_html(c)}</div></div>')


def answer_html(result: Answer) -> str:
    d = "rtl" if result.language == "ar" else "ltr"
    if result.abstained:
        return f'<div class="rag-abstained" dir="{d}">⚠ {esc(result.answer)}</div>'
    body = growing_html(result.answer, d)
    label = "المصادر" if result.language == "ar" else "Sources"
    sources = "".join(source_html(c) for c in result.citations)
    return f'{body}<div class="rag-sources" dir="{d}"><b>{label}</b>{sources}</div>'


def growing_html(text: str, d: str, draft: str = "") -> str:
    """The answer so far; `draft`, the sentence the local model is writing, is shown muted until it is checked."""
    muted = f'<br><span class="rag-draft" title="checked before it is kept">{esc(draft)}</span>' if draft else ""
    return f'<div class="rag-answer" dir="{d}">{esc(text)}{muted}</div>'


def history_turns(history: list[dict[str, Any]], *, max_turns: int, max_chars: int) -> list[Turn]:
    """Gradio's chat history (role/content dicts) as turns: the answers' text without their sources or HTML,
    and only the most recent turns within the limits (a long chat goes on; it forgets its beginning)."""
    from rag.query import recent_history

    def newest_first() -> Iterator[Turn]:
        for m in reversed(history):
            role, content = m.get("role"), m.get("content")
            if role in ("user", "assistant") and isinstance(content, str):
                text = content.split('<div class="rag-sources"', 1)[0]
                yield Turn(role=role, content=" ".join(re.sub(r"<[^>]+>", " ", text).split()))

    return recent_history(newest_first(), max_turns=max_turns, max_chars=max_chars)


def respond(kb: KnowledgeBase, message: str, history: list[Any], top_k: float, date_from: str,
            date_to: str) -> Iterator[str]:
    from index.errors import RagError
    from rag.query import check_question

    if not message.strip():
        yield "Please type a question. / اكتب سؤالًا من فضلك."
        return
    text, d, s = "", direction(message), kb.settings
    try:
        check_question(message)
        turns = history_turns(history, max_turns=s.max_history_turns, max_chars=s.max_history_chars)
        for event in kb.ask_stream(message, history=turns, top_k=int(top_k),
                                   filters=Filters(date_from=date_from.strip(), date_to=date_to.strip())):
            if isinstance(event, Answer):
                yield answer_html(event)
            elif event[0] == "text":
                text += event[1]
                yield growing_html(text, d)
            else:
                yield growing_html(text, d, draft=event[1])
    except RagError as exc:
        yield f'<div class="rag-abstained" dir="ltr">Error: {html.escape(str(exc))}</div>'


def build_ui(kb: KnowledgeBase) -> Any:
    import gradio as gr

    with gr.Blocks(title="Arabic news archive") as demo:
        gr.Markdown("## Ask the Arabic news archive\nQuestions in English or Arabic; every claim cites its article.")
        with gr.Accordion("Options", open=False):
            top_k = gr.Slider(1, 20, value=kb.settings.top_k, step=1, label="passages to search (top-k)")
            date_from = gr.Textbox(label="from date (YYYY-MM-DD)", value="")
            date_to = gr.Textbox(label="to date (YYYY-MM-DD)", value="")
        gr.ChatInterface(
            fn=lambda message, history, k, f, t: (yield from respond(kb, message, history, k, f, t)),
            chatbot=gr.Chatbot(label="Answers", height=560, sanitize_html=True, elem_id="rag-chat"),
            textbox=gr.Textbox(placeholder="Ask a question… / اطرح سؤالًا…", elem_id="rag-question", rtl=False),
            additional_inputs=[top_k, date_from, date_to],
            examples=[[e, kb.settings.top_k, "", ""] for e in EXAMPLES],
            cache_examples=False,
            api_name="chat",
        )
    return demo


def mount_ui(app: Any, kb: KnowledgeBase, path: str = "/ui") -> Any:
    """The chat at `path` on `app`, behind `ui.guard.UIGuard` (headers, login limit) and the key if one is set."""
    import hmac

    import gradio as gr

    from ui.guard import UIGuard

    key = kb.settings.api_key
    app.add_middleware(UIGuard, settings=kb.settings, path=path)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"])  # no web fonts offline
    return gr.mount_gradio_app(app, build_ui(kb), path=path, ssr_mode=False, theme=theme, css=CSS,
                               auth=(lambda user, password: hmac.compare_digest(password.encode(), key.encode()))
                               if key else None,
                               auth_message="Enter any user name and the server's API key as password."
                               if key else None)
