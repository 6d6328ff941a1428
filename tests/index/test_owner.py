"""The index's owner lock across real processes: one owner, readers together, nothing left behind by kill -9."""

import os
import signal
import subprocess
import sys
import time

import pytest

from index.errors import IndexBusyError
from index.owner import IndexLock, Owner
from tests.conftest import ROOT

HOLD = """
import sys, time
from index.owner import IndexLock, Owner
lock = IndexLock(sys.argv[1])
if sys.argv[2] == "shared":
    lock.acquire_shared()
else:
    lock.acquire_exclusive(Owner(pid=__import__("os").getpid(), command="serve", url="http://127.0.0.1:8123"))
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
"""


def hold(index, mode: str, seconds: float = 60) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(index), mode, str(seconds)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


@pytest.fixture
def owner_process(tmp_path):
    proc = hold(tmp_path, "exclusive")
    yield proc
    proc.kill()
    proc.wait(10)


def test_a_second_owner_and_a_reader_are_refused_with_the_owners_name_and_address(tmp_path, owner_process):
    expected = Owner(pid=owner_process.pid, command="serve", url="http://127.0.0.1:8123")
    for attempt in (lambda lock: lock.acquire_exclusive(Owner(os.getpid(), "ingest")), IndexLock.acquire_shared):
        with pytest.raises(IndexBusyError) as err:
            attempt(IndexLock(tmp_path))
        assert err.value.owner == expected
        assert str(err.value) == (f"the index at {tmp_path} is served by `rag serve` (pid {owner_process.pid}) "
                                  "on http://127.0.0.1:8123")


def test_an_owner_killed_with_sigkill_leaves_no_lock_behind(tmp_path, owner_process):
    owner_process.send_signal(signal.SIGKILL)
    owner_process.wait(10)
    lock = IndexLock(tmp_path)
    assert lock.owner() is None  # its name is still in the file, but nobody by that pid is alive
    lock.acquire_exclusive(Owner(os.getpid(), "ingest"), wait=0)
    assert lock.owner() == Owner(os.getpid(), "ingest")


def test_readers_share_the_index_and_an_owner_waits_for_them_to_finish(tmp_path):
    readers = [hold(tmp_path, "shared", seconds=1.5) for _ in range(2)]
    mine = IndexLock(tmp_path)
    mine.acquire_shared()  # a third reader alongside
    mine.release()
    with pytest.raises(IndexBusyError, match="open in other `rag` processes"):
        IndexLock(tmp_path).acquire_exclusive(Owner(os.getpid(), "ingest"), wait=0.2)
    waited: list[bool] = []
    started = time.monotonic()
    IndexLock(tmp_path).acquire_exclusive(Owner(os.getpid(), "ingest"), wait=30, on_wait=lambda: waited.append(True))
    assert waited == [True] and time.monotonic() - started > 0.3
    for r in readers:
        assert r.wait(10) == 0


def test_an_owner_that_releases_the_index_leaves_no_name_behind(tmp_path):
    lock = IndexLock(tmp_path)
    lock.acquire_exclusive(Owner(os.getpid(), "remove"))
    assert lock.owner() == Owner(os.getpid(), "remove")
    lock.release()
    assert lock.owner() is None and (tmp_path / "owner.lock").read_text() == ""
    IndexLock(tmp_path).acquire_shared()
