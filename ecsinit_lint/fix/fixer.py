"""Apply fixes: RFC 6902 patches on the data, the same edits spliced into the text."""

from __future__ import annotations

import copy
import difflib
import errno
import os
import stat
import tempfile

import jsonpatch

from ..core.findings import Finding
from ..core.pointer import join_pointer, split_pointer
from ..core.taskdef import resolve
from ..engine.linter import applicable, lint
from ..engine.registry import Rule
from ..errors import FixError, InputError
from ..inputs.document import Document, unreadable
from ..inputs.sources import load

MAX_ROUNDS = 10  # a fix can enable another (a shell unwrapped by SIG003 then gets its exec)


def key(finding: Finding) -> tuple:
    """What a finding is across the rounds of a fix and its new starts."""
    return finding.code, finding.task, finding.container, finding.pointer


def fix(doc: Document, rules: list[Rule], unsafe: bool = False, conflicts: dict | None = None,
        images=None) -> tuple[Document, list[Finding]]:  # fmt: skip
    """The document with every applicable fix applied, and the findings that were fixed.

    Each round applies the fixes of one lint pass in order; a fix whose "test" guard no longer
    holds (an earlier fix in the round changed its value) waits for the next round. Fixes that
    undo one another (two rules setting one value back and forth: a fix, applicable or not, that
    sets a value back to what it was before an earlier round, or a round that brings back an
    earlier text) are left out and the rounds start again without them; `conflicts` gets the
    key of each, with a note, for its finding to be fixed by hand. So every fix reported
    changed the text, and fixing the result again changes nothing.
    """
    blocked: dict[tuple, str] = {}
    while True:  # each new start blocks at least one more finding
        outcome = _rounds(doc, rules, unsafe, blocked, images)
        if isinstance(outcome, tuple):
            break
        codes = " and ".join(dict.fromkeys(f.code for f in outcome))
        blocked.update((key(f), f"the fixes of {codes} conflict") for f in outcome)
    if conflicts is not None:
        conflicts.update(blocked)
    return outcome


def _rounds(
    doc: Document, rules: list[Rule], unsafe: bool, blocked: dict, images
) -> tuple[Document, list[Finding]] | list[Finding]:
    """The fixed document and the fixed findings, or the findings whose fixes conflict."""
    fixed: list[Finding] = []
    texts, rounds = [doc.text], []  # the text before each round, the findings each fixed
    before: dict[str, list] = {}  # pointer -> (its value before a fix set it, that fix's finding)
    for _ in range(MAX_ROUNDS):
        findings = [f for f in lint(doc, rules, images) if applicable(f, True) and key(f) not in blocked]
        for finding in findings:
            undone = [by for op in finding.fix.patch if op["op"] != "remove" and _member(op, doc.data)
                      for old, by in before.get(op["path"], ()) if _same(old, op["value"])]  # fmt: skip
            if undone:
                return [finding, *undone]
        data, ops, round_fixed = copy.deepcopy(doc.data), [], []
        for finding in (f for f in findings if applicable(f, unsafe)):
            old = [(op["path"], resolve(data, op["path"])) for op in finding.fix.patch if _member(op, data)]
            try:
                data = _apply(data, finding.fix.patch)
            except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
                continue
            for path, value in old:
                before.setdefault(path, []).append((value, finding))
            ops += finding.fix.patch
            round_fixed.append(finding)
        if not round_fixed:
            return doc, fixed
        text = doc.edited(ops)
        try:
            new = load(doc.path, text.encode("utf-8"))
        except InputError as exc:
            raise unreadable(exc) from None
        if new is None or new.data != data:
            raise FixError("the text edit does not match the patch; file left as it was")
        if new.text in texts:  # the rounds since undid each other
            return [f for r in rounds[texts.index(new.text) :] for f in r] + round_fixed
        texts.append(new.text)
        rounds.append(round_fixed)
        doc, fixed = new, fixed + round_fixed
    raise FixError(f"the fixes did not settle in {MAX_ROUNDS} rounds; file left as it was")


