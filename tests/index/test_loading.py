"""Formats, encodings, field mapping and bad input."""

import gzip
import json
import os
import random
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from index.errors import InputError
from index.loading import FieldMap, decode, iter_files, load_file
from index.types import Document, Failure

ARABIC = "عنوان الخبر\n\nقالت مصادر ليبية إن مقاتلي التنظيم انتقلوا إلى الصحراء جنوب سرت."


def _docs(path: Path, fields: FieldMap = FieldMap()) -> list[Document | Failure]:
    return list(load_file(path, fields))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1256"])
def test_decode_detects_arabic_in_common_encodings(encoding):
    assert decode(ARABIC.encode(encoding), "f.txt") == ARABIC


def test_decode_rejects_binary_and_empty_input_by_name():
    with pytest.raises(InputError, match="photo.txt: not text"):
        decode(bytes(range(256)) * 8, "photo.txt")
    with pytest.raises(InputError, match="empty"):
        decode(b"  \n", "empty.txt")


def test_text_file_becomes_one_document_with_stem_id_title_and_language(tmp_path):
    p = tmp_path / "art-1.txt"
    p.write_text(ARABIC, encoding="utf-8")
    [doc] = _docs(p)
    assert isinstance(doc, Document)
    assert (doc.doc_id, doc.title, doc.language) == ("art-1", "عنوان الخبر", "ar")


def test_windows_1256_file_and_gzipped_file_load(tmp_path):
    (tmp_path / "win.txt").write_bytes(ARABIC.encode("cp1256"))
    (tmp_path / "z.txt.gz").write_bytes(gzip.compress(ARABIC.encode("utf-8")))
    docs = [d for f in ("win.txt", "z.txt.gz") for d in _docs(tmp_path / f)]
    assert [d.doc_id for d in docs if isinstance(d, Document)] == ["win", "z"]
    assert all(isinstance(d, Document) and d.text.startswith("عنوان الخبر") for d in docs)


def test_html_takes_title_tag_and_drops_scripts(tmp_path):
    p = tmp_path / "page.html"
    p.write_text("<html><head><title>خبر &amp; تقرير</title><script>var x=1;</script></head>"
                 "<body><nav>القائمة</nav><p>الفقرة الأولى.</p><p>الفقرة الثانية.</p></body></html>",
                 encoding="utf-8")
    [doc] = _docs(p)
    assert isinstance(doc, Document)
    assert doc.title == "خبر & تقرير"
    assert "var x" not in doc.text and "القائمة" not in doc.text
    assert "الفقرة الأولى.\n\nالفقرة الثانية." in doc.text


def test_jsonl_with_ant_mapping_reads_metadata_and_reports_broken_lines(tmp_path):
    rec = {"docno": "JA-1", "title": "عنوان", "time": "2017-04-07T09:23:00+01:00", "url": "http://x/1",
           "src": "Jawhara FM", "text": "نص الخبر الكامل هنا."}
    empty = dict(rec, docno="JA-2", text="")
    p = tmp_path / "ant.jsonl"
    p.write_text(json.dumps(rec, ensure_ascii=False) + "\n{broken\n" + json.dumps(empty) + "\n", encoding="utf-8")
    out = _docs(p, FieldMap.parse("ant"))
    doc = out[0]
    assert isinstance(doc, Document)
    assert (doc.doc_id, doc.title, doc.date, doc.source, doc.url) == (
        "JA-1", "عنوان", "2017-04-07T09:23:00+01:00", "Jawhara FM", "http://x/1")
    assert isinstance(out[1], Failure) and out[1].origin.endswith("ant.jsonl:2") and "broken JSON" in out[1].reason
    assert isinstance(out[2], Failure) and "no text" in out[2].reason


def test_field_mapping_rejects_unknown_fields():
    assert FieldMap.parse("id=docno, date=time").id == "docno"
    with pytest.raises(InputError, match="bad field mapping"):
        FieldMap.parse("colour=red")


