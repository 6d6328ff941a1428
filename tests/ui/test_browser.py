"""The page in a real headless Chromium (Debian's), at a desktop's and a phone's size, under its CSP.

One keyed server (uploads need the key) whose answers stream visibly (`SlowWriter`). Screenshots go to
tests/artifacts/ (committed): desktop-answer.png, desktop-card.png, documents.png, phone-answer.png, docs.png.
"""

from pathlib import Path

import pytest

from tests.rag.conftest import LiveServer, make_kb
from tests.ui.conftest import SlowWriter
from ui.serve import create_server

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
KEY = "s3cret"
ENGLISH = "Where did ISIS fighters go after they left Sirte?"
ARABIC = "ما هي قاعة واغادوغو؟"
NEW_ARTICLE = ("جسر جديد في مصراتة\n\nوقال مسؤول في البلدية لـ\"الوسط.نت\" إن الجسر الجديد فوق الوادي الكبير "
               "سيفتح الشهر المقبل بعد عامين من العمل.")
WATCH = """window.cspViolations = []; window.seen = {status: false, draft: false, lengths: new Set()};
document.addEventListener('securitypolicyviolation',
  e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
new MutationObserver(() => {
  if (document.querySelector('#rag-chat .rag-status')) window.seen.status = true;
  if (document.querySelector('#rag-chat .rag-draft')) window.seen.draft = true;
  const growing = document.querySelector('#rag-chat .rag-streaming');
  if (growing) window.seen.lengths.add(growing.innerText.length);
}).observe(document, {childList: true, subtree: true, characterData: true});"""

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium not installed (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    kb = make_kb(tmp_path_factory.mktemp("browser"), writers={"extractive": SlowWriter(0.4)}, api_key=KEY)
    with LiveServer(create_server(kb)) as live:
        yield live


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def open_page(browser, server, width: int, height: int):
    """A logged-in page at /ui/ that records CSP violations, streaming steps and requests to other hosts."""
    context = browser.new_context(viewport={"width": width, "height": height})
    assert context.request.post(f"{server.url}/ui/login", form={"username": "me", "password": KEY}).ok
    page = context.new_page()
    page.add_init_script(WATCH)
    page.elsewhere = []
    page.on("request", lambda r: page.elsewhere.append(r.url) if not r.url.startswith((server.url, "data:", "blob:"))
            else None)
    page.goto(f"{server.url}/ui/", wait_until="load")
    page.locator("#rag-question textarea").wait_for()
    return page


def ask(page, question: str, turn: int) -> None:
    box = page.locator("#rag-question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator(f"#rag-turn-{turn}.rag-current .rag-card").first.wait_for(timeout=30_000)
    page.wait_for_timeout(400)  # the scroll that brings the question to the top


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return box is not None and 0 <= box["y"] < size["height"] - 20 and box["x"] + box["width"] <= size["width"] + 1


def uncovered(page, selector: str) -> bool:
    """Nothing (a toolbar icon…) is drawn over the middle of the element."""
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); const hit = document.elementFromPoint(r.x + r.width / 2,"
        " r.y + r.height / 2); return e === hit || e.contains(hit); }")


def test_desktop_answer_first_sources_beside_it_streaming_and_rtl_input(browser, server):
    page = open_page(browser, server, 1366, 768)
    box = page.locator("#rag-question textarea")
    box.fill("أين تقع سرت؟")
    assert box.get_attribute("dir") == "auto" and box.evaluate("e => e.matches(':dir(rtl)')")
    ask(page, ENGLISH, 1)
    seen = page.evaluate("({status: seen.status, draft: seen.draft, steps: seen.lengths.size})")
    assert seen["status"] and seen["draft"] and seen["steps"] >= 2  # progress, then the answer as it grows
    for shown in ("#rag-chat .rag-q", "#rag-chat .rag-answer", "#rag-turn-1 .rag-card", "#rag-question"):
        assert in_view(page, shown), shown  # question, answer, its sources and the box: one screen
    ask(page, ARABIC, 2)
    heading = "#rag-turn-2 .rag-panel-head"
    assert "المصادر" in page.locator(heading).inner_text() and uncovered(page, heading)
    assert in_view(page, "#rag-answer-2") and in_view(page, heading)
    assert page.locator("#rag-turn-2 .rag-card[dir=rtl] mark").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "desktop-answer.png"))

    last = page.locator("#rag-chat a.rag-cite").last  # [n] → its card comes into view, flashed
    target = last.get_attribute("href")
    last.click()
    card = page.locator(f"{target}").locator("xpath=..")
    page.wait_for_timeout(700)
    assert "rag-flash" in card.get_attribute("class")
    panel, shown = page.locator("#rag-panel").bounding_box(), card.bounding_box()
    assert panel["y"] - 1 <= shown["y"] < panel["y"] + panel["height"]
    page.screenshot(path=str(ARTIFACTS / "desktop-card.png"))
    assert page.evaluate("window.cspViolations") == [] and page.elsewhere == []


