"""The Documents tab's handlers over a real index: listing, adding and removing follow the API's key rule."""

import pytest

from index.errors import RagError
from tests.rag.conftest import LiveServer, make_kb
from ui import documents
from ui.serve import create_server

ARTICLE = "جسر جديد\n\nوقال مسؤول في البلدية لـ\"الوسط.نت\" إن الجسر الجديد فوق الوادي سيفتح الشهر المقبل."


def test_with_the_key_set_files_are_added_and_removed_and_the_listing_follows(tmp_path):
    kb = make_kb(tmp_path, api_key="k")
    upload = tmp_path / "uploads" / "bridge.txt"  # Gradio keeps the original name as the last path part
    upload.parent.mkdir()
    upload.write_text(ARTICLE, encoding="utf-8")
    assert documents.add(kb, [str(upload)]) == "added 1, updated 0, unchanged 0"
    assert "bridge" in documents.table(kb) and "الوسط.نت" in documents.sources(kb)
    assert documents.remove(kb, "bridge") == "removed `bridge` (1 passages)"
    assert "bridge" not in documents.table(kb) and "الوسط.نت" not in documents.sources(kb)
    assert documents.remove(kb, "bridge") == "`bridge` is no longer in the archive."


def test_without_a_key_adding_and_removing_are_refused_by_the_server(tmp_path):
    kb = make_kb(tmp_path)
    upload = tmp_path / "a.txt"
    upload.write_text(ARTICLE, encoding="utf-8")
    with pytest.raises(RagError, match="RAG_API_KEY"):
        documents.add(kb, [str(upload)])
    with pytest.raises(RagError, match="RAG_API_KEY"):
        documents.remove(kb, "000_f77978ab9cd701d8")
    assert len(kb.docs()) == 5


@pytest.mark.parametrize("name", ["photo.exe", ".hidden.txt"])
def test_unsupported_files_are_refused_by_name(tmp_path, name):
    kb = make_kb(tmp_path, api_key="k")
    upload = tmp_path / name
    upload.write_bytes(b"x")
    with pytest.raises(RagError, match=name):
        documents.add(kb, [str(upload)])


def test_the_listing_escapes_titles_and_reads_each_cell_in_its_own_direction(tmp_path):
    kb = make_kb(tmp_path, api_key="k")
    (tmp_path / "x").mkdir()
    odd = tmp_path / "x" / "odd.txt"
    odd.write_text("<img src=x onerror=alert(1)> عنوان\n\nنص الخبر هنا عن الطقس في طرابلس.", encoding="utf-8")
    documents.add(kb, [str(odd)])
    table = documents.table(kb)
    assert "<img" not in table and "&lt;img" in table and '<td dir="auto">' in table


def test_a_file_over_the_body_limit_but_under_the_upload_limit_reaches_the_page(tmp_path):
    import httpx

    kb = make_kb(tmp_path, max_body_mb=0.5, max_upload_mb=2)
    with LiveServer(create_server(kb)) as live:
        big = httpx.post(f"{live.url}/ui/gradio_api/upload", files={"files": ("big.txt", b"x" * 1_000_000)})
        huge = httpx.post(f"{live.url}/ui/gradio_api/upload", files={"files": ("huge.txt", b"x" * 3_000_000)})
    assert big.status_code == 200 and huge.status_code == 413