def test_folder_walk_reports_missing_paths_and_unsupported_types(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "b.pdf").write_bytes(b"%PDF")
    items = list(iter_files([tmp_path, tmp_path / "missing.txt"]))
    assert items[0] == tmp_path / "sub" / "a.txt"
    reasons = {Path(i.origin).name: i.reason for i in items if isinstance(i, Failure)}
    assert "unsupported file type .pdf" in reasons["b.pdf"]
    assert reasons["missing.txt"] == "no such file or folder"


def _failures(items) -> dict[str, str]:
    return {i.origin: i.reason for i in items if isinstance(i, Failure)}


def test_json_nested_50000_levels_fails_alone_and_the_next_line_still_loads(tmp_path):
    deep = '{"nested": ' * 50_000 + "1" + "}" * 50_000
    (tmp_path / "deep.json").write_text(deep, encoding="utf-8")
    (tmp_path / "mixed.jsonl").write_text(deep + "\n" + json.dumps({"id": "ok", "text": ARABIC}) + "\n",
                                          encoding="utf-8")
    [deep_failure] = _docs(tmp_path / "deep.json")
    assert isinstance(deep_failure, Failure) and "nested too deeply" in deep_failure.reason
    first, second = _docs(tmp_path / "mixed.jsonl")
    assert isinstance(first, Failure) and first.origin.endswith("mixed.jsonl:1") and "nested" in first.reason
    assert isinstance(second, Document) and second.doc_id == "ok"


def test_json_number_too_long_for_python_is_that_records_failure(tmp_path):
    p = tmp_path / "digits.jsonl"
    good = json.dumps({"id": "b", "text": ARABIC * 100}, ensure_ascii=False)
    p.write_text('{"id": ' + "9" * 5000 + ', "text": "نص"}\n' + good + "\n", encoding="utf-8")
    first, second = _docs(p)
    assert isinstance(first, Failure) and "broken JSON" in first.reason
    assert isinstance(second, Document) and second.doc_id == "b"


def _gzip_zeros(path: Path, megabytes: int) -> Path:
    with gzip.open(path, "wb") as f:
        for _ in range(megabytes):
            f.write(bytes(2**20))
    return path


def test_gzip_bomb_is_refused_with_its_ratio_quickly(tmp_path):
    bomb = _gzip_zeros(tmp_path / "bomb.txt.gz", 100)  # ~100 KB that expands to 100 MB
    started = time.perf_counter()
    [failure] = _docs(bomb)
    assert time.perf_counter() - started < 5  # was 31.8 s
    assert isinstance(failure, Failure) and failure.origin == str(bomb)
    assert "decompression bomb" in failure.reason and "100×" in failure.reason


