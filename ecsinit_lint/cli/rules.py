"""`ecsinit-lint rules` and `ecsinit-lint rule CODE`: the rules and their documentation."""

import enum
import json

import typer

from ..engine.registry import load_rules
from .app import app, emit, fail

RulesFormat = enum.Enum("RulesFormat", {name: name for name in ("text", "json")}, type=str)


@app.command(name="rules")
def list_rules(
    markdown: bool = typer.Option(False, "--markdown", help="Print the rule reference, docs/rules.md"),
    format: RulesFormat = typer.Option("text", "--format", help="Output format (json: for tools)"),
):
    """List the rules: code, name, default severity, fix availability."""
    if markdown:
        emit(rules_reference())
        return
    rules = list(load_rules().values())
    if format.value == "json":
        rows = [{"code": r.code, "name": r.name, "severity": r.severity, "fixable": r.fixable, "summary": r.summary,
                 "options": dict(r.options)} for r in rules]  # fmt: skip
        emit(json.dumps(rows, indent=2) + "\n")
        return
    rows = [(r.code, r.name, r.severity, f"fix: {r.fixable}", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    emit("".join("  ".join(c.ljust(w) for c, w in zip(row, widths)) + f"  {row[4]}\n" for row in rows))


def rules_table() -> str:
    rows = ["| Code | Name | Severity | Fix | What it flags |", "|---|---|---|---|---|"]
    for r in load_rules().values():
        rows.append(f"| {r.code} | {r.name} | {r.severity} | {r.fixable} | {r.summary} |")
    return "\n".join(rows) + "\n"


def rules_reference() -> str:
    """docs/rules.md: the rules table, then each rule's documentation (its module docstring)."""
    parts = ["# Rules\n\n<!-- Generated from the rules' docstrings by `ecsinit-lint rules --markdown > docs/rules.md`;"
             " edit the rules, not this file. -->\n\n" + rules_table()]  # fmt: skip
    for r in load_rules().values():
        options = f" Options: {', '.join(f'`{o}`' for o in r.options)}." if r.options else ""
        # the docstring's first line is the code, name and summary; its sections go a level down
        sections = ("\n" + r.doc.partition("\n")[2].strip()).replace("\n## ", "\n### ")
        parts.append(
            f"## {r.code} {r.name}\n\n{r.summary}. Severity: {r.severity}. Fix: {r.fixable}.{options}\n{sections}\n"
        )
    return "\n".join(parts)


@app.command(name="rule")
def show_rule(code: str = typer.Argument(..., help="A rule code or name")):
    """Print a rule's documentation."""
    for r in load_rules().values():
        if code.upper() == r.code or code.lower() == r.name:
            emit(r.doc + "\n")
            return
    fail(f"no rule {code!r} (see `ecsinit-lint rules`)")
