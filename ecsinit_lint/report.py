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
    files: int  # inputs read: files, or revisions for an audit (see `unit`)
    fixable: Callable[[Finding], bool]  # whether `fix` would apply the finding's fix
    colour: bool = False
    unit: str = "file"
    documents: list[Document] = field(default_factory=list)  # the linted ones, for fixes and testcases

    @property
    def summary(self) -> dict:
        return {
            f"{self.unit}s": self.files,
            "findings": len(self.findings),
            "by_severity": dict(Counter(f.severity for f in self.findings)),
            "fixable": sum(map(self.fixable, self.findings)),
            "errors": len(self.errors),
        }


def text(report: Report) -> str:
    findings, colour, stats = report.findings, report.colour, report.summary
    count = stats[f"{report.unit}s"]
    inputs = f"{count} {report.unit}{'s' * (count != 1)}"
    lines = []
    for f in findings:
        mark = " [*]" if report.fixable(f) else ""
        where = _paint(f"{f.location}:", "1", colour)
        users = (*f.origin.services, *(f"daemon {d}" for d in f.origin.daemons)) if f.origin else ()
        runs = f" (run by {', '.join(users)})" if users else ""
        lines.append(f"{where} {_paint(f.code, COLOURS[f.severity], colour)} {f.message}{mark}{runs}")
    if not findings:
        lines.append(f"No findings in {inputs}")
    else:
        counts = ", ".join(f"{n} {sev}{'s' * (n != 1)}" for sev, n in sorted(stats["by_severity"].items()))
        lines.append(f"Found {len(findings)} finding{'s' * (len(findings) != 1)} ({counts}) in {inputs}")
        if stats["fixable"] and report.unit == "revision":  # an audit: the fixes become new revisions
            lines.append(f"[*] {stats['fixable']} fixable: write the fixed revisions with `--fix-out DIR`, "
                         "register them with `--register`")
        elif stats["fixable"]:
            lines.append(f"[*] {stats['fixable']} fixable with `ecsinit-lint fix --write`")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> str:
    return json.dumps(
        {
            "version": __version__,
            "findings": [f.to_json() for f in report.findings],
            "errors": [e.to_json() for e in report.errors],
            "summary": report.summary,
        },
        indent=2,
    ) + "\n"


def _imported(module: str) -> Callable[[Report], str]:
    """The renderer named like its module, imported when first used: off the text path."""
    return lambda report: getattr(importlib.import_module(f".{module}", __package__), module)(report)


NEEDS_DOCUMENTS = {"sarif", "junit"}  # formats that read the linted documents (fixes, testcases)

# --format NAME -> renderer. Text is for people and also lists errors on stderr (see cli).
FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json}
FORMATS |= {name: _imported(name) for name in ("sarif", "github", "junit")}
