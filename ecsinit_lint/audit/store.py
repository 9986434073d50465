"""The audit's findings on disk, so that memory stays flat however many revisions an audit reads.

Findings go into a private temporary SQLite database (deleted when closed) as they are found, from
every account-region thread; reading gives them back in the report's order (account, region,
family, revision, pointer, code), with the services and daemons that run each revision, which an
in-use audit knows only when its region is done.
"""

from __future__ import annotations

import json
import pickle
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace

from ..core.findings import Finding

SCHEMA = """
CREATE TABLE findings (account TEXT, region TEXT, family TEXT, revision INTEGER, pointer TEXT, code TEXT,
                       arn TEXT, finding TEXT);
CREATE TABLE users (arn TEXT PRIMARY KEY, services BLOB);
"""


class FindingStore:
    def __init__(self):
        self.db = sqlite3.connect("", check_same_thread=False)  # "": a temporary database on disk
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()

    def add(self, findings: list[Finding]) -> None:
        rows = []
        for f in findings:
            family, revision = f.origin.arn.rsplit("/", 1)[-1].rsplit(":", 1)
            o = f.origin
            rows.append((o.account, o.region, family, int(revision), f.pointer, f.code, o.arn, json.dumps(f.to_json())))
        with self.lock:
            self.db.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def run_by(self, users: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> None:
        """ARN -> (services, daemons) that run it."""
        with self.lock:
            self.db.executemany("INSERT OR REPLACE INTO users VALUES (?, ?)",
                                ((arn, pickle.dumps(who)) for arn, who in users.items()))  # fmt: skip

    def __len__(self) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM findings").fetchone()[0]

    def __iter__(self) -> Iterator[Finding]:
        """The findings in order, read a page at a time (SQLite sorts on disk when it must)."""
        with self.lock:
            cursor = self.db.cursor()
            cursor.execute(
                "SELECT f.finding, u.services FROM findings f LEFT JOIN users u ON u.arn = f.arn"
                " ORDER BY f.account, f.region, f.family, f.revision, f.pointer, f.code, f.rowid"
            )
        while True:
            with self.lock:
                rows = cursor.fetchmany(500)
            if not rows:
                return
            for finding, who in rows:
                f = Finding.from_json(json.loads(finding))
                if who is not None:
                    services, daemons = pickle.loads(who)
                    f = replace(f, origin=replace(f.origin, services=services, daemons=daemons))
                yield f
