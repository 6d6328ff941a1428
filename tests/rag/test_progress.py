"""`rag ingest`'s progress: a bar on a terminal, a plain line every 10 s otherwise, from ingest's own events."""

import io
import shutil

from index.ingest import ChunkSettings, ingest
from rag.progress import IngestProgress
from tests.conftest import ARTICLES


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_without_a_terminal_a_line_every_ten_seconds_and_one_at_the_end():
    out, clock = io.StringIO(), Clock()
    progress = IngestProgress(out, tty=False, clock=clock)
    progress("total", 640)
    for _ in range(10):  # ten batches of 64 documents, 3 s each
        clock.now += 3.0
        progress("documents", 64)
        progress("chunks", 100)
    progress.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # at 12 s and 24 s (10 s since the last line, at a batch end), then the end (30 s)
    assert lines[0] == ("ingest: 256/640 documents (40%), 400 chunks embedded; 21.3 documents/s, "
                        "33.3 chunks/s; about 0:18 left")
    assert lines[-1].startswith("ingest: 640/640 documents (100%), 1000 chunks embedded")
    assert "left" not in lines[-1]


def test_on_a_terminal_a_bar_with_the_total_rate_and_chunks():
    out = io.StringIO()
    progress = IngestProgress(out, tty=True)
    progress("total", 5)
    progress("documents", 5)
    progress("chunks", 12)
    progress.close()
    bar = out.getvalue()
    assert "ingest" in bar and "5/5" in bar and "chunks=12" in bar and "docs/s" in bar


def test_ingest_reports_the_total_first_then_every_document_and_chunk(tmp_path, store, fake_embedder):
    corpus = tmp_path / "articles"
    shutil.copytree(ARTICLES, corpus)
    events: list[tuple[str, int]] = []
    report = ingest([corpus], store=store, embedder=fake_embedder, counter=fake_embedder,
                    embedder_name=fake_embedder.name, settings=ChunkSettings(sentence_vectors=False),
                    progress=lambda what, n: events.append((what, n)), batch_docs=2)
    assert events[0] == ("total", 5)
    assert sum(n for what, n in events if what == "documents") == 5
    assert sum(n for what, n in events if what == "chunks") == report.chunks_embedded > 0


def test_the_last_line_is_not_repeated():
    out, clock = io.StringIO(), Clock()
    progress = IngestProgress(out, tty=False, clock=clock)
    progress("total", 5)
    clock.now = 26.0  # one slow batch: its line is the last word
    progress("documents", 5)
    progress("chunks", 27)
    progress.close()
    assert out.getvalue().splitlines() == [
        "ingest: 5/5 documents (100%), 27 chunks embedded; 0.2 documents/s, 1.0 chunks/s"]
