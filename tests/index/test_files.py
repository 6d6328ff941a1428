"""Index and model files are private to their owner unless RAG_SHARED_FILES=1."""

import os
import shutil
import stat
from pathlib import Path

import pytest

from index.chroma import ChromaStore
from index.files import make_private_dir, make_private_tree, private_umask
from index.ingest import ChunkSettings, ingest
from index.lexical import LexicalIndex
from tests.conftest import ARTICLES
from tests.fakes import HashEmbedder


@pytest.fixture
def umask_022():
    """The usual umask for the test, and whatever it was restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def _modes(root: Path) -> dict[str, set[str]]:
    modes: dict[str, set[str]] = {"dirs": set(), "files": set()}
    for p in [root, *root.rglob("*")]:
        modes["dirs" if p.is_dir() else "files"].add(oct(stat.S_IMODE(p.stat().st_mode)))
    return modes


def _ingest_into(index: Path) -> None:
    corpus = index.parent / "articles"
    shutil.copytree(ARTICLES, corpus)
    store = ChromaStore(path=index, collection="private")
    emb = HashEmbedder()
    ingest([corpus], store=store, embedder=emb, counter=emb, embedder_name=emb.name,
           settings=ChunkSettings(max_tokens=80, overlap_tokens=20))
    LexicalIndex(store, index).get()


def test_after_an_ingest_under_the_private_umask_every_index_file_is_0600_and_folder_0700(tmp_path, umask_022,
                                                                                        monkeypatch):
    monkeypatch.delenv("RAG_SHARED_FILES", raising=False)
    private_umask()
    _ingest_into(tmp_path / "index")
    modes = _modes(tmp_path / "index")
    assert modes == {"dirs": {"0o700"}, "files": {"0o600"}} and len(list((tmp_path / "index").rglob("*"))) > 3


def test_the_lexical_cache_is_private_even_under_a_shared_umask(tmp_path, umask_022, monkeypatch):
    monkeypatch.delenv("RAG_SHARED_FILES", raising=False)
    store = ChromaStore(path=tmp_path / "chroma", collection="cache")
    LexicalIndex(store, tmp_path / "cache" / "lex").get()
    assert _modes(tmp_path / "cache") == {"dirs": {"0o700"}, "files": {"0o600"}}


def test_private_dir_and_tree_make_folders_0700_and_files_0600(tmp_path, umask_022, monkeypatch):
    monkeypatch.delenv("RAG_SHARED_FILES", raising=False)
    made = make_private_dir(tmp_path / "a" / "b")
    (made / "model.bin").write_bytes(b"x")
    (made / "sub").mkdir()
    (made / "sub" / "config.json").write_text("{}")
    make_private_tree(tmp_path / "a")
    assert _modes(tmp_path / "a") == {"dirs": {"0o700"}, "files": {"0o600"}}


def test_rag_shared_files_keeps_the_usual_modes(tmp_path, umask_022, monkeypatch):
    monkeypatch.setenv("RAG_SHARED_FILES", "1")
    assert private_umask() is None and os.umask(0o022) == 0o022
    made = make_private_dir(tmp_path / "shared")
    (made / "f").write_bytes(b"x")
    make_private_tree(made)
    assert _modes(made) == {"dirs": {"0o755"}, "files": {"0o644"}}


def test_the_rag_command_sets_the_private_umask_before_anything_is_created(tmp_path, umask_022, monkeypatch):
    from rag.cli import main

    monkeypatch.delenv("RAG_SHARED_FILES", raising=False)
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    assert main(["docs", "--json"]) == 0
    assert os.umask(0o022) == 0o077
    assert _modes(tmp_path / "index") == {"dirs": {"0o700"}, "files": {"0o600"}}
