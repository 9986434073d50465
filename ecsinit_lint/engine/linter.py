"""Run the selected rules over a document, stamp each violation into a Finding, and drop the
findings the document's own suppressions cover (core/suppress.py; those that cover none are the
findings of the rule that reports unused suppressions, SUP001)."""

from __future__ import annotations

from dataclasses import replace

from ..core import suppress
from ..core.findings import Applicability, Finding, Fix, Location, Violation
from ..inputs.document import Document
from .registry import Rule


def applicable(finding: Finding, unsafe: bool) -> bool:
    """Whether `fix` applies the finding's fix (`--unsafe-fixes` given or not)."""
    least = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return finding.fix is not None and finding.fix.applicability >= least


def _as_applicable(fix: Fix | None, task, doc: Document) -> Fix | None:
    """The fix, or the change to make by hand where the task's view is not the file's text."""
    if fix is None or task.can_fix(fix.patch, doc.data):
        return fix
    anchor = task.anchor_edited(fix.patch)
    title = f"{fix.title} (its value is YAML anchor &{anchor}, which aliases share)" if anchor else fix.title
    return replace(fix, applicability=Applicability.MANUAL, title=title)


def _container(task, v: Violation) -> str | None:
    """The container a violation is about: the one the rule names, else the one its pointer is
    in; one placed by `position` (a comment) or outside the containers has the rule's (if any)."""
    if v.container is not None or v.position is not None:
        return v.container
    c = task.container_at(v.pointer)
    return None if c is None else c.name


def _stamp(doc: Document, task, rule: Rule, v: Violation, container: str | None) -> Finding:
    line, column = v.position or doc.locate(v.pointer)
    where = Location(doc.path, line, column, task.label)
    return Finding(rule.code, rule.name, v.severity or rule.severity, v.message, where, v.pointer, task.label,
                   container, _as_applicable(v.fix, task, doc))  # fmt: skip


def _with_image(task, v: Violation) -> Violation:
    """A violation on a container whose argv comes partly from its image (--images): said at
    its `image` when a rule points at an element from there, and without a fix that would
    rewrite the argv as a whole (entryPoint, command) or the image: its patch was computed on
    an argv the document does not hold."""
    for c in task.containers:
        if c.image is None or not c.image.origin or not v.pointer.startswith(c.pointer + "/"):
            continue
        image, whole = c.ptr("image"), (c.ptr("entryPoint"), c.ptr("command"))
        if v.pointer == image:
            v = replace(v, message=v.message + (f" ({c.image.origin})" if c.image.origin not in v.message else ""))
        if v.fix and any(
            op["path"] in whole or op["path"] == image or op["path"].startswith(image + "/") for op in v.fix.patch
        ):
            v = replace(v, fix=None)
    return v


def lint(doc: Document, rules: list[Rule], images=None) -> list[Finding]:
    """The document's findings, in the order of their position. With `images` (images/reader.py),
    each container is judged with what its image decides. For each task definition:

    1. run: each selected rule's violations (every task's image attached first: a rule may ask
       another view of the same resource);
    2. merge: a rule `merged_into` another drops its violation for a container that one reports;
    3. de-dup: a violation said by an earlier view of the resource (the other branch of an
       `Fn::If`) is not said again;
    4. stamp: code, name, severity, file position and the fix as it applies (`_stamp`);
    5. suppress: the findings a suppression of the task covers go (`suppress.covered`);
    6. report unused suppressions: those that covered nothing though they name a rule that ran
       and a container of the task (`suppress.unused`) become findings of the selected rule
       marked `reports_unused_suppressions` (SUP001), whose own check reports the entries that
       can never match.
    """
    findings, seen = [], set()
    unused_rule = next((r for r in rules if r.reports_unused_suppressions), None)
    for task in doc.tasks if images is not None else ():  # all first: a rule may ask another view
        images.attach(task)
    for task in doc.tasks:
        found = {
            rule.code: [(v, _container(task, v)) for v in violations]
            for rule in rules
            if (violations := list(rule.run(task)))
        }
        stamped = []
        for rule in rules:
            merged = {name for _, name in found.get(rule.merged_into, ())} if rule.merged_into else ()
            for v, name in found.get(rule.code, ()):
                if name in merged or (rule.code, v.pointer, v.message) in seen:
                    continue  # said by the rule it merges into, or by the other branch of an `Fn::If`
                seen.add((rule.code, v.pointer, v.message))
                stamped.append(_stamp(doc, task, rule, _with_image(task, v) if images is not None else v, name))
        suppressions = suppress.of(task)
        kept, used = suppress.covered(suppressions, stamped, rules)
        findings += kept
        if unused_rule is not None:
            for s in suppress.unused(suppressions, used, task, rules):
                v = Violation(s.pointer, s.message("suppresses nothing"), s.container, position=s.position)
                findings.append(_stamp(doc, task, unused_rule, v, s.container))
    findings.sort(key=lambda f: (f.location.line or 0, f.location.column or 0, f.code))
    return findings
