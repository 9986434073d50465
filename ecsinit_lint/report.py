"""Render findings and errors: text for people, JSON for programs, SARIF, GitHub annotations and
JUnit XML for CI."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from . import __version__
from .linter import Finding
from .sources import Document, InputError

COLOURS = {"error": "31", "warning": "33", "info": "36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


@dataclass
class Report:
    findings: list[Finding]
    errors: list[InputError]
    files: int
    fixable: Callable[[Finding], bool]  # whether `fix` would apply the finding's fix
    colour: bool = False
    documents: list[Document] = field(default_factory=list)  # the linted ones, for fixes and testcases

    @property
    def summary(self) -> dict:
        return {
            "files": self.files,
            "findings": len(self.findings),
            "by_severity": dict(Counter(f.severity for f in self.findings)),
            "fixable": sum(map(self.fixable, self.findings)),
            "errors": len(self.errors),
        }


def text(report: Report) -> str:
    findings, colour, stats = report.findings, report.colour, report.summary
    lines = []
    for f in findings:
        mark = " [*]" if report.fixable(f) else ""
        where = _paint(f"{f.file}:{f.line}:{f.column}:", "1", colour)
        lines.append(f"{where} {_paint(f.code, COLOURS[f.severity], colour)} {f.message}{mark}")
    if not findings:
        lines.append(f"No findings in {stats['files']} file{'s' * (stats['files'] != 1)}")
    else:
        counts = ", ".join(f"{n} {sev}{'s' * (n != 1)}" for sev, n in sorted(stats["by_severity"].items()))
        lines.append(f"Found {len(findings)} finding{'s' * (len(findings) != 1)} ({counts}) in {stats['files']} files")
        if stats["fixable"]:
            lines.append(f"[*] {stats['fixable']} fixable with `ecsinit-lint fix --write`")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(
        {
            "version": __version__,
            "findings": [f.to_json() for f in report.findings],
            "errors": [{"file": e.path, "line": e.line, "column": e.column, "message": e.message} for e in report.errors],
            "summary": report.summary,
        },
        indent=2,
    ) + "\n"


def _imported(module: str) -> Callable[[Report], str]:
    """The renderer named like its module, imported when first used: off the text path."""
    return lambda report: getattr(importlib.import_module(f".{module}", __package__), module)(report)


# --format NAME -> renderer. Text is for people and also lists errors on stderr (see cli).
FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json}
FORMATS |= {name: _imported(name) for name in ("sarif", "github", "junit")}
