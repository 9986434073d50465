"""Render findings and errors: text for people, JSON for programs, SARIF, GitHub annotations and
JUnit XML for CI."""

from __future__ import annotations

import importlib
import json
import os
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from . import __version__
from .linter import Finding
from .sources import Document, InputError

COLOURS = {"error": "31", "warning": "33", "info": "36"}
DEBUG = "ECSINIT_LINT_DEBUG"  # set to 1: an unexpected exception is raised, traceback and all


def debugging() -> bool:
    return os.environ.get(DEBUG, "") not in ("", "0")


def internal_error(exc: BaseException) -> str:
    """The one line for an exception nothing expected: a bug, and exit status 2, never 1."""
    return f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())} (please report)"


def crashed_on(path: str, exc: Exception) -> InputError:
    """A bug met on one file, as that file's error: the run goes on (re-raised when debugging)."""
    if debugging():
        raise exc
    return InputError(path, internal_error(exc))


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


def text_lines(report: Report) -> Iterator[str]:
    """The text report a line at a time (an audit's findings stream from disk)."""
    colour, stats = report.colour, report.summary
    count = stats[f"{report.unit}s"]
    inputs = f"{count} {report.unit}{'s' * (count != 1)}"
    for f in report.findings:
        mark = " [*]" if report.fixable(f) else ""
        where = _paint(f"{f.location}:", "1", colour)
        users = (*f.origin.services, *(f"daemon {d}" for d in f.origin.daemons)) if f.origin else ()
        runs = f" (run by {', '.join(users)})" if users else ""
        yield f"{where} {_paint(f.code, COLOURS[f.severity], colour)} {f.message}{mark}{runs}\n"
    found = stats["findings"]
    if not found:
        yield f"No findings in {inputs}\n"
        return
    counts = ", ".join(f"{n} {sev}{'s' * (n != 1)}" for sev, n in sorted(stats["by_severity"].items()))
    yield f"Found {found} finding{'s' * (found != 1)} ({counts}) in {inputs}\n"
    if stats["fixable"] and report.unit == "revision":  # an audit: the fixes become new revisions
        yield f"[*] {stats['fixable']} fixable: write the fixed revisions with `--fix-out DIR`, register them with `--register`\n"
    elif stats["fixable"]:
        yield f"[*] {stats['fixable']} fixable with `ecsinit-lint fix --write`\n"


def text(report: Report) -> str:
    return "".join(text_lines(report))


def json_chunks(report: Report) -> Iterator[str]:
    """The JSON report in pieces, a finding at a time; joined, exactly `json.dumps(..., indent=2)`."""
    yield f'{{\n  "version": {json.dumps(__version__)},\n  "findings": ['
    sep = "\n"
    for f in report.findings:
        yield sep + textwrap.indent(json.dumps(f.to_json(), indent=2), "    ")
        sep = ",\n"
    yield ("\n  ]," if sep == ",\n" else "],") + "\n"
    rest = json.dumps({"errors": [e.to_json() for e in report.errors], "summary": report.summary}, indent=2)
    yield rest[len("{\n") :] + "\n"


def as_json(report: Report) -> str:
    return "".join(json_chunks(report))


def _imported(module: str) -> Callable[[Report], str]:
    """The renderer named like its module, imported when first used: off the text path."""
    return lambda report: getattr(importlib.import_module(f".{module}", __package__), module)(report)


NEEDS_DOCUMENTS = {"sarif", "junit"}  # formats that read the linted documents (fixes, testcases)

# --format NAME -> renderer. Text is for people and also lists errors on stderr (see cli).
FORMATS: dict[str, Callable[[Report], str]] = {"text": text, "json": as_json}
FORMATS |= {name: _imported(name) for name in ("sarif", "github", "junit")}
