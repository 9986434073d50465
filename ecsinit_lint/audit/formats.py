"""The audit's extra formats, for sharing an audit: CSV (one row per finding) and Markdown (a
summary per account and region, then per service)."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

from ..output.report import FORMATS, Report, json_chunks, text_lines

CSV_COLUMNS = ("account", "region", "task_definition", "services", "daemons", "code", "name", "severity",
               "container", "message", "pointer", "fixable")  # fmt: skip


def csv_rows(report: Report) -> Iterator[str]:
    """The CSV report a row at a time (the findings stream from disk)."""
    import csv  # cli imports this module for the format names: keep csv off `check`

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def row(*values) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(values)
        return out.getvalue()

    yield row(*CSV_COLUMNS)
    for f in report.findings:
        o = f.origin
        yield row(o.account, o.region, o.arn, " ".join(o.services), " ".join(o.daemons), f.code, f.name, f.severity,
                  f.container or "", f.message, f.pointer, "yes" if report.fixable(f) else "no")  # fmt: skip
    for e in report.errors:
        yield row(e.account, e.region, "", "", "", "ERROR", "", "", "", e.message, "", "")


def audit_text_lines(report: Report) -> Iterator[str]:
    """The text report, and a last line when something could not be read: a summary such as
    "No findings" must not stand alone for an audit that did not read everything."""
    yield from text_lines(report)
    if report.errors:
        n = len(report.errors)
        yield f"Incomplete: {n} error{'s' * (n != 1)}, listed on stderr\n"


def as_csv(report: Report) -> str:
    return "".join(csv_rows(report))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(report: Report) -> str:
    stats = report.summary
    lines = [
        "# ecsinit-lint audit",
        "",
        f"{stats['revisions']} revisions checked, {stats['findings']} findings "
        f"({stats['fixable']} fixable), {stats['errors']} errors.",
        "",
        "## By account and region",
        "",
        "| Account | Region | Revisions flagged | Errors | Findings |",
        "|---|---|---|---|---|",
    ]
    by_region: dict[tuple[str, str], list] = defaultdict(list)
    for f in report.findings:
        by_region[f.origin.account, f.origin.region].append(f)
    errors = Counter((e.account, e.region) for e in report.errors)
    for key in sorted(by_region.keys() | errors.keys()):
        found = by_region[key]
        codes = ", ".join(f"{code} ×{n}" for code, n in sorted(Counter(f.code for f in found).items()))
        lines.append(f"| {key[0]} | {key[1]} | {len({f.origin.arn for f in found})} | {errors[key]} | {codes or '-'} |")
    lines += [
        "",
        "## By service",
        "",
        "| Account | Region | Service | Task definition | Findings |",
        "|---|---|---|---|---|",
    ]
    by_service: dict[tuple, list] = defaultdict(list)
    for f in report.findings:
        daemons = tuple(d.split(":", 5)[-1] for d in f.origin.daemons)  # the ARN's resource part names it
        for service in (*f.origin.services, *daemons) or ("(no service)",):
            by_service[f.origin.account, f.origin.region, service, f.origin.arn].append(f)
    for (account, region, service, arn), found in sorted(by_service.items()):
        messages = "<br>".join(_cell(f"{f.code} {f.message}") for f in found)
        lines.append(f"| {account} | {region} | {service} | {arn.rsplit('/', 1)[-1]} | {messages} |")
    if report.errors:
        lines += ["", "## Not checked", ""]
        lines += [f"- {e.account} {e.region}: {_cell(e.message)}" for e in report.errors]
    return "\n".join(lines) + "\n"


AUDIT_FORMATS = {**FORMATS, "csv": as_csv, "markdown": as_markdown}
# The formats written a piece at a time, so that an audit's output never sits whole in memory.
STREAMED: dict[str, Callable[[Report], Iterator[str]]] = {
    "text": audit_text_lines,
    "json": json_chunks,
    "csv": csv_rows,
}
