"""The lexical index on disk: data only (`.npz` arrays and JSON, loaded with `allow_pickle=False`), never code.

    bm25-<collection>.json              the manifest: format, the store fingerprint it describes, and its parts
                                        (a segment's file name and the ids removed from it since)
    bm25-<collection>.seg-<hex>.npz     one segment each: term counts (CSR), chunk lengths, and as JSON its
                                        terms and chunk ids; written once, never changed

Adding documents writes one small segment file and the manifest; the big base segment is rewritten only when
the parts are merged. Every file is written under a unique temporary name and renamed into place, so two
processes writing at once never mix their bytes, and a reader sees a whole old or a whole new file. Segment
files no manifest lists are deleted once they are `GRACE` seconds old (a reader that read the previous
manifest a moment ago still finds the segments it names; a writer has time to write its manifest). Anything
unreadable, malformed or foreign is treated as missing: the caller rebuilds. The chunks themselves are not
kept here; they are re-read from the store.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import BinaryIO

import numpy as np

from index.bm25 import Part, Segment
from index.files import make_private_dir, write_atomically

FORMAT = 3  # bump when what the files hold changes (1: one .npz of precomputed weights; 2: tokens with ؟ ، ؛)
GRACE = 60.0  # seconds an unlisted segment or temporary file is left alone


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    parts: tuple[Part, ...]


class LexicalCache:
    """The cache files of one collection in `folder`."""

    def __init__(self, folder: str | Path, collection: str) -> None:
        self.folder = Path(folder)
        self.prefix = f"bm25-{collection}"
        self.manifest = self.folder / f"{self.prefix}.json"
        self._segment_name = re.compile(re.escape(f"{self.prefix}.seg-") + r"[0-9a-f]{32}\.npz")
        self._legacy = [self.folder / f"{self.prefix}.npz", self.folder / f"{self.prefix}.pkl"]  # never loaded

    def load(self) -> Stored | None:
        """What the manifest describes, or None when anything is missing, unreadable or malformed. A segment
        gone between reading the manifest and the segment (another writer's manifest replaced it and
        tidied) costs one more read of the manifest."""
        for _ in range(2):
            try:
                meta = json.loads(self.manifest.read_text(encoding="utf-8"))
                if meta["format"] != FORMAT:
                    return None
                parts = tuple(Part(self._load_segment(p["segment"]), frozenset(map(str, p["dead"])))
                              for p in meta["parts"])
                return Stored(str(meta["fingerprint"]), parts)
            except FileNotFoundError:
                continue
            except Exception:  # noqa: BLE001 - corrupt or foreign: the caller rebuilds, whatever was there
                return None
        return None

    def save(self, fingerprint: str, parts: tuple[Part, ...]) -> None:
        """Write the segments not on disk yet, then the manifest; then tidy up. A folder that cannot be
        written (read-only index) costs only the cache."""
        try:
            make_private_dir(self.folder)
            for part in parts:
                path = self._path(part.segment.name)
                if not path.exists():
                    write_atomically(path, partial(_save_segment, seg=part.segment))
            meta = {"format": FORMAT, "fingerprint": fingerprint,
                    "parts": [{"segment": p.segment.name, "dead": sorted(p.dead)} for p in parts]}
            data = json.dumps(meta, ensure_ascii=False).encode("utf-8")
            write_atomically(self.manifest, lambda f: f.write(data))
            self._tidy({p.segment.name for p in parts})
        except OSError:
            return

    def _path(self, name: str) -> Path:
        return self.folder / f"{self.prefix}.seg-{name}.npz"

    def _load_segment(self, name: str) -> Segment:
        path = self._path(name)
        if not self._segment_name.fullmatch(path.name):
            raise ValueError(f"bad segment name {name!r}")
        from scipy.sparse import csr_matrix

        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            terms, ids = tuple(map(str, meta["terms"])), tuple(map(str, meta["ids"]))
            tf = csr_matrix((z["data"], z["indices"], z["indptr"]), shape=(len(terms), len(ids)))
            lengths = np.asarray(z["lengths"], dtype=np.float32)
        tf.check_format(full_check=True)
        if meta["format"] != FORMAT or meta["name"] != name or lengths.shape != (len(ids),):
            raise ValueError(f"segment {name} does not fit")
        return Segment(name, terms, ids, tf.astype(np.float32), lengths)

    def _tidy(self, listed: set[str]) -> None:
        """Delete old-format caches, and segment and temporary files that no manifest needs any more."""
        for path in self._legacy:
            path.unlink(missing_ok=True)
        now = time.time()
        for path in self.folder.iterdir():
            name = path.name
            unlisted = self._segment_name.fullmatch(name) and name[len(self.prefix) + 5 : -4] not in listed
            temporary = name.startswith(f".{self.prefix}") and name.endswith(".tmp")
            try:
                if (unlisted or temporary) and now - path.stat().st_mtime > GRACE:
                    path.unlink()
            except OSError:
                continue  # gone meanwhile (another process tidied), or not ours to delete


def _save_segment(f: BinaryIO, seg: Segment) -> None:
    meta = {"format": FORMAT, "name": seg.name, "terms": list(seg.terms), "ids": list(seg.ids)}
    tf = seg.tf.tocsr()
    np.savez(f, meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
             data=tf.data, indices=tf.indices, indptr=tf.indptr, lengths=seg.lengths)
