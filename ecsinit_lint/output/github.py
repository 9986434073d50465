"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Report


def escape_data(value: str) -> str:
    """A message, escaped as the runner's command parser expects."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **properties) -> str:
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties.items() if v is not None)
    return f"::{level} {props}::{escape_data(message)}" if props else f"::{level}::{escape_data(message)}"


def workspace_path(path: str) -> str:
    """The path as the runner resolves it: relative to the workspace (the working directory)."""
    rel = os.path.relpath(os.path.abspath(path))
    return path if rel.split(os.sep, 1)[0] == os.pardir else Path(rel).as_posix()


def _where(file: str | None, line: int | None, column: int | None) -> dict:
    """The file properties of a command; none for stdin or a finding from the API."""
    return {} if file in (None, "-") else {"file": workspace_path(file), "line": line, "col": column}


def github(report: Report) -> str:
    lines = [command("error", e.message, **_where(e.path, e.line, e.column), title="ecsinit-lint")
             for e in report.errors]  # fmt: skip
    for f in report.findings:
        at = f.location
        task = f"{at.name}: " if not at.is_file and at.name else ""
        lines.append(command(f.severity.github, task + f.message, **_where(at.file, at.line, at.column), title=f.code))
    return "".join(line + "\n" for line in lines)