def _apply(data, patch: list[dict]):
    """`data` with `patch` applied in place, or unchanged when a test or an op of it fails: the
    patch is applied to a copy of the one value that holds all its paths, then put in place."""
    paths = [split_pointer(path) for op in patch for path in (op["path"], op.get("from")) if path is not None]
    prefix = os.path.commonprefix([tokens[:-1] for tokens in paths])
    holder = resolve(data, join_pointer(prefix))
    if prefix and not isinstance(holder, (dict, list)):
        raise jsonpatch.JsonPointerException(f"no value at {join_pointer(prefix)}")
    relative = [dict(op, **{k: join_pointer(split_pointer(op[k])[len(prefix) :]) for k in ("path", "from") if k in op})
                for op in patch]  # fmt: skip
    value = jsonpatch.apply_patch(copy.deepcopy(holder), relative, in_place=True)
    if not prefix:
        return value
    parent = resolve(data, join_pointer(prefix[:-1]))
    parent[int(prefix[-1]) if isinstance(parent, list) else prefix[-1]] = value
    return data


def _member(op: dict, data) -> bool:
    """Whether the op sets or removes one value, which another op may set back (adding to or
    removing from an array shifts the elements after it instead)."""
    if op["op"] == "replace":
        return True
    return op["op"] in ("add", "remove") and isinstance(resolve(data, op["path"].rpartition("/")[0]), dict)


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b  # True == 1 in Python, not in JSON


def diff(before: Document, after: Document) -> str:
    a = before.text.splitlines(keepends=True)
    b = after.text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, before.path, after.path))


def write_atomic(path: str, original: bytes, text: str) -> None:
    """Write `text` to the file unless it changed since it was read or is read-only. A symlink is
    written through: its target changes, the link stays. The text goes to a temp file beside the
    target, with the target's owner, group and mode, fsynced and renamed over it. A file with other
    hard links, or one that cannot be renamed over (a file bind-mounted on its own: EBUSY; a
    directory we may not create in, or an owner we may not give), is rewritten in place instead,
    keeping its inode. A failure leaves the original untouched and no temp file behind."""
    path = os.path.realpath(path)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise FixError("not a regular file; not written")
    if not info.st_mode & 0o222:  # checked by mode, not access(): root may write anything
        raise FixError("the file is read-only; not written")
    new = text.encode("utf-8")
    if info.st_nlink == 1:
        try:
            return _replace(path, original, new, info)
        except OSError as exc:
            if exc.errno not in IN_PLACE:
                raise
    _write_in_place(path, original, new)


# no rename over it, or an extended attribute the temp file cannot get: write in place
IN_PLACE = {errno.EBUSY, errno.EXDEV, errno.EPERM, errno.EACCES, errno.ENOTSUP}


def _replace(path: str, original: bytes, new: bytes, info: os.stat_result) -> None:
    _check_unchanged(path, original)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".ecsinit-lint-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(new)
            f.flush()
            os.fchown(f.fileno(), info.st_uid, info.st_gid)  # EPERM unless root or the owner's group
            os.fchmod(f.fileno(), info.st_mode & 0o7777)  # after chown, which clears set-id bits
            _copy_xattrs(path, f.fileno())  # after chmod, which would rewrite an ACL's mask
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _copy_xattrs(path: str, fd: int) -> None:
    """Give the temp file the original's extended attributes (user.*, POSIX ACLs, SELinux
    labels): none where the file system holds none (ENOTSUP). One that cannot be set (EPERM,
    ENOTSUP for its namespace) raises, and the file is then rewritten in place, keeping them."""
    if not hasattr(os, "listxattr"):  # Linux only
        return
    try:
        names = os.listxattr(path)
    except OSError as exc:
        if exc.errno == errno.ENOTSUP:
            return
        raise
    for name in names:
        os.setxattr(fd, name, os.getxattr(path, name))


def _write_in_place(path: str, original: bytes, new: bytes) -> None:
    """Rewrite the file through its inode: first the part past the old end (the only one that
    needs more space: on a full disk, truncated back), then the rest over the old bytes."""
    fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    try:
        if _read_all(fd) != original:
            raise FixError("changed while it was being fixed; not written")
        size = len(original)
        try:
            _write_at(fd, new[size:], size)
        except OSError:
            os.ftruncate(fd, size)
            raise
        _write_at(fd, new[:size], 0)
        os.ftruncate(fd, len(new))
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_unchanged(path: str, original: bytes) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if _read_all(fd) != original:
            raise FixError("changed while it was being fixed; not written")
    finally:
        os.close(fd)


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_at(fd: int, data: bytes, offset: int) -> None:
    while data:
        n = os.pwrite(fd, data, offset)
        data, offset = data[n:], offset + n
