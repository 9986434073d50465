"""JUnit XML for GitLab and Jenkins: a suite per file, a testcase per task definition and per
container, a failure listing the findings of each."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .report import Report

# What XML 1.0 cannot hold, escaped or not: control characters but tab and newlines, lone
# surrogates, U+FFFE and U+FFFF. A name or message from a file may have any of them.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _case_key(f, containers) -> tuple:
    """The testcase a finding belongs to: its container's, else its task definition's."""
    for task, c in containers:
        if f.pointer == c.pointer or f.pointer.startswith(c.pointer + "/"):
            return task.label, c.name or c.pointer
    if f.container is not None:
        return f.task, f.container
    return f.task, None


def _source(f) -> str:
    """The suite a finding belongs to: its file, else the name that stands for one."""
    return f.location.file if f.location.is_file else f.location.name or "-"


def _where(f) -> str:
    return f.location.display if f.location.is_file else f.location.name or "-"


def junit(report: Report) -> str:
    import xml.etree.ElementTree as ET

    suites: dict[str, dict[tuple, list]] = {}  # file -> {(task, container|None): [findings]}
    for doc in report.documents:
        cases = suites.setdefault(doc.path, {})
        for task in doc.tasks:
            cases.setdefault((task.label, None), [])
            for c in task.containers:
                cases.setdefault((task.label, c.name or c.pointer), [])
    containers = {d.path: [(t, c) for t in d.tasks for c in t.containers] for d in report.documents}
    for f in report.findings:
        source = _source(f)
        key = _case_key(f, containers.get(f.location.file, []))
        suites.setdefault(source, {}).setdefault(key, []).append(f)

    root = ET.Element("testsuites", name="ecsinit-lint")
    for source, cases in suites.items():
        suite = ET.SubElement(root, "testsuite", name=source, tests=str(len(cases)))
        failures = 0
        for (task, container), findings in cases.items():
            task_name = task or source
            name = f"{task_name} container {container}" if container else f"{task_name} task definition"
            case = ET.SubElement(suite, "testcase", classname=source, name=name)
            if findings:
                failures += 1
                codes = ", ".join(dict.fromkeys(f.code for f in findings))
                failure = ET.SubElement(case, "failure", type=codes, message=f"{len(findings)} finding(s): {codes}")
                failure.text = "\n".join(f"{_where(f)}: {f.code} [{f.severity}] {f.message}" for f in findings)
        suite.set("failures", str(failures))
        suite.set("errors", "0")
    for e in report.errors:
        suite = ET.SubElement(root, "testsuite", name=e.path, tests="1", failures="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname=e.path, name="read")
        ET.SubElement(case, "error", message=e.message).text = str(e)
    for attr in ("tests", "failures", "errors"):
        root.set(attr, str(sum(int(s.get(attr)) for s in root)))
    ET.indent(root)
    return NOT_XML.sub("\ufffd", ET.tostring(root, encoding="unicode", xml_declaration=True)) + "\n"
