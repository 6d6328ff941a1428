"""A cached mean vector: computed once per process, read back by later processes with the same embedder and
source file, computed again when the source changes or the cache file is damaged, and never an error when the
cache cannot be written."""

from pathlib import Path

import numpy as np

from rag.mean_vectors import CachedVector
from tests.fakes import HashEmbedder


class Counting:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> np.ndarray:
        self.calls += 1
        return np.arange(4, dtype=np.float64) / 10


def cached(source: Path, cache_dir: Path | None, compute: Counting, name: str = "x") -> CachedVector:
    return CachedVector(HashEmbedder(), compute, source=source, prefix=name, cache_dir=cache_dir)


def test_computed_once_per_process_and_then_read_by_later_ones(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("a\n")
    first = Counting()
    vector = cached(source, tmp_path / "cache", first)
    assert vector.get().dtype == np.float32 and vector.get() is vector.get() and first.calls == 1
    later = Counting()
    assert np.array_equal(cached(source, tmp_path / "cache", later).get(), vector.get()) and later.calls == 0


def test_a_changed_source_file_is_computed_again(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("a\n")
    cached(source, tmp_path / "cache", Counting()).get()
    source.write_text("b\n")
    again = Counting()
    cached(source, tmp_path / "cache", again).get()
    assert again.calls == 1


def test_a_damaged_cache_file_is_computed_again(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("a\n")
    cached(source, tmp_path / "cache", Counting(), name="background").get()
    (file,) = (tmp_path / "cache").glob("background-*.npy")
    file.write_bytes(b"not a numpy file")
    again = Counting()
    assert cached(source, tmp_path / "cache", again, name="background").get().shape == (4,) and again.calls == 1


def test_a_cache_folder_that_cannot_be_written_only_costs_the_computation(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("a\n")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    assert cached(source, blocked / "cache", Counting()).get().shape == (4,)
