"""Render findings and errors: text for people, JSON for programs."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from . import __version__
from .linter import Finding
from .sources import InputError

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
        runs = f" (run by {', '.join(f.origin.services)})" if f.origin and f.origin.services else ""
        lines.append(f"{where} {_paint(f.code, COLOURS[f.severity], colour)} {f.message}{mark}{runs}")
    if not findings:
        lines.append(f"No findings in {inputs}")
    else:
        counts = ", ".join(f"{n} {sev}{'s' * (n != 1)}" for sev, n in sorted(stats["by_severity"].items()))
        lines.append(f"Found {len(findings)} finding{'s' * (len(findings) != 1)} ({counts}) in {count} {report.unit}s")
        if stats["fixable"]:
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


# --format NAME -> renderer. Text is for people and also lists errors on stderr (see cli).
FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json}
