"""Files from an image's layers without extracting them: each layer is a tar stream (plain,
gzip or zstd) read top layer first, only as far as needed, with OCI whiteouts honoured
(`.wh.NAME` deletes NAME below, `.wh..wh..opq` hides a directory's lower contents) and
symlinks followed across layers. What has been scanned of a layer is remembered (its headers,
not its bytes), so the next lookup in the same image continues where the last stopped."""

from __future__ import annotations

import gzip
import posixpath
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from .errors import ImageError
from .limits import Budget

SYMLINK_HOPS = 40  # Linux's MAXSYMLINKS
WHITEOUT, OPAQUE = ".wh.", ".wh..wh..opq"
GZIP, ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"


@dataclass(frozen=True)
class Entry:
    kind: str  # "file", "dir", "symlink", "hardlink" or "other"
    mode: int
    size: int
    link: str = ""  # a symlink's target as written; a hard link's archive path, made absolute


@dataclass(frozen=True)
class Found:
    path: str  # where the file is, symlinks resolved
    entry: Entry
    layer: int  # index from the top
    links: tuple[str, ...]  # the symlinks followed, in order


def normalize(name: str) -> str:
    """A tar member's name (`./usr/bin/`, `usr/bin`) as an absolute path (`/usr/bin`)."""
    while name.startswith("./"):
        name = name[2:]
    return posixpath.normpath("/" + name.lstrip("/"))


def _kind(info: tarfile.TarInfo) -> str:
    if info.isreg():
        return "file"
    return "dir" if info.isdir() else "symlink" if info.issym() else "hardlink" if info.islnk() else "other"


class _Counted:
    """A decompressed stream whose every byte counts against the image's cap."""

    def __init__(self, stream, budget: Budget):
        self.stream, self.budget = stream, budget

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.budget.take(len(data))
        return data


def _decompressed(raw: BinaryIO, digest: str, budget: Budget):
    head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    if head[:2] == GZIP:
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    elif head == ZSTD:
        try:
            from compression import zstd  # Python 3.14

            stream = zstd.ZstdFile(raw, mode="rb")
        except ImportError:
            try:
                import zstandard
            except ImportError:
                raise ImageError(
                    budget.image,
                    f"layer {digest} is zstd-compressed: reading it needs pip install 'ecsinit-lint[images]' (zstandard)",
                ) from None
            stream = zstandard.ZstdDecompressor().stream_reader(raw)
    else:
        stream = raw
    return _Counted(stream, budget)


class Layer:
    """One layer: `opener` gives its blob's bytes (verified); scanned lazily, at most once ahead."""

    def __init__(self, digest: str, opener: Callable[[], BinaryIO], budget: Budget, file_limit: int):
        self.digest, self.opener, self.budget, self.file_limit = digest, opener, budget, file_limit
        self.entries: dict[str, Entry] = {}
        self.contents: dict[str, bytes] = {}  # files read while scanning
        self.whiteouts: set[str] = set()
        self.opaque: set[str] = set()
        self.done = False
        self._members = None
        self._open: list = []

    def close(self) -> None:
        for f in self._open:
            f.close()
        self._open.clear()

    def _stream(self):
        raw = self.opener()
        self._open.append(raw)
        return tarfile.open(fileobj=_decompressed(raw, self.digest, self.budget), mode="r|")

    def _fail(self, e: Exception):
        return ImageError(
            self.budget.image,
            f"layer {self.digest} is not a readable tar (truncated or corrupt: {e or e.__class__.__name__})",
        )

    def scan(self, want: str) -> Entry | None:
        """The entry at `want`, scanning on until it is seen or the layer ends."""
        if want in self.entries or self.done:
            return self.entries.get(want)
        try:
            if self._members is None:
                self._tar = self._stream()
                self._members = iter(self._tar)
            for info in self._members:
                self.budget.member()
                path = normalize(info.name)
                head, base = posixpath.split(path)
                if base == OPAQUE:
                    self.opaque.add(head)
                elif base.startswith(WHITEOUT):
                    self.whiteouts.add(posixpath.join(head, base[len(WHITEOUT) :]))
                else:
                    link = normalize(info.linkname) if info.islnk() else info.linkname
                    entry = self.entries.setdefault(path, Entry(_kind(info), info.mode, info.size, link))
                    if path == want:
                        if entry.kind == "file":
                            self.contents[path] = self._tar.extractfile(info).read(self.file_limit)
                        return entry
            self.done = True
            return None
        except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as e:
            raise self._fail(e) from None
        except Exception as e:
            if e.__class__.__name__ == "ZstdError":  # zstandard's and compression.zstd's
                raise self._fail(e) from None
            raise

    def read(self, path: str) -> bytes:
        """A file's bytes (the first `file_limit`): read while scanning, or by a fresh pass."""
        if path not in self.contents:
            try:
                tar = self._stream()
                for info in tar:
                    self.budget.member()
                    if normalize(info.name) == path and info.isreg():
                        self.contents[path] = tar.extractfile(info).read(self.file_limit)
                        break
                else:
                    raise ImageError(self.budget.image, f"layer {self.digest} changed between two reads of {path}")
            except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as e:
                raise self._fail(e) from None
        return self.contents[path]