def test_jsonl_gzip_bomb_stops_at_the_ratio_limit(tmp_path):
    p = tmp_path / "bomb.jsonl.gz"
    line = (json.dumps({"text": "خبر"}, ensure_ascii=False) + "\n").encode()
    with gzip.open(p, "wb") as f:
        for _ in range(50):
            f.write(line * (2**20 // len(line)))
    items = _docs(p)
    assert isinstance(items[-1], Failure) and "decompression bomb" in items[-1].reason
    assert len(items) < 200_000  # stopped near the first MB, not after 50 MB


def test_gzip_expanding_past_the_file_limit_is_refused_naming_the_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MAX_FILE_MB", "0.5")
    p = tmp_path / "big.txt.gz"
    p.write_bytes(gzip.compress(os.urandom(400_000).hex().encode()))  # 800 KB of text, ratio about 2
    [failure] = _docs(p)
    assert isinstance(failure, Failure)
    assert "larger than 0.5 MB once decompressed" in failure.reason and "RAG_MAX_FILE_MB" in failure.reason


def test_text_file_over_the_file_limit_is_refused_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MAX_FILE_MB", "1")
    p = tmp_path / "huge.txt"
    p.write_text(ARABIC * 20_000, encoding="utf-8")  # 2.4 MB
    [failure] = _docs(p)
    assert isinstance(failure, Failure) and failure.origin == str(p)
    assert failure.reason.startswith("larger than 1 MB") and "\n" not in failure.reason


def test_article_over_the_character_limit_is_refused_in_files_and_records(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MAX_ARTICLE_CHARS", "1000")
    (tmp_path / "long.txt").write_text(ARABIC * 20, encoding="utf-8")
    rows = [{"id": "short", "text": ARABIC}, {"id": "long", "text": ARABIC * 20}]
    (tmp_path / "recs.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                         encoding="utf-8")
    [long_file] = _docs(tmp_path / "long.txt")
    short, long_record = _docs(tmp_path / "recs.jsonl")
    for failure in (long_file, long_record):
        assert isinstance(failure, Failure)
        assert "1,540 characters" in failure.reason and "at most 1,000 (RAG_MAX_ARTICLE_CHARS)" in failure.reason
    assert isinstance(short, Document)


def test_jsonl_has_no_file_limit_but_an_overlong_line_is_that_lines_failure(tmp_path, monkeypatch):
    monkeypatch.setenv("RAG_MAX_FILE_MB", "0.01")
    monkeypatch.setenv("RAG_MAX_LINE_MB", "0.1")
    rows = [json.dumps({"id": f"r{i}", "text": ARABIC}, ensure_ascii=False) for i in range(200)]  # ~30 KB
    rows[5] = json.dumps({"id": "giant", "text": ARABIC * 2000}, ensure_ascii=False)
    p = tmp_path / "many.jsonl"
    p.write_text("\n".join(rows), encoding="utf-8")
    items = _docs(p)
    assert len([d for d in items if isinstance(d, Document)]) == 199
    assert _failures(items) == {f"{p}:6": "line longer than 0.1 MB (RAG_MAX_LINE_MB); skipped"}


def test_jsonl_is_read_line_by_line_in_bounded_memory(tmp_path):
    p = tmp_path / "big.jsonl"
    line = json.dumps({"id": "x", "title": "عنوان " * 150}, ensure_ascii=False) + "\n"  # no text: fails fast
    with p.open("w", encoding="utf-8") as f:
        for _ in range(4 * 2**20 // len(line.encode())):
            f.write(line)
    tracemalloc.start()
    try:
        for _ in load_file(p):
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # a 4 MB file, never held whole


def _in_thread(fn, timeout: float = 10):
    """fn()'s result, or fail if it blocks (a FIFO opened for reading waits for a writer forever)."""
    result: list = []
    worker = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "blocked"
    return result[0]


def _unblock(fifo: Path) -> None:
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # frees a reader stuck in open()
    except OSError:
        pass


def test_fifo_given_by_name_is_refused_without_hanging(tmp_path, request):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    request.addfinalizer(lambda: _unblock(fifo))
    items = _in_thread(lambda: [i for x in iter_files([fifo]) for i in ([x] if isinstance(x, Failure) else _docs(x))])
    assert items == [Failure(str(fifo), "skipped: a named pipe (FIFO), not a regular file")]
    [failure] = _in_thread(lambda: _docs(fifo))
    assert isinstance(failure, Failure) and "not a regular file" in failure.reason


def test_folder_walk_reports_each_thing_it_skips_with_a_reason(tmp_path, request):
    (tmp_path / "a.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(ARABIC, encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    request.addfinalizer(lambda: _unblock(tmp_path / "pipe.txt"))
    (tmp_path / "self").symlink_to(tmp_path)
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "sub" / "link.txt").symlink_to(tmp_path / "a.txt")
    items = _in_thread(lambda: list(iter_files([tmp_path])))
    assert [i for i in items if isinstance(i, Path)] == [tmp_path / "a.txt", tmp_path / "sub" / "b.md",
                                                         tmp_path / "sub" / "link.txt"]
    reasons = {Path(o).name: r for o, r in _failures(items).items()}
    assert reasons == {
        ".hidden.txt": "skipped: hidden file", ".git": "skipped: hidden folder",
        "pipe.txt": "skipped: a named pipe (FIFO), not a regular file",
        "self": "skipped: a link to a folder read already (a loop or a duplicate)",
        "loop.txt": "skipped: broken symbolic link (to nothing, or to itself)",
        "gone.txt": "skipped: broken symbolic link (to nothing, or to itself)"}


def test_file_name_with_spaces_gives_an_id_with_spaces(tmp_path):
    p = tmp_path / "has space.txt"
    p.write_text(ARABIC, encoding="utf-8")
    [doc] = _docs(p)
    assert isinstance(doc, Document) and doc.doc_id == "has space"


def test_other_odd_characters_in_a_file_name_are_slugged_into_the_id(tmp_path):
    p = tmp_path / "تقرير (نسخة 2)\t.txt"
    p.write_text(ARABIC, encoding="utf-8")
    [doc] = _docs(p)
    assert isinstance(doc, Document) and doc.doc_id == "تقرير -نسخة 2"


def test_a_short_number_is_text_but_too_short_to_be_an_article(tmp_path):
    p = tmp_path / "answer.txt"
    p.write_text("42\n", encoding="utf-8")
    [failure] = _docs(p)
    assert isinstance(failure, Failure)
    assert failure.reason == "too short to be an article (no words, only '42')"


def test_control_characters_in_file_names_are_escaped_in_every_report(tmp_path):
    (tmp_path / "bad\nname.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "evil\x1b[2J.pdf").write_bytes(b"%PDF")
    (tmp_path / "ok\rname.txt").write_text(ARABIC, encoding="utf-8")
    items = list(iter_files([tmp_path]))
    loaded = [d for p in items if isinstance(p, Path) for d in _docs(p)]
    origins = [i.origin for i in items + loaded if isinstance(i, (Failure, Document))]
    assert len(origins) == 3 and not any(c in o for o in origins for c in "\n\r\x1b")
    assert {Path(o).name for o in origins} == {"bad\\nname.txt", "evil\\x1b[2J.pdf", "ok\\rname.txt"}
    assert [d.doc_id for d in loaded if isinstance(d, Document)] == ["ok-name"]


def test_iso_8859_6_arabic_is_recognised_not_read_as_windows_1256(tmp_path):
    p = tmp_path / "iso.txt"
    p.write_bytes(ARABIC.encode("iso8859_6"))
    [doc] = _docs(p)
    assert isinstance(doc, Document) and doc.text.startswith("عنوان الخبر") and "جنوب سرت" in doc.text


@pytest.mark.parametrize("text, encoding", [("Le café est très bon, à Paris. Ça coûte cher.", "latin-1"),
                                            ("Привет, это новости о погоде в Москве сегодня.", "cp1251")])
def test_other_legacy_encodings_are_placed_by_detection(text, encoding):
    assert decode(text.encode(encoding), "f.txt") == text


def test_bytes_no_encoding_can_place_are_reported_by_name():
    rng = random.Random(0)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(2000))
    with pytest.raises(InputError, match="noise.txt: not text, or in an encoding that cannot be told"):
        decode(noise, "noise.txt")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "cp1256"])
def test_jsonl_in_any_supported_encoding_is_read_line_by_line(tmp_path, encoding):
    rows = [json.dumps({"id": f"r{i}", "text": ARABIC}, ensure_ascii=False) for i in range(3)]
    p = tmp_path / "recs.jsonl"
    p.write_bytes("\n".join(rows).encode(encoding))
    assert [d.doc_id for d in _docs(p) if isinstance(d, Document)] == ["r0", "r1", "r2"]


def _with_sidecar(tmp_path: Path, meta: object, name: str = "story.txt", text: str = ARABIC) -> Path:
    article = tmp_path / name
    article.write_text(text, encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return article


def test_a_sidecar_sets_title_date_source_and_url_over_what_the_text_says(tmp_path):
    article = _with_sidecar(tmp_path, {"title": "خبر الصحراء", "date": "2017-02-14", "source": "الجزيرة",
                                       "url": "https://example.org/a", "note": "for people; ignored"})
    [doc] = _docs(article)
    assert (doc.title, doc.date, doc.source, doc.url) == ("خبر الصحراء", "2017-02-14", "الجزيرة", "https://example.org/a")
    assert doc.text.startswith("عنوان الخبر")  # the article's text is untouched


def test_a_sidecar_is_read_with_its_article_and_never_as_an_article(tmp_path):
    _with_sidecar(tmp_path, {"source": "الجزيرة"}, name="story.txt.gz", text="")
    (tmp_path / "story.txt.gz").write_bytes(gzip.compress(ARABIC.encode()))
    (tmp_path / "orphan.meta.json").write_text('{"title": "x"}', encoding="utf-8")
    found = list(iter_files([tmp_path]))
    assert [p.name for p in found if isinstance(p, Path)] == ["story.txt.gz"]
    [orphan] = [f for f in found if isinstance(f, Failure)]
    assert orphan.origin.endswith("orphan.meta.json") and "without its article" in orphan.reason
    [doc] = _docs(tmp_path / "story.txt.gz")
    assert doc.source == "الجزيرة"


@pytest.mark.parametrize("meta,reason", [
    ("{not json", "story.meta.json is not JSON"),
    (["a list"], "must hold a JSON object"),
    ({"date": 2017}, "date must be text"),
    ({"date": "last Tuesday"}, "'last Tuesday' is not a date"),
])
def test_an_unusable_sidecar_is_its_articles_failure_naming_the_sidecar(tmp_path, meta, reason):
    article = tmp_path / "story.txt"
    article.write_text(ARABIC, encoding="utf-8")
    (tmp_path / "story.meta.json").write_text(meta if isinstance(meta, str) else json.dumps(meta), encoding="utf-8")
    [failure] = _docs(article)
    assert isinstance(failure, Failure) and reason in failure.reason


def test_editing_a_sidecar_updates_the_stored_article_on_the_next_ingest(tmp_path, store, fake_embedder):
    from index.ingest import ingest

    (tmp_path / "in").mkdir()
    article = _with_sidecar(tmp_path / "in", {"source": "أ"})

    def run():
        return ingest([article.parent], store=store, embedder=fake_embedder, counter=fake_embedder,
                      embedder_name=fake_embedder.name)

    assert run().added == ["story"]
    assert run().unchanged == ["story"]
    (article.parent / "story.meta.json").write_text('{"source": "ب", "date": "2016-05-01"}', encoding="utf-8")
    assert run().updated == ["story"]
    info = store.doc_info("story")
    assert (info.source, info.date) == ("ب", "2016-05-01")


def test_the_outlet_the_text_names_becomes_the_source_when_nothing_else_sets_it(tmp_path):
    said = "عنوان\n\nوقال مسؤول محلي، فضل عدم ذكر اسمه، لـ\"الوسط.نت\" إن الطريق أغلق أمس."
    credited = "عنوان\n\nأغلقت السلطات الطريق الساحلي أمس.\n\nالمصدر: وكالة الأنباء الليبية"
    affiliated = "عنوان\n\nوبحسب مصادر تابعة لـ\"غرفة العمليات\" فإن الطريق أغلق."
    for name, text in (("said", said), ("credited", credited), ("affiliated", affiliated)):
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    assert [_docs(tmp_path / f"{n}.txt")[0].source for n in ("said", "credited", "affiliated")] == [
        "الوسط.نت", "وكالة الأنباء الليبية", ""]


def test_the_seed_articles_carry_titles_sources_and_what_dates_their_texts_give():
    from tests.conftest import ARTICLES

    docs = {d.doc_id: d for p in iter_files([ARTICLES]) for d in load_file(p)}
    assert len(docs) == 5 and all(isinstance(d, Document) for d in docs.values())
    assert {k[:3]: d.source for k, d in docs.items()} == {
        "000": "العربية.نت", "001": "", "002": "العربية.نت", "003": "بوابة الحركات الإسلامية", "004": "وكالة فرانس برس"}
    assert docs["003_3c966266f86ced41"].date == "2016-07-19"
    assert not any(d.title.endswith("…") or d.title.startswith("وبحسب") for d in docs.values())  # no clipped sentence
