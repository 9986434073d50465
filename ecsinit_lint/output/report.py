"""Render findings and errors: text for people, JSON for programs, SARIF, GitHub annotations,
JUnit XML and GitLab Code Quality for CI."""

from __future__ import annotations

import importlib
import json
import os
import textwrap
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from .. import __version__
from ..core.findings import Applicability, Finding, Severity
from ..errors import InputError
from ..inputs.document import Document

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


# Control characters in names print escaped: a finding is one line, never a forged one (a
# `::error` line that a CI runner would read as an annotation) nor a terminal escape.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}


def _one_line(text: str) -> str:
    return text.translate(_CONTROLS)


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


@dataclass
class Report:
    """What a run found, for a format to render: the findings and the inputs that could not be
    read, how many inputs were read, and how to present them."""

    findings: list[Finding]
    errors: list[InputError]
    files: int  # inputs read: files, or revisions for an audit (see `unit`)
    fixable: Callable[[Finding], bool]  # whether `fix` would apply the finding's fix
    colour: bool = False
    unit: str = "file"
    documents: list[Document] = field(default_factory=list)  # the linted ones, for fixes and testcases
    fix_hint: str = " with `ecsinit-lint fix --write`"  # the footer's advice after "N fixable"
    quiet: bool = False  # the findings only, no summary
    show_fixes: bool = False  # each finding's fix under it

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
        where = _paint(f"{_one_line(f.location.display)}:", "1", colour)
        users = (*f.origin.services, *(f"daemon {d}" for d in f.origin.daemons)) if f.origin else ()
        runs = f" (run by {', '.join(users)})" if users else ""
        yield f"{where} {_paint(f.code, f.severity.colour, colour)} {_one_line(f.message)}{mark}{runs}\n"
        if report.show_fixes and f.fix is not None:
            yield f"  fix ({f.fix.applicability}): {_one_line(f.fix.title)}\n"
    if report.quiet:
        return
    found = stats["findings"]
    if not found:
        yield f"No findings in {inputs}\n"
        return
    counts = ", ".join(
        f"{n} {sev}{'s' * (n != 1)}" for sev in reversed(Severity) if (n := stats["by_severity"].get(sev))
    )
    yield f"Found {found} finding{'s' * (found != 1)} ({counts}) in {inputs}\n"
    if stats["fixable"]:
        yield f"[*] {stats['fixable']} fixable{report.fix_hint}\n"
    hidden = sum(
        f.fix is not None and f.fix.applicability is Applicability.UNSAFE and not report.fixable(f)
        for f in report.findings
    )
    if hidden and report.unit == "file":
        yield f"{hidden} hidden fix{'es' * (hidden != 1)} can be enabled with `--unsafe-fixes`\n"


def statistics(report: Report) -> list[dict]:
    """A row per code: its name, how many findings and how many of them fixable, most first."""
    rows: dict[str, dict] = {}
    for f in report.findings:
        row = rows.setdefault(f.code, {"code": f.code, "name": f.name, "count": 0, "fixable": 0})
        row["count"] += 1
        row["fixable"] += report.fixable(f)
    return sorted(rows.values(), key=lambda r: (-r["count"], r["code"]))


def statistics_text(report: Report) -> str:
    rows = statistics(report)
    width = max((len(str(r["count"])) for r in rows), default=1)
    code = max((len(r["code"]) for r in rows), default=0)
    name = max((len(r["name"]) for r in rows), default=0)
    return "".join(
        f"{r['count']:>{width}}  {r['code']:<{code}}  {r['name']:<{name}}  {r['fixable']} fixable\n" for r in rows
    )


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
FORMATS |= {name: _imported(name) for name in ("sarif", "github", "junit", "gitlab")}