def test_documents_tab_lists_uploads_and_removes_articles(browser, server, tmp_path):
    page = open_page(browser, server, 1366, 768)
    page.get_by_role("tab", name="Documents · المقالات").click()
    rows = page.locator("#rag-doc-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 5 and "العربية.نت" in page.locator("#rag-doc-table").inner_text()
    article = tmp_path / "bridge.txt"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    page.locator("#rag-upload input[type=file]").set_input_files(str(article))
    page.get_by_text("added 1, updated 0, unchanged 0").wait_for(timeout=30_000)
    assert rows.count() == 6 and "الوسط.نت" in page.locator("#rag-doc-table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)

    page.locator("#rag-remove-pick input").click()
    page.get_by_role("option", name="جسر جديد في مصراتة · bridge").click()
    page.locator("#rag-remove").click()
    page.get_by_text("removed bridge").wait_for(timeout=30_000)
    assert rows.count() == 5
    page.get_by_role("tab", name="Ask · اسأل").click()
    page.locator("#rag-source-picker input").click()  # the new outlet came and went with its article
    assert page.get_by_role("option", name="العربية.نت").count() == 1
    assert page.get_by_role("option", name="الوسط.نت").count() == 0
    assert page.evaluate("window.cspViolations") == []


def test_phone_shows_the_answer_and_its_sources_on_one_screen_without_sideways_scrolling(browser, server):
    page = open_page(browser, server, 390, 844)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390  # nothing cut off on the right
    ask(page, ARABIC, 1)
    assert in_view(page, "#rag-chat .rag-q") and in_view(page, "#rag-chat .rag-answer")
    assert in_view(page, "#rag-turn-1 .rag-panel-head")  # the sources start on the same screen, under it
    page.locator("#rag-turn-1 .rag-panel-head").click()  # a collapsible list: folded, then open again
    assert not page.locator("#rag-turn-1 .rag-card").first.is_visible()
    page.locator("#rag-turn-1 .rag-panel-head").click()
    assert page.locator("#rag-turn-1 .rag-card").first.is_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "phone-answer.png"))
    assert page.evaluate("window.cspViolations") == [] and page.elsewhere == []


def test_api_docs_render_offline_from_this_server(browser, server):
    page = open_page(browser, server, 1366, 768)
    page.goto(f"{server.url}/docs", wait_until="load")
    page.locator(".swagger-ui .info .title").wait_for(timeout=20_000)
    assert "Arabic news RAG" in page.locator(".swagger-ui .info .title").inner_text()
    page.screenshot(path=str(ARTIFACTS / "docs.png"))
    page.goto(f"{server.url}/redoc", wait_until="load")
    page.get_by_text("/api/ask").first.wait_for(timeout=20_000)
    assert page.elsewhere == []  # no CDN, no web fonts
