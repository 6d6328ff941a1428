"""The readers–writer lock: questions share it, an ingest or removal holds it alone, and a waiting writer
is not starved by a stream of new readers."""

import threading
import time

from rag.locks import RWLock


def run(target) -> threading.Thread:
    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t


def test_readers_share_the_lock():
    lock, inside, both = RWLock(), [], threading.Event()

    def reader():
        with lock.read():
            inside.append(1)
            if len(inside) == 2:
                both.set()
            both.wait(2)

    threads = [run(reader), run(reader)]
    assert both.wait(2), "two readers were never inside together"
    for t in threads:
        t.join(2)


def test_a_writer_waits_for_readers_and_excludes_them():
    lock, log = RWLock(), []
    reading = threading.Event()

    def reader():
        with lock.read():
            reading.set()
            time.sleep(0.2)
            log.append("reader done")

    def writer():
        reading.wait(2)
        with lock.write():
            log.append("writer in")
            time.sleep(0.2)
            log.append("writer out")

    threads = [run(reader), run(writer)]
    for t in threads:
        t.join(3)
    assert log == ["reader done", "writer in", "writer out"]


def test_new_readers_wait_behind_a_waiting_writer():
    lock, log = RWLock(), []
    first_in, writer_waiting = threading.Event(), threading.Event()

    def first_reader():
        with lock.read():
            first_in.set()
            writer_waiting.wait(2)
            time.sleep(0.1)
            log.append("first reader out")

    def writer():
        first_in.wait(2)
        writer_waiting.set()
        with lock.write():
            log.append("writer")

    def late_reader():
        writer_waiting.wait(2)
        time.sleep(0.05)  # arrives while the writer is waiting
        with lock.read():
            log.append("late reader")

    threads = [run(first_reader), run(writer), run(late_reader)]
    for t in threads:
        t.join(3)
    assert log == ["first reader out", "writer", "late reader"]
