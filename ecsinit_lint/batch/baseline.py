"""Baselines: findings recorded once so that only new ones fail (`--write-baseline`, `--baseline`).

An entry is keyed by file (relative to the baseline's directory; the task's label when the
finding has no file), task, container and code, never by line or message, so edits elsewhere in
the file do not bring a recorded finding back. `count` records how many findings share a key.
"""

from __future__ import annotations

import json
import os
from collections import Counter

from ..errors import InputError
from ..inputs.sources import decode, parse_json, read

VERSION = 1
FIELDS = ("file", "task", "container", "code")


def _key(finding, base: str) -> tuple:
    file = finding.location.file
    if file and file != "-":
        file = os.path.relpath(os.path.abspath(file), base).replace(os.sep, "/")
    return file, finding.task, finding.container, finding.code


def _base(path: str) -> str:
    return os.path.dirname(os.path.abspath(path))


def dumps(findings, path: str) -> str:
    """The baseline of these findings, for a file at `path`: sorted, stable JSON."""
    counts = Counter(_key(f, _base(path)) for f in findings)
    order = sorted(counts, key=lambda key: [(v is not None, v or "") for v in key])
    entries = [{**dict(zip(FIELDS, key)), "count": counts[key]} for key in order]
    return json.dumps({"version": VERSION, "findings": entries}, indent=2, sort_keys=True) + "\n"


def load(path: str) -> Counter:
    """The recorded keys and their counts."""
    raw = read(os.path.join(".", path) if path == "-" else path)  # a FIFO or a device is refused
    data = parse_json(path, decode(path, raw)[0])
    entries = data.get("findings") if isinstance(data, dict) and data.get("version") == VERSION else None
    valid = isinstance(entries, list) and all(
        isinstance(e, dict) and set(e) == {*FIELDS, "count"} and isinstance(e["count"], int) for e in entries
    )
    if not valid:
        raise InputError(path, f"not an ecsinit-lint baseline (version {VERSION}); write one with --write-baseline")
    return Counter({tuple(e[k] for k in FIELDS): e["count"] for e in entries})


def split(findings, known: Counter, path: str) -> tuple[list, list, int]:
    """(new findings, findings the baseline knows, baseline entries no longer found)."""
    left, new, old = Counter(known), [], []
    for f in findings:
        key = _key(f, _base(path))
        if left[key] > 0:
            left[key] -= 1
            old.append(f)
        else:
            new.append(f)
    return new, old, sum(left.values())
