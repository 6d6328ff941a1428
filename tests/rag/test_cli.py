"""`rag` as a user runs it: a subprocess with its own index directory and the real e5 model."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ARTICLES, MODEL_CACHE, ROOT

pytestmark = pytest.mark.model


def rag(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    index = tmp_path_factory.mktemp("index")
    e = dict(os.environ, RAG_INDEX_DIR=str(index), RAG_MODEL_DIR=str(MODEL_CACHE), RAG_COLLECTION="cli")
    first = rag("ingest", env=e)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("added 5, updated 0, unchanged 0")
    return e


def test_docs_json_lists_the_five_seed_articles_with_titles(env):
    out = rag("docs", "--json", env=env)
    docs = json.loads(out.stdout)
    assert [d["doc_id"] for d in docs] == sorted(p.stem for p in ARTICLES.glob("*.txt"))
    assert all(d["title"] and d["chunks"] > 0 for d in docs)
    assert set(docs[0]) == {"doc_id", "title", "date", "source", "url", "chunks", "copy_of"}


def test_ingesting_twice_leaves_the_chunk_count_unchanged(env):
    before = sum(d["chunks"] for d in json.loads(rag("docs", "--json", env=env).stdout))
    again = rag("ingest", env=env)
    assert again.returncode == 0 and "unchanged 5" in again.stdout and "0 chunks embedded" in again.stdout
    assert sum(d["chunks"] for d in json.loads(rag("docs", "--json", env=env).stdout)) == before


def test_search_json_finds_the_passage_for_an_english_question(env):
    out = rag("search", "How far is Sirte from Tripoli?", "--top-k", "5", "--json", env=env)
    hits = json.loads(out.stdout)["hits"]
    assert len(hits) == 5
    assert set(hits[0]) == {"doc_id", "chunk_id", "title", "text", "score", "start", "end"}
    assert any("450" in h["text"] for h in hits)
    original = (ARTICLES / f"{hits[0]['doc_id']}.txt").read_text(encoding="utf-8")
    assert original[hits[0]["start"] : hits[0]["end"]].split()[-1] == hits[0]["text"].split()[-1]


def test_folder_with_binary_and_windows_1256_files_ingests_the_text_and_names_the_binary(env, tmp_path):
    (tmp_path / "arabic-cp1256.txt").write_bytes(
        "خبر عاجل\n\nأعلنت السلطات في طرابلس عن إجراءات أمنية جديدة.".encode("cp1256"))
    (tmp_path / "photo.txt").write_bytes(bytes(range(256)) * 16)
    out = rag("ingest", str(tmp_path), env=env)
    assert out.returncode == 0
    assert "added 1" in out.stdout
    assert "photo.txt: not text" in out.stderr and "Traceback" not in out.stderr
    assert rag("remove", "arabic-cp1256", env=env).returncode == 0


@pytest.mark.parametrize("args,message", [
    (("ingest", "/no/such/dir"), "no such file or folder"),
    (("remove", "no-such-doc"), "no document with id 'no-such-doc'"),
    (("search", "   "), "the question is empty"),
    (("ingest", "--fields", "colour=red"), "bad field mapping"),
])
def test_bad_input_is_one_clear_line_and_a_non_zero_exit(env, args, message):
    out = rag(*args, env=env)
    assert out.returncode != 0
    assert message in out.stderr and "Traceback" not in out.stderr


def test_a_question_without_words_is_one_line_asking_for_a_question(tmp_path):
    out = rag("ask", "\u200f😀\u200b", env=dict(os.environ, RAG_INDEX_DIR=str(tmp_path)))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "rag: error: the question has no words: ask a question in English or Arabic"


def test_an_unreachable_chroma_server_is_reported_in_one_line(env):
    out = rag("docs", env=dict(env, RAG_CHROMA_URL="http://127.0.0.1:9"))
    assert out.returncode == 2 and "cannot open the Chroma store at http://127.0.0.1:9" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_prune_removes_what_is_gone_and_keeps_the_rest(env, tmp_path):
    article = next(ARTICLES.glob("*.txt"))
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / article.name).write_bytes(article.read_bytes())
    env2 = dict(env, RAG_COLLECTION="prune")
    assert rag("ingest", env=env2).returncode == 0
    out = rag("ingest", str(folder), "--prune", env=env2)
    assert "removed 4" in out.stdout
    assert [d["doc_id"] for d in json.loads(rag("docs", "--json", env=env2).stdout)] == [article.stem]


def test_ask_json_is_the_api_contract_with_checkable_citations(env):
    out = rag("ask", "How far is Sirte from Tripoli?", "--json", env=env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == {"answer", "language", "abstained", "citations", "support", "signals", "checks",
                           "timings_ms"}
    assert result["language"] == "en" and not result["abstained"]
    assert set(result["timings_ms"]) == {"retrieve", "generate", "total"}
    assert result["answer"].startswith("From ")
    assert any("450" in c["quote"] for c in result["citations"])
    for c in result["citations"]:
        assert f"[{c['n']}]" in result["answer"]
        original = (ARTICLES / f"{c['doc_id']}.txt").read_text(encoding="utf-8")
        assert original[c["start"] : c["end"]].split()[-1] == c["quote"].split()[-1]


def test_ask_says_plainly_when_the_archive_does_not_hold_the_answer(env):
    out = rag("ask", "Who won the 2018 World Cup?", env=env)
    assert out.returncode == 0 and out.stdout.strip() == "The articles in the archive do not say."
    ar = json.loads(rag("ask", "ما هو عدد سكان القاهرة؟", "--json", env=env).stdout)
    assert ar["abstained"] and ar["language"] == "ar" and ar["citations"] == []


def test_ask_plain_output_lists_numbered_sources_and_prints_each_quote_once(env):
    question = "إلى أين انتقل مقاتلو داعش بعد خروجهم من سرت؟"  # answered with support 0.92, from several articles
    out = rag("ask", question, env=env)
    assert out.returncode == 0 and "Sources:" in out.stdout and "[1] " in out.stdout
    assert out.stdout.splitlines()[0].startswith("من ")
    quotes = [c["quote"] for c in json.loads(rag("ask", question, "--json", env=env).stdout)["citations"]]
    assert quotes and all(out.stdout.count(q) == 1 for q in quotes)


def test_ask_prints_each_phrase_with_the_full_quote_beside_it():
    from rag.cli import with_quotes
    from rag.types import Answer, Citation

    c = Citation(n=1, doc_id="d", title="t", source="s", date="", url="", chunk_id="c", text="x",
                 quote="على بعد  450 كيلومترا شرق طرابلس", start=0, end=9, score=1.0, phrase="450 km east of Tripoli")
    shown = with_quotes(Answer(answer="From 1 article:\n450 km east of Tripoli [1]\nجملة [2]", language="en",
                               abstained=False, citations=[c], timings_ms={}))
    assert shown.splitlines() == ["From 1 article:", "450 km east of Tripoli [1]",
                                  "    «على بعد 450 كيلومترا شرق طرابلس»", "جملة [2]"]
