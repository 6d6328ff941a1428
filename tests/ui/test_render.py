"""The chat's HTML: linked markers, one card per passage, escaping, direction per line and per card."""

from rag.types import Answer, Citation
from ui.render import answer_html, cards, direction, highlighted, panel_html

PASSAGE = "جملة أولى. الجملة المقتبسة هنا. جملة ثانية مقتبسة. جملة أخيرة."


def citation(**kw) -> Citation:
    base = dict(n=1, doc_id="d1", title="عنوان", source="العربية.نت", date="2016-07-19", url="", chunk_id="d1#1",
                text=PASSAGE, quote="الجملة المقتبسة هنا.", start=0, end=5, score=0.9)
    return Citation(**{**base, **kw})


def answer(text: str, citations: list[Citation], language: str = "en", abstained: bool = False) -> Answer:
    return Answer(answer=text, language=language, abstained=abstained, citations=citations, timings_ms={})


def test_markers_link_to_their_cards_and_each_line_reads_in_its_own_direction():
    html = answer_html(answer("From 1 article:\nالجملة المقتبسة هنا. [1]", [citation()]), turn=3)
    assert '<a class="rag-cite" href="#rag-src-3-1">[1]</a>' in html
    assert html.count('<p dir="auto"') == 2 and 'class="rag-answer" dir="ltr"' in html
    assert '<span class="rag-marks"><a class="rag-cite"' in html  # the marker leads its line: in sight on a phone
    assert 'id="rag-src-3-1"' in panel_html([(3, answer("x [1]", [citation()]))])


def test_citations_quoting_the_same_passage_share_one_card_with_a_highlight_each():
    both = [citation(), citation(n=2, quote="جملة ثانية مقتبسة.", start=30, end=40), citation(n=3, chunk_id="d2#1")]
    assert [k.numbers for k in cards(both)] == [[1, 2], [3]]
    panel = panel_html([(1, answer("a [1] b [2] c [3]", both, "ar"))])
    assert panel.count('class="rag-card"') == 2
    assert 'id="rag-src-1-1"' in panel and 'id="rag-src-1-2"' in panel and 'id="rag-src-1-3"' in panel
    first = panel.split('class="rag-card"')[1]
    assert "<mark>الجملة المقتبسة هنا.</mark>" in first and "<mark>جملة ثانية مقتبسة.</mark>" in first
    assert "المصادر" in panel and "عرض المقطع كاملًا" in panel  # Arabic answer, Arabic labels


def test_a_card_shows_title_source_date_and_the_whole_passage_and_article_on_demand():
    card = panel_html([(1, answer("a [1]", [citation(url="https://example.org/a?x=1&y=2")]))],
                      articles={"d1": "العنوان\n\n" + PASSAGE})
    assert "عنوان" in card and "العربية.نت" in card and "2016-07-19" in card
    assert 'href="https://example.org/a?x=1&amp;y=2"' in card
    assert card.count('<details class="rag-more">') == 2
    assert "show the whole passage" in card and "show the whole article" in card
    assert 'class="rag-card" dir="rtl"' in card


def test_only_the_latest_answers_sources_are_shown_and_earlier_ones_stay_reachable():
    panel = panel_html([(1, answer("a [1]", [citation()])), (2, answer("b [1]", [citation(doc_id="d9")]))])
    assert 'id="rag-turn-1" class="rag-turn"' in panel and 'id="rag-turn-2" class="rag-turn rag-current"' in panel


def test_everything_from_articles_and_questions_is_escaped():
    assert highlighted("<b>x</b> الجملة.", ["الجملة."]) == "&lt;b&gt;x&lt;/b&gt; <mark>الجملة.</mark>"
    html = answer_html(answer("<script>alert(1)</script> [1]", [citation(title="<img src=x onerror=alert(1)>")]), 1)
    panel = panel_html([(1, answer("x [1]", [citation(title="<img src=x onerror=alert(1)>")]))])
    assert "<script>" not in html and "<img" not in panel


def test_an_abstention_is_drawn_differently_and_has_no_sources():
    html = answer_html(answer("The articles in the archive do not say.", [], abstained=True), 1)
    assert "rag-abstained" in html and "rag-cite" not in html
    assert "rag-card" not in panel_html([(1, answer("The articles in the archive do not say.", [], abstained=True))])
    assert (direction("أين سرت؟"), direction("Where is Sirte?")) == ("rtl", "ltr")


def test_each_answers_sources_are_one_collapsible_list_under_their_heading():
    panel = panel_html([(1, answer("a [1]", [citation()], "ar"))])
    assert '<details open class="rag-list"><summary class="rag-panel-head" dir="rtl">المصادر' in panel


def test_a_phrase_line_shows_its_full_quote_beside_it_with_the_span_marked():
    c = citation(phrase="the quoted one", span_text="المقتبسة")
    html = answer_html(answer("From 1 article:\nthe quoted one [1]\nجملة أخرى [2]", [c, citation(n=2)]), turn=1)
    assert '<span class="rag-text">the quoted one</span><span class="rag-beside" dir="rtl">«الجملة ' \
           '<mark>المقتبسة</mark> هنا.»</span>' in html
    assert html.count("rag-beside") == 1  # a quote line has nothing beside it
