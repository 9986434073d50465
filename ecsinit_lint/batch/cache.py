"""The findings of files linted before, kept by what decides them: the file's bytes and path,
the rules run on it with their options, and ecsinit-lint's own code. A run over unchanged files
reads them back instead of linting again, as `ruff` and `eslint --cache` do.

One SQLite database in the user's cache directory, one row per file and configuration; rows
written by other code are dropped when new ones are written. Only the process that runs `check`
opens it: it looks files up, and writes the rows its workers make for the files they lint. The
cache only ever saves time: any failure to open, read or write it is ignored, and the files are
linted.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sqlite3
import sys

from .. import __version__
from ..core.findings import Finding
from ..engine.registry import Rule

PARSERS = ("bashlex", "ruamel.yaml")  # their versions' files stand for their versions
SCHEMA = "CREATE TABLE IF NOT EXISTS findings (id BLOB PRIMARY KEY, content BLOB, stamp TEXT, value TEXT)"
Entry = tuple[bytes, bytes, str]  # (id, content hash, value): a row to write


def code_stamp() -> str:
    """Python's version and ecsinit-lint's, and the size and time of each file of the package,
    its rules and the parsers whose output the rules read: an editable install changes under the
    same version, and so can a dependency."""
    from .. import rules

    digest = hashlib.blake2b(f"{sys.version}\0{__version__}".encode(), digest_size=16)
    package = os.path.dirname(os.path.dirname(__file__))
    folders = [folder for folder, _, _ in os.walk(package) if not folder.endswith("__pycache__")]
    files = [e.path for folder in (*folders, *rules.__path__)
             for e in os.scandir(folder) if e.name.endswith((".py", ".json"))]  # fmt: skip
    files += [spec.origin for name in PARSERS if (spec := importlib.util.find_spec(name)) and spec.origin]
    for path in sorted(files):
        info = os.stat(path)
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


_digests: dict[int, tuple[list[Rule], bytes]] = {}  # id(rules) -> (rules, the digest of their options)


def key(stamp: str, rules: list[Rule], path: str, raw: bytes) -> tuple[bytes, bytes]:
    """(row id, content hash) of a file's findings under these rules, by this code."""
    if id(rules) not in _digests:
        options = json.dumps([[r.code, r.values] for r in rules], sort_keys=True, default=str)
        _digests[id(rules)] = rules, hashlib.blake2b(options.encode(), digest_size=16).digest()
    where = hashlib.blake2b(stamp.encode(), digest_size=16)
    where.update(_digests[id(rules)][1] + os.fsencode(path))
    return where.digest(), hashlib.blake2b(raw, digest_size=16).digest()


def _encode(found: bool, findings: list[Finding]) -> str:
    return json.dumps([found, [f.to_json() for f in findings]], ensure_ascii=False, separators=(",", ":"))


def row(ids: tuple[bytes, bytes], found: bool, findings: list[Finding]) -> Entry | None:
    """The row that records a file's outcome (made in the worker that linted it)."""
    try:
        return ids[0], ids[1], _encode(found, findings)
    except (TypeError, ValueError):  # a value JSON cannot hold (a YAML date in a patch)
        return None


def _decode(value: str) -> tuple[bool, list[Finding], None]:
    found, rows = json.loads(value)
    return found, [Finding.from_json(r) for r in rows], None


class Cache:
    """The database of one run: looked up file by file, written a thousand rows at a time."""

    def __init__(self, folder: str):
        self.path = os.path.join(folder, "findings.sqlite3")
        self.stamp = code_stamp()
        self._db: sqlite3.Connection | None = None
        self._broken = self._pruned = False
        self._pending: list[Entry] = []

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is None and not self._broken:
            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=2)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")  # no fsync a commit: a crash loses rows, not the file
                self._db.execute(SCHEMA)
            except (OSError, sqlite3.Error):
                self._broken = True
        return self._db

    def key(self, path: str, rules: list[Rule], raw: bytes) -> tuple[bytes, bytes]:
        return key(self.stamp, rules, path, raw)

    def holds_any(self) -> bool:
        """Whether it holds rows of this code: if not, nothing is worth looking up."""
        db = self._connect()
        try:
            query = "SELECT 1 FROM findings WHERE stamp = ? LIMIT 1"
            return db is not None and db.execute(query, (self.stamp,)).fetchone() is not None
        except sqlite3.Error:
            return False

    def get(self, ids: tuple[bytes, bytes]):
        """The outcome recorded for the file, or None."""
        db = self._connect()
        try:
            found = db and db.execute("SELECT content, value FROM findings WHERE id = ?", (ids[0],)).fetchone()
            return _decode(found[1]) if found and found[0] == ids[1] else None
        except (sqlite3.Error, ValueError, TypeError, IndexError, KeyError):
            return None

    def add(self, entry: Entry) -> None:
        self._pending.append(entry)
        if len(self._pending) >= 1000:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows, and drop those of other code."""
        pending, self._pending = self._pending, []
        db = self._connect()
        if not pending or db is None:
            return
        try:
            with db:
                if not self._pruned:
                    db.execute("DELETE FROM findings WHERE stamp != ?", (self.stamp,))
                    self._pruned = True
                db.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?, ?, ?)",
                               [(i, c, self.stamp, v) for i, c, v in pending])  # fmt: skip
        except sqlite3.Error:
            self._broken = True
