"""RFC 6902 patches that the rules' fixes are made of: each starts with a `test` op pinning what
the fix was computed on, so that a document changed since no longer takes it. Imported by the
rules, so light: plain dicts, no jsonpatch."""

from __future__ import annotations

from ..core.taskdef import Container


def test(pointer: str, value) -> dict:
    return {"op": "test", "path": pointer, "value": value}


def add(pointer: str, value) -> dict:
    return {"op": "add", "path": pointer, "value": value}


def replace(pointer: str, value) -> dict:
    return {"op": "replace", "path": pointer, "value": value}


def remove(pointer: str) -> dict:
    return {"op": "remove", "path": pointer}


def guard(c: Container) -> dict:
    """A test op pinning the container a fix was computed for: its name, else all of it."""
    if c.has("name"):  # also a `{"Ref": …}` name: it pins the container as well
        return test(c.ptr("name"), c.get("name"))
    return test(c.pointer, c.data)


def replace_value(pointer: str, old, new) -> list[dict]:
    """Replace the value `old` at `pointer` with `new`."""
    return [test(pointer, old), replace(pointer, new)]


def set_field(c: Container, names: tuple[str, ...], value) -> list[dict]:
    """Set the field at `names` below the container (`("linuxParameters", "initProcessEnabled")`),
    adding the objects on the way that it lacks; guarded by a test of the deepest object that
    exists, the container's own guard when that is the container."""
    node, i = c, 0
    while i < len(names) - 1 and (child := node.child(names[i])) is not None:
        node, i = child, i + 1
    for name in reversed(names[i + 1 :]):
        value = {c.key(name): value}
    return [guard(c) if node is c else test(node.pointer, node.data), add(node.ptr(names[i]), value)]


def argv_field(c: Container) -> str:
    """The field whose list starts the argv: entryPoint when set and not empty, else command."""
    return "entryPoint" if c.get("entryPoint") else "command"


def replace_argv(c: Container, argv: list[str]) -> list[dict]:
    """Make `argv` the container's whole argv: test both argv fields as they are, put it in
    entryPoint when that is present (dropping command), else in command."""
    entry, command = c.get("entryPoint"), c.get("command")
    ops = [test(c.ptr(k), v) for k, v in (("entryPoint", entry), ("command", command)) if v is not None]
    if entry is None:
        return [*ops, replace(c.ptr("command"), argv)]
    ops.append(replace(c.ptr("entryPoint"), argv))
    return ops if command is None else [*ops, remove(c.ptr("command"))]
