"""The revisions an audit reads: what to describe (`Ref`), the describe as a document
(`ApiDocument`), the daemon task definitions kept on disk (`RevisionCache`), and what a flagged
revision becomes (`Fixed`) and leaves for a JUnit report (`Outline`)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..core.findings import Origin
from ..inputs.document import JsonDocument


class RevisionCache:
    """Described daemon task definitions by ARN: a revision never changes once registered, and
    its describe carries no tags (which do change)."""

    def __init__(self, root: str):
        self.root = Path(root)

    def _path(self, arn: str) -> Path:
        return self.root / (hashlib.sha256(arn.encode()).hexdigest() + ".json")

    def get(self, arn: str) -> dict | None:
        try:
            return json.loads(self._path(arn).read_text())
        except (OSError, ValueError):
            return None

    def put(self, arn: str, data: dict) -> None:
        """Kept when the folder is writable; the cache only saves time."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
            with os.fdopen(fd, "w") as f:
                json.dump(data, f)
            os.replace(tmp, self._path(arn))
        except OSError:
            pass


@dataclass
class ApiDocument(JsonDocument):
    """A describe-task-definition response: findings are located by ARN, not by line."""

    def locate(self, pointer: str) -> tuple[None, None]:
        return None, None


class Ref(NamedTuple):
    """What to describe: a task definition ARN or family, or a daemon task definition ARN."""

    name: str
    daemon: bool = False


@dataclass
class Fixed:
    """A flagged revision's fixed, registerable form."""

    origin: Origin
    revision: dict
    session: object = field(repr=False)
    daemon: bool = False  # registered with RegisterDaemonTaskDefinition


class Outline(NamedTuple):
    """What a JUnit report needs of a revision (see junit.py), without its definition."""

    path: str  # the ARN
    tasks: list


class _Task(NamedTuple):
    label: str | None
    containers: list


class _Container(NamedTuple):
    name: str | None
    pointer: str


def outline(arn: str, tasks) -> Outline:
    return Outline(arn, [_Task(t.label, [_Container(c.name, c.pointer) for c in t.containers]) for t in tasks])


def plain(data):
    """API data as JSON values (timestamps become strings)."""
    return json.loads(json.dumps(data, default=str))


def arn_of(data: dict) -> str:
    """The ARN of a DescribeTaskDefinition or DescribeDaemonTaskDefinition response."""
    if "taskDefinition" in data:
        return data["taskDefinition"]["taskDefinitionArn"]
    return data["daemonTaskDefinition"]["daemonTaskDefinitionArn"]


def family_of(arn: str) -> str:
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[0]


def order(arn: str) -> tuple:
    """A revision's place in the report: account, region, family, revision (as `store`)."""
    parts, (family, revision) = arn.split(":"), arn.rsplit("/", 1)[-1].rsplit(":", 1)
    return parts[4], parts[3], family, int(revision)
