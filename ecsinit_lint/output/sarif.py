"""SARIF 2.1.0 for code scanning: one run, a rule entry per code, a result per finding.

Fingerprints hash the file, task, container, code and pointer, never a line, so a finding keeps
its identity (and its triage state in code scanning) when lines above it move.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import jsonpatch

from .. import __version__
from ..core.findings import Applicability, Finding
from ..engine.registry import load_rules
from ..errors import FixError, InputError
from ..inputs.jsonpos import line_col
from ..inputs.sources import load

if TYPE_CHECKING:
    from ..inputs.document import Document
    from .report import Report

HOMEPAGE = "https://github.com/ecsinit-lint/ecsinit-lint"
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"  # the working directory: artifact URIs are relative to it


def artifact(path: str) -> dict:
    """An artifactLocation: relative to the working directory when below it, else a file URI."""
    rel = os.path.relpath(os.path.abspath(path))
    if rel.split(os.sep, 1)[0] == os.pardir:
        return {"uri": Path(path).resolve().as_uri()}
    return {"uri": quote(Path(rel).as_posix()), "uriBaseId": SRCROOT}


def _section(doc: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    return " ".join(m.group(1).split()) if m else ""


def _rule(r) -> dict:
    return {
        "id": r.code,
        "name": r.name,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": _section(r.doc, "What it does") or r.summary},
        "help": {"text": r.doc, "markdown": r.doc},
        "defaultConfiguration": {"level": r.severity.sarif},
        "properties": {"fixable": r.fixable},
    }


def fingerprint(f: Finding) -> str:
    key = [f.location.file if f.location.is_file else None, f.task, f.container, f.code, f.pointer]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def text_change(doc: Document, patch: list[dict]) -> tuple[int, int, str] | None:
    """The single text replacement a patch makes in the document: (start, end, new text).
    None when it makes none that `fix` would: the patch does not apply to the document as it
    is, or its text edit cannot be made (a value not literal in the file) or reads back as
    other data than the patch makes."""
    try:
        data = jsonpatch.apply_patch(doc.data, patch)
        new = doc.edited(patch).removeprefix("\ufeff")
        again = load(doc.path, new.encode("utf-8", "surrogatepass"))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, FixError, InputError):
        return None
    if again is None or again.data != data:
        return None
    old = doc.text
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return start, len(old) - end, new[start : len(new) - end]


def _region(text: str, start: int, end: int) -> dict:
    (sl, sc), (el, ec) = line_col(text, start), line_col(text, end)
    return {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec}


def _fixes(f: Finding, doc: Document | None) -> list[dict]:
    """The fix as a text replacement, when `fix` would make one (not for a change by hand)."""
    if doc is None or f.fix is None or f.fix.applicability < Applicability.UNSAFE:
        return []
    change = text_change(doc, f.fix.patch)
    if change is None:
        return []
    start, end, inserted = change
    title = f.fix.title + (" (unsafe)" if f.fix.applicability is not Applicability.SAFE else "")
    replacement = {"deletedRegion": _region(doc.text, start, end), "insertedContent": {"text": inserted}}
    return [{"description": {"text": title},
             "artifactChanges": [{"artifactLocation": artifact(f.location.file), "replacements": [replacement]}]}]  # fmt: skip


def _location(f: Finding) -> dict:
    at = f.location
    if at.is_file:
        region = {"startLine": at.line or 1, "startColumn": at.column or 1}
        return {"physicalLocation": {"artifactLocation": artifact(at.file), "region": region}}
    return {"logicalLocations": [{"fullyQualifiedName": at.name or "-", "kind": "resource"}]}


def _result(f: Finding, index: dict[str, int], doc: Document | None) -> dict:
    result = {
        "ruleId": f.code,
        "ruleIndex": index[f.code],
        "level": f.severity.sarif,
        "message": {"text": f.message},
        "locations": [_location(f)],
        "partialFingerprints": {"ecsinitLint/v1": fingerprint(f)},
        "properties": {"task": f.task, "container": f.container, "pointer": f.pointer},
    }
    fixes = _fixes(f, doc)
    if fixes:
        result["fixes"] = fixes
    return result


def _notification(e) -> dict:
    region = {"startLine": e.line, "startColumn": e.column}
    location = {"physicalLocation": {"artifactLocation": artifact(e.path), "region": region}}
    return {"level": "error", "message": {"text": e.message}, "locations": [location] if e.path != "-" else []}


def sarif(report: Report) -> str:
    rules = list(load_rules().values())
    index = {r.code: i for i, r in enumerate(rules)}
    docs = {d.path: d for d in report.documents}
    run = {
        "tool": {
            "driver": {
                "name": "ecsinit-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": HOMEPAGE,
                "rules": [_rule(r) for r in rules],
            }
        },  # fmt: skip
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [_notification(e) for e in report.errors],
            }
        ],  # fmt: skip
        "results": [_result(f, index, docs.get(f.location.file)) for f in report.findings],
    }
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