class Filesystem:
    """The merged view of layers (given bottom first, as in a manifest)."""

    def __init__(self, layers: list[Layer]):
        self.layers = layers[::-1]  # top first

    def close(self) -> None:
        for layer in self.layers:
            layer.close()

    def locate(self, path: str, window: int | None = None) -> Found | None:
        """Where `path` is, following symlinks (absolute and relative, in the path and at its
        end) through the layers; None if it does not exist. With a `window`, the path itself
        is looked for in that many top layers only (the symlinks it leads to, in all)."""
        path, links = normalize(path), []
        while True:
            found = self._once(path, window if not links else None)
            if found is None:
                return None
            layer, where, entry = found
            if entry.kind != "symlink":
                return Found(path, entry, layer, tuple(links))
            if len(links) >= SYMLINK_HOPS:
                raise ImageError(self.layers[0].budget.image, f"more than {SYMLINK_HOPS} symlinks resolving {path}")
            links.append(where)
            target = posixpath.join(posixpath.dirname(where), entry.link)  # an absolute link replaces the base
            path = normalize(target + path[len(where) :])

    def _once(self, path: str, window: int | None = None) -> tuple[int, str, Entry] | None:
        """(layer, path or ancestor, entry): the file, or the first symlink met on its way."""
        ancestors = _ancestors(path)
        dirs_above: set[str] = set()
        for i, layer in enumerate(self.layers[:window]):
            entry = layer.scan(path)
            if entry is not None:
                return i, path, entry
            for a in ancestors:
                e = layer.entries.get(a)
                if e is None or a in dirs_above:
                    continue
                if e.kind == "symlink":
                    return i, a, e
                if e.kind != "dir":
                    return None  # a file where a directory should be
                dirs_above.add(a)
            if path in layer.whiteouts or any(a in layer.whiteouts or a in layer.opaque for a in ancestors):
                return None
        return None

    def read(self, found: Found) -> bytes:
        layer = self.layers[found.layer]
        if found.entry.kind == "hardlink":
            target = layer.entries.get(found.entry.link)
            if target is None or target.kind != "file":
                raise ImageError(
                    layer.budget.image, f"hard link {found.path} points at {found.entry.link}, not a file in its layer"
                )
            return layer.read(found.entry.link)
        return layer.read(found.path)

    def size(self, found: Found) -> int:
        layer = self.layers[found.layer]
        entry = layer.entries.get(found.entry.link) if found.entry.kind == "hardlink" else found.entry
        return entry.size if entry else 0


def _ancestors(path: str) -> list[str]:
    parts = path.strip("/").split("/")[:-1]
    return ["/" + "/".join(parts[: n + 1]) for n in range(len(parts))]
