"""The Gradio page at /ui: Ask (filters, the chat, the sources panel) and Documents, plus the `/ask` endpoint.

Layout: the filters in one row above the chat (dates, sources, passages); the chat and, beside it on a desktop
(under it on a phone), the sources of the selected answer as cards; the question box under both. The answer
is what stays in view: a new question is scrolled to the top of the chat, its answer grows under it, and a
click on [n] brings card n into view (ui/assets/ui.js). Under the page's Content-Security-Policy
(ui/guard.py: no `eval`) nothing here uses `gr.HTML` or `js=` handlers, which need it: HTML goes through
Markdown and the Chatbot, behaviour through one script in the page head. Gradio is imported only here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from index.errors import RagError
from rag.kb import KnowledgeBase
from ui import chat, documents, render

ASSETS = Path(__file__).resolve().parent / "assets"
EXAMPLES = [
    "Where did ISIS fighters go after they left Sirte?",
    "إلى أين انتقل مقاتلو داعش بعد خروجهم من سرت؟",
    "How far is Sirte from Tripoli?",
    "ما هي قاعة واغادوغو؟",
]


def _ask_tab(gr: Any, kb: KnowledgeBase) -> dict[str, Any]:
    with gr.Row(elem_id="rag-filters", equal_height=True):
        date_from = gr.Textbox(label="from date", placeholder="YYYY-MM-DD", min_width=130, scale=1)
        date_to = gr.Textbox(label="to date", placeholder="YYYY-MM-DD", min_width=130, scale=1)
        picked = gr.Dropdown(label="sources", choices=documents.sources(kb), multiselect=True, min_width=220,
                             scale=2, elem_id="rag-source-picker")
        top_k = gr.Slider(1, 20, value=kb.settings.top_k, step=1, label="passages", min_width=150, scale=1)
    with gr.Row(elem_id="rag-main"):
        with gr.Column(scale=3, min_width=340):
            chatbot = gr.Chatbot(label="Answers", elem_id="rag-chat", autoscroll=False, height="auto",
                                 sanitize_html=True, buttons=["copy"], show_label=False, placeholder=(
                                     "Ask in English or Arabic; every claim cites its article.<br>"
                                     "اسأل بالعربية أو بالإنجليزية؛ كل معلومة مع مصدرها."))
        with gr.Column(scale=2, min_width=300, elem_id="rag-side"):
            panel = gr.Markdown(render.panel_html([]), elem_id="rag-panel", sanitize_html=True)
    with gr.Row(elem_id="rag-ask-row", equal_height=True):
        question = gr.Textbox(show_label=False, placeholder="Ask a question… / اطرح سؤالًا…", elem_id="rag-question",
                              scale=5, min_width=200, lines=1, max_lines=6, submit_btn=False)
        send = gr.Button("Ask · اسأل", variant="primary", scale=1, min_width=90, elem_id="rag-send")
    gr.Examples(EXAMPLES, inputs=[question], label="Examples", elem_id="rag-examples")
    return {"date_from": date_from, "date_to": date_to, "sources": picked, "top_k": top_k, "chat": chatbot,
            "panel": panel, "question": question, "send": send}


def _documents_tab(gr: Any, kb: KnowledgeBase) -> dict[str, Any]:
    on = documents.allowed(kb)
    counts = gr.Markdown(documents.summary(kb), elem_id="rag-doc-summary")
    listing = gr.Markdown(documents.table(kb), elem_id="rag-doc-table", sanitize_html=True)
    if not on:
        gr.Markdown(documents.DISABLED, elem_id="rag-doc-disabled")
    files = gr.File(label="Add articles: drop files here or click (.txt .md .html .json .jsonl, .gz too)",
                    file_count="multiple", file_types=documents.ACCEPTED, interactive=on, elem_id="rag-upload")
    with gr.Row():
        doomed = gr.Dropdown(label="remove an article", choices=documents.choices(kb), value=None, interactive=on,
                             elem_id="rag-remove-pick", scale=4)
        remove = gr.Button("Remove", variant="stop", interactive=on, elem_id="rag-remove", scale=1, min_width=90)
    report = gr.Markdown(elem_id="rag-doc-report")
    return {"counts": counts, "listing": listing, "files": files, "doomed": doomed, "remove": remove,
            "report": report}


def build_ui(kb: KnowledgeBase) -> Any:
    import gradio as gr

    with gr.Blocks(title="Arabic news archive") as demo:
        gr.Markdown("### Ask the Arabic news archive · اسأل أرشيف الأخبار", elem_id="rag-title")
        answered = gr.State([])
        with gr.Tabs():
            with gr.Tab("Ask · اسأل", id="ask"):
                ask = _ask_tab(gr, kb)
            with gr.Tab("Documents · المقالات", id="documents"):
                docs = _documents_tab(gr, kb)
        _wire_ask(gr, kb, ask, answered)
        _wire_documents(gr, kb, docs, ask["sources"])
        _public_api(gr, kb)
    return demo


def _wire_ask(gr: Any, kb: KnowledgeBase, ask: dict[str, Any], answered: Any) -> None:
    inputs = [ask["question"], ask["chat"], answered, ask["top_k"], ask["date_from"], ask["date_to"], ask["sources"]]
    outputs = [ask["chat"], ask["panel"], answered, ask["question"]]

    def run(message: str, history: list[dict[str, Any]], done: list[Any], top_k: float, date_from: str,
            date_to: str, picked: list[str] | None) -> Iterator[tuple[Any, ...]]:
        for step in chat.respond(kb, message, history, done, top_k, date_from, date_to, picked):
            yield step.chat, step.panel, step.answered, ""

    for trigger in (ask["question"].submit, ask["send"].click):
        trigger(run, inputs, outputs, api_visibility="private", show_progress="hidden")


def _wire_documents(gr: Any, kb: KnowledgeBase, docs: dict[str, Any], picker: Any) -> None:
    def refreshed(report: str) -> tuple[Any, ...]:
        return (report, documents.summary(kb), documents.table(kb), gr.update(choices=documents.choices(kb),
                value=None), gr.update(choices=documents.sources(kb)), None)

    outputs = [docs["report"], docs["counts"], docs["listing"], docs["doomed"], picker, docs["files"]]

    def add(files: list[str] | None, progress: Any = gr.Progress()) -> tuple[Any, ...]:
        try:
            return refreshed(documents.add(kb, files, progress))
        except RagError as exc:
            raise gr.Error(str(exc)) from None

    def remove(doc_id: str | None) -> tuple[Any, ...]:
        try:
            return refreshed(documents.remove(kb, doc_id))
        except RagError as exc:
            raise gr.Error(str(exc)) from None

    docs["files"].upload(add, [docs["files"]], outputs, api_visibility="private")
    docs["remove"].click(remove, [docs["doomed"]], outputs, api_visibility="private")


def _public_api(gr: Any, kb: KnowledgeBase) -> None:
    def ask(question: str, top_k: int = 5, date_from: str = "", date_to: str = "",
            sources: list[str] | None = None, history: list[dict[str, str]] | None = None) -> dict[str, Any]:
        """Answer `question` from the archive: the answer text with [n] markers and its citations, as JSON
        (the shape of POST /api/ask). `history`: earlier turns, [{"role": "user"|"assistant", "content": …}]."""
        try:
            return chat.ask_json(kb, question, top_k, date_from, date_to, sources or [], history or [])
        except RagError as exc:
            raise gr.Error(str(exc)) from None

    gr.api(ask, api_name="ask")


def head() -> str:
    return f"<script>{(ASSETS / 'ui.js').read_text(encoding='utf-8')}</script>"


def mount_ui(app: Any, kb: KnowledgeBase, path: str = "/ui") -> Any:
    """The page at `path` on `app`, behind `ui.guard.UIGuard` (headers, login limit) and the key if one is set."""
    import hmac

    import gradio as gr

    from ui.guard import UIGuard

    key = kb.settings.api_key
    app.add_middleware(UIGuard, settings=kb.settings, path=path)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["monospace"])  # no web fonts offline
    return gr.mount_gradio_app(app, build_ui(kb), path=path, ssr_mode=False, theme=theme,
                               css=(ASSETS / "ui.css").read_text(encoding="utf-8"), head=head(),
                               max_file_size=int(kb.settings.max_upload_mb * 2**20), footer_links=["api"],
                               auth=(lambda user, password: hmac.compare_digest(password.encode(), key.encode()))
                               if key else None,
                               auth_message="Enter any user name and the server's API key as password."
                               if key else None)
