"""Near-duplicates in answers: a citation of an article names its folded copies (typed, in the API's JSON, on the
CLI and in the UI's source card), the documents list shows copies, and removing the cited article keeps them."""

import json
import shutil
import subprocess
import sys

from fastapi.testclient import TestClient

from rag.api import create_app
from rag.types import Answer, Citation
from tests.conftest import ARTICLES, ROOT
from tests.index.test_near_duplicates import COPY, COPY_META, KEPT, write_copy
from tests.rag.conftest import make_kb
from ui.render import panel_html

# A sentence only the copied article holds (the hash embedder and the lexical index both find it).
QUESTION = "ما الذي حذر منه بان كي مون بشأن خلايا داعش السرية في ليبيا وشمال أفريقيا؟"


def kb_with_copy(tmp_path, **settings):
    corpus = tmp_path / "articles"  # where make_kb reads from
    shutil.copytree(ARTICLES, corpus)
    write_copy(corpus)
    return make_kb(tmp_path, **settings)


def cited(answer) -> list[Citation]:
    return [c for c in answer.citations if c.doc_id == KEPT]


def test_an_answer_citing_the_kept_article_lists_its_copy_with_source_and_date(tmp_path):
    kb = kb_with_copy(tmp_path)
    answer = kb.ask(QUESTION, top_k=3)
    assert cited(answer), [c.doc_id for c in answer.citations]
    assert all(c.doc_id != COPY for c in answer.citations)  # the story is cited once
    for c in cited(answer):
        [copy] = c.also_reported_by
        assert (copy.doc_id, copy.title, copy.source, copy.date, copy.url) == (COPY, *COPY_META.values())
    assert all(not c.also_reported_by for c in answer.citations if c.doc_id != KEPT)


def test_the_api_returns_copies_in_citations_and_documents(tmp_path):
    client = TestClient(create_app(kb_with_copy(tmp_path)), base_url="http://localhost")
    body = client.post("/api/ask", json={"question": QUESTION, "top_k": 3}).json()
    [also] = {json.dumps(c["also_reported_by"], ensure_ascii=False) for c in body["citations"] if c["doc_id"] == KEPT}
    assert json.loads(also) == [{"doc_id": COPY, **COPY_META}]
    docs = {d["doc_id"]: d for d in client.get("/api/documents").json()}
    assert docs[COPY]["copy_of"] == KEPT and docs[COPY]["chunks"] == 0 and docs[KEPT]["copy_of"] == ""


def test_the_source_card_says_who_else_reported_it():
    c = Citation(n=1, doc_id=KEPT, title="t", source="بوابة الحركات الإسلامية", date="2016-07-19", url="",
                 chunk_id=f"{KEPT}#0", text="نص.", quote="نص.", start=0, end=3, score=0.9,
                 also_reported_by=[{"doc_id": COPY, **COPY_META}])
    en = panel_html([(1, Answer(answer="x [1]", language="en", abstained=False, citations=[c], timings_ms={}))])
    assert 'class="rag-also"' in en and "also reported by 1 other source" in en
    assert f'href="{COPY_META["url"]}"' in en and "وكالة الأناضول, 2016-07-20" in en
    ar = panel_html([(1, Answer(answer="x [1]", language="ar", abstained=False, citations=[c], timings_ms={}))])
    assert "ورد الخبر أيضًا لدى" in ar


def test_removing_the_cited_article_leaves_its_copy_answering(tmp_path):
    kb = kb_with_copy(tmp_path)
    assert kb.remove(KEPT) > 0
    answer = kb.ask(QUESTION, top_k=3)
    assert COPY in {c.doc_id for c in answer.citations}
    assert all(not c.also_reported_by for c in answer.citations)


def test_the_cli_counts_folded_articles_and_lists_copies(tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    write_copy(corpus)
    env = {"RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_EMBED_BACKEND": "hash", "RAG_MIN_SUPPORT": "0",
           "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}

    def rag(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "tests.hash_rag", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = rag("ingest", str(corpus))
    assert "1 folded as near-duplicates of 1 stored article" in out and f"{COPY} → copy of {KEPT}" in out
    assert f"{COPY}\t2016-07-20\tcopy of {KEPT}\t" in rag("docs")
    assert "also reported by 1 other source: وكالة الأناضول, 2016-07-20" in rag("ask", QUESTION)
