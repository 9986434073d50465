"""Apply fixes: RFC 6902 patches on the data, the same edits spliced into the text."""

from __future__ import annotations

import difflib
import os
import tempfile

import jsonpatch

from .linter import Finding, applicable, lint
from .registry import Rule
from .sources import Document, InputError, load

MAX_ROUNDS = 10  # a fix can enable another (a shell unwrapped by SIG003 then gets its exec)


class FixError(Exception):
    pass


def fix(doc: Document, rules: list[Rule], unsafe: bool = False, images=None) -> tuple[Document, list[Finding]]:
    """The document with every applicable fix applied, and the findings that were fixed.

    Each round applies the fixes of one lint pass in order; a fix whose "test" guard no longer
    holds (an earlier fix in the round changed its value) waits for the next round.
    """
    fixed: list[Finding] = []
    for _ in range(MAX_ROUNDS):
        findings = [f for f in lint(doc, rules, images) if applicable(f, unsafe)]
        data, ops, round_fixed = doc.data, [], []
        for finding in findings:
            try:
                data = jsonpatch.apply_patch(data, finding.fix.patch)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
                continue
            ops += finding.fix.patch
            round_fixed.append(finding)
        if not round_fixed:
            break
        text = doc.edited(ops)
        try:
            new = load(doc.path, text.encode("utf-8"))
        except InputError as exc:
            raise FixError(f"fixing produced unreadable text ({exc.message}); file left as it was") from None
        if new is None or new.data != data:
            raise FixError("the text edit does not match the patch; file left as it was")
        doc, fixed = new, fixed + round_fixed
    return doc, fixed


def diff(before: Document, after: Document) -> str:
    a = before.text.splitlines(keepends=True)
    b = after.text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, before.path, after.path))


def write_atomic(path: str, original: bytes, text: str) -> None:
    """Replace the file with `text` unless it changed since it was read or is read-only: same
    directory temp file, fsync, rename; the mode is kept and a failure leaves the original
    untouched and no temp file behind."""
    with open(path, "rb") as f:
        if f.read() != original:
            raise FixError("changed while it was being fixed; not written")
        mode = os.fstat(f.fileno()).st_mode
    if not mode & 0o222:  # checked by mode, not access(): root may write anything
        raise FixError("the file is read-only; not written")
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".ecsinit-lint-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
