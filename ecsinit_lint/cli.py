"""The command line: `ecsinit-lint check|fix|rules|rule`.

Exit status: 0 no findings at or above --fail-on, 1 findings, 2 an input or usage error.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from typing import List, Optional

import typer

from . import __version__, report
from .fixer import FixError, applicable, diff, fix, write_atomic
from .linter import lint
from .registry import Selection, load_rules
from .sources import LOADERS, InputError, expand, load, read

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Find ECS containers that leak zombies or drop SIGTERM, and fix them. "
    "Exit status: 0 clean, 1 findings at or above --fail-on, 2 an error.",
)


Format = enum.Enum("Format", {name: name for name in report.FORMATS}, type=str)


class Level(str, enum.Enum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


Paths = typer.Argument(..., help="Files or directories (.json files are linted), or - for stdin")
Select = typer.Option(None, "--select", help="Rules to run: codes, prefixes or names (comma-separated)")
Ignore = typer.Option(None, "--ignore", help="Rules to skip: codes, prefixes or names (comma-separated)")
Unsafe = typer.Option(False, "--unsafe-fixes", help="Also apply fixes marked unsafe")
KnownOnly = typer.Option(
    False, "--known-formats-only", help="Skip named files of a suffix no input format has (for pre-commit)"
)


def _selection(select, ignore) -> Selection:
    def split(values):
        return tuple(s for v in values or () for s in v.split(",") if s.strip())

    sel = Selection(split(select) or ("ALL",), split(ignore))
    if sel.unknown():
        _fail(f"unknown rule selector: {', '.join(sel.unknown())} (see `ecsinit-lint rules`)")
    return sel


def _fail(message: str):
    typer.echo(f"ecsinit-lint: error: {message}", err=True)
    raise typer.Exit(2)


def _documents(paths, errors, known_only=False):
    """(raw bytes, document) for each input that holds a task definition."""
    if known_only:
        paths = [p for p in paths if p == "-" or os.path.isdir(p) or os.path.splitext(p)[1].lower() in LOADERS]
    for path in expand(paths):
        try:
            raw = read(path)
            doc = load(path, raw)
        except InputError as exc:
            errors.append(exc)
            continue
        if doc is not None:
            yield raw, doc


def _report_errors(errors) -> None:
    for exc in errors:
        typer.echo(f"{exc.path}:{exc.line}:{exc.column}: error: {exc.message}", err=True)


@app.command()
def check(
    paths: List[str] = Paths,
    format: Format = typer.Option("text", "--format", help="Output format"),
    select: Optional[List[str]] = Select,
    ignore: Optional[List[str]] = Ignore,
    fail_on: Level = typer.Option(Level.error, "--fail-on", help="Lowest severity that makes the exit status 1"),
    unsafe_fixes: bool = Unsafe,
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Write the report in --format to FILE; the console gets the text report"
    ),
    known_only: bool = KnownOnly,
):
    """Lint task definitions and report the containers that leak zombies or drop SIGTERM."""
    rules = _selection(select, ignore).rules()
    errors: list[InputError] = []
    findings, docs = [], []
    for _, doc in _documents(paths, errors, known_only):
        docs.append(doc)
        findings += lint(doc, rules)
    result = report.Report(
        findings, errors, len(docs), lambda f: applicable(f, unsafe_fixes), sys.stdout.isatty(), docs
    )
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as f:
                f.write(report.FORMATS[format.value](result))
        except OSError as exc:
            _fail(f"{output}: {exc.strerror or exc}")
    if format.value == "text" or output is not None:
        _report_errors(errors)
    typer.echo(report.FORMATS["text" if output is not None else format.value](result), nl=False)
    if errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if any(f.at_least(fail_on.value) for f in findings) else 0)


@app.command(name="fix")
def fix_command(
    paths: List[str] = Paths,
    show_diff: bool = typer.Option(False, "--diff", help="Print a unified diff instead of the fixed documents"),
    write: bool = typer.Option(False, "--write", help="Rewrite the files in place"),
    select: Optional[List[str]] = Select,
    ignore: Optional[List[str]] = Ignore,
    unsafe_fixes: bool = Unsafe,
    known_only: bool = KnownOnly,
):
    """Apply the fixes: print the fixed documents (a describe output becomes a registerable
    revision), a diff with --diff, or rewrite the files with --write."""
    if write and "-" in paths:
        _fail("--write cannot rewrite stdin")
    rules = _selection(select, ignore).rules()
    errors: list[InputError] = []
    changed = remaining = 0
    for raw, doc in _documents(paths, errors, known_only):
        try:
            fixed, done = fix(doc, rules, unsafe_fixes)
            if write and done:
                write_atomic(doc.path, raw, fixed.edited([]))
        except FixError as exc:
            errors.append(InputError(doc.path, str(exc)))
            continue
        except OSError as exc:
            errors.append(InputError(doc.path, f"not written: {exc.strerror or exc}"))
            continue
        changed += bool(done)
        remaining += len(lint(fixed, rules))
        if show_diff:
            typer.echo(diff(doc, fixed), nl=False)
        elif not write:
            typer.echo(_printable(fixed), nl=False)
    _report_errors(errors)
    verb = "would fix" if show_diff else "fixed" if write else "fixes applied to"
    typer.echo(f"{verb} {changed} file{'s' * (changed != 1)}; {remaining} finding{'s' * (remaining != 1)} left", err=True)
    if errors:
        raise typer.Exit(2)
    raise typer.Exit(1 if show_diff and changed else 0)


def _printable(doc) -> str:
    if doc.kind == "describe":
        return json.dumps(doc.registerable(doc.data), indent=2, ensure_ascii=False) + "\n"
    return doc.edited([])


@app.command(name="rules")
def list_rules(
    markdown: bool = typer.Option(False, "--markdown", help="Print the README's rules table"),
):
    """List the rules: code, name, default severity, fix availability."""
    if markdown:
        typer.echo(rules_table(), nl=False)
        return
    for r in load_rules().values():
        typer.echo(f"{r.code}  {r.name:<32} {r.severity:<8} fix: {r.fixable:<9} {r.summary}")


def rules_table() -> str:
    rows = ["| Code | Name | Severity | Fix | What it flags |", "|---|---|---|---|---|"]
    for r in load_rules().values():
        rows.append(f"| {r.code} | {r.name} | {r.severity} | {r.fixable} | {r.summary} |")
    return "\n".join(rows) + "\n"


@app.command(name="rule")
def show_rule(code: str = typer.Argument(..., help="A rule code or name")):
    """Print a rule's documentation."""
    for r in load_rules().values():
        if code.upper() == r.code or code.lower() == r.name:
            typer.echo(r.doc)
            return
    _fail(f"no rule {code!r} (see `ecsinit-lint rules`)")


def _version(value: bool):
    if value:
        typer.echo(f"ecsinit-lint {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version")):
    pass


def main():
    app(prog_name="ecsinit-lint")
