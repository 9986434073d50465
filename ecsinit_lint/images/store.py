"""The on-disk cache of images: blobs and manifests by digest, kept forever (a digest names its
bytes), and tag -> digest for a TTL. Under `images/` in the folder `check` caches findings in.
Every write is atomic (a temporary file renamed); an unreadable cache only costs the network."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

TAG_TTL = 3600.0  # seconds a tag's digest is trusted


def default_folder() -> Path:
    from ..analysis.shellparser import cache_dir

    return Path(os.environ.get("ECSINIT_LINT_CACHE_DIR") or cache_dir()) / "images"


class Store:
    def __init__(self, folder: str | os.PathLike | None = None, ttl: float = TAG_TTL, refresh: bool = False):
        self.folder = Path(folder) if folder is not None else default_folder()
        self.ttl, self.refresh = ttl, refresh

    def blob_path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        return self.folder / "blobs" / algorithm / hexdigest

    def has(self, digest: str) -> bool:
        return self.blob_path(digest).is_file()

    def read(self, digest: str) -> bytes | None:
        try:
            return self.blob_path(digest).read_bytes()
        except OSError:
            return None

    def writer(self, digest: str) -> BlobWriter:
        return BlobWriter(self.blob_path(digest), digest)

    def put(self, digest: str, data: bytes) -> None:
        with self.writer(digest) as w:
            w.write(data)

    def _tag_path(self, name: str) -> Path:
        return self.folder / "tags" / hashlib.sha256(name.encode()).hexdigest()

    def tag(self, name: str) -> str | None:
        """The digest NAME (`registry/repo:tag`) had less than a TTL ago, unless refreshing."""
        if self.refresh:
            return None
        try:
            record = json.loads(self._tag_path(name).read_text())
            fresh = record["name"] == name and time.time() - record["time"] < self.ttl
            return record["digest"] if fresh else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def set_tag(self, name: str, digest: str) -> None:
        _atomic_write(self._tag_path(name), json.dumps({"name": name, "digest": digest, "time": time.time()}).encode())


class BlobWriter:
    """Writes a blob beside its place and renames it there only if its bytes hash to its digest
    (`commit`); anything else leaves nothing behind. Failing to write only loses the caching."""

    def __init__(self, path: Path, digest: str):
        self.path, self.digest = path, digest
        self.hash = hashlib.sha256()
        self._file = self._tmp = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
            self._file = os.fdopen(fd, "wb")
        except OSError:
            self._file = None

    def write(self, data: bytes) -> None:
        self.hash.update(data)
        if self._file is not None:
            try:
                self._file.write(data)
            except OSError:
                self._discard()

    @property
    def writable(self) -> bool:
        return self._file is not None

    def verified(self) -> bool:
        return "sha256:" + self.hash.hexdigest() == self.digest

    def commit(self) -> bool:
        """Keep the blob if it is whole; whether it was."""
        ok = self.verified()
        if self._file is not None:
            try:
                self._file.close()
                if ok:
                    os.replace(self._tmp, self.path)
                    self._file = None
                    return ok
            except OSError:
                pass
        self._discard()
        return ok

    def _discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            try:
                os.unlink(self._tmp)
            except OSError:
                pass

    def __enter__(self) -> BlobWriter:
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is None:
            self.commit()
        else:
            self._discard()


def _atomic_write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        pass
