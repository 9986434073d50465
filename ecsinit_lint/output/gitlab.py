"""GitLab Code Quality: a JSON list of issues for the merge request widget and the pipeline's
Code Quality tab (`artifacts: reports: codequality:`).

GitLab tells new issues from old ones by fingerprint, so a fingerprint hashes what SARIF's does
(file, task, container, code, pointer), never a line: moving lines leaves an issue as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING

from .github import workspace_path

if TYPE_CHECKING:
    from .report import Report

# GitLab's scale is info, minor, major, critical, blocker (Severity.gitlab). A file that could
# not be read was not checked.
UNREADABLE = "critical"


def _issue(description: str, check: str, severity: str, path: str, line: int | None, key: list) -> dict:
    return {
        "type": "issue",
        "description": description,
        "check_name": check,
        "categories": ["Bug Risk"],
        "severity": severity,
        "fingerprint": hashlib.sha256(json.dumps(key).encode()).hexdigest(),
        "location": {"path": path, "lines": {"begin": line or 1}},
    }


def gitlab(report: Report) -> str:
    issues = [_issue(e.message, "input-error", UNREADABLE, workspace_path(e.path), e.line, [workspace_path(e.path), e.message])
              for e in report.errors]  # fmt: skip
    seen: Counter = Counter()
    for f in report.findings:
        # an API finding (audit) has no file: its revision's ARN stands for the path
        path = workspace_path(f.location.file) if f.location.file is not None else f.location.name or "-"
        key = [path, f.task, f.container, f.code, f.pointer]
        repeat, seen[str(key)] = seen[str(key)], seen[str(key)] + 1  # fingerprints are unique in a report
        issues.append(_issue(f"{f.code} {f.message}", f.code, f.severity.gitlab, path, f.location.line,
                             key + [repeat] if repeat else key))  # fmt: skip
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
