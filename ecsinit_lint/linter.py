"""Run the selected rules over a document and stamp each violation into a Finding."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .registry import SEVERITIES, Fix, Rule, Selection
from .sources import Document


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: str
    message: str
    file: str | None
    line: int | None
    column: int | None
    pointer: str
    task: str | None
    container: str | None
    fix: Fix | None

    def at_least(self, level: str) -> bool:
        return level != "never" and SEVERITIES.index(self.severity) >= SEVERITIES.index(level)

    def to_json(self) -> dict:
        data = asdict(self)
        if self.fix is not None:
            data["fix"] = {"title": self.fix.title, "applicability": self.fix.applicability, "patch": self.fix.patch}
        return data


def _as_applicable(fix: Fix | None, task, doc: Document) -> Fix | None:
    """The fix, or the change to make by hand where the task's view is not the file's text."""
    if fix is None or task.can_fix(fix.patch, doc.data):
        return fix
    return replace(fix, applicability="manual")


def lint(doc: Document, rules: list[Rule]) -> list[Finding]:
    findings, seen = [], set()
    for task in doc.tasks:
        for rule in rules:
            for v in rule.check(task):
                if (rule.code, v.pointer, v.message) in seen:  # the other branch of an `Fn::If` said it
                    continue
                seen.add((rule.code, v.pointer, v.message))
                line, column = doc.locate(v.pointer)
                fix = _as_applicable(v.fix, task, doc)
                findings.append(
                    Finding(rule.code, rule.name, rule.severity, v.message, doc.path, line, column,
                            v.pointer, task.label, v.container, fix)  # fmt: skip
                )
    findings.sort(key=lambda f: (f.line or 0, f.column or 0, f.code))
    return findings


def lint_all(docs, selection: Selection) -> list[Finding]:
    rules = selection.rules()
    return [f for doc in docs for f in lint(doc, rules)]
