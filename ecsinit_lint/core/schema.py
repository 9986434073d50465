"""The ECS task definition JSON Schema shipped in `ecsinit_lint/data/` (written by `schema_gen`
from the botocore model), and validation against it.

The schema is compiled into nested closures, ~20x faster than jsonschema (which also costs
~150 ms to import). tests/test_schema.py holds them to the same errors.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import NamedTuple

from .pointer import join_pointer
from .taskdef import is_unknown, memoised

SCHEMA_PATH = Path(__file__).parent.parent / "data" / "ecs-taskdef.schema.json"

# Values templated in before registering: ecspresso `{{ must_env "X" }}`, envsubst `${X}`, `<X>`,
# the ECS agent's test templates `$$$X$$$`.
# (A pattern, compiled by `re` when first used: most files hold none that is wrong.)
PLACEHOLDER = r"\{\{.*\}\}|\$\{[^}]*\}|<[A-Za-z0-9_.:-]+>|\$\$\$\w+\$\$\$"
JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "number": (int, float)}


class SchemaError(NamedTuple):
    path: tuple  # tokens from the validated instance to the offending value (or object)
    kind: str  # "unknown" (an extra key: path ends with it), "type" or "enum"
    expected: object  # the known keys, the expected JSON type(s) or the enum values
    value: object


Check = Callable[[object, "tuple | None", "list | None"], bool]


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def is_placeholder(value) -> bool:
    return (isinstance(value, str) and re.search(PLACEHOLDER, value, re.S) is not None) or is_unknown(value)


def _is_type(value, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, JSON_TYPES[name])


def _type_check(types: list[str]) -> Callable[[object], bool] | None:
    """A predicate for `type`: one isinstance for the plain types, `_is_type` for numbers."""
    if not types:
        return None
    plain = tuple(JSON_TYPES[t] for t in types if t in ("object", "array", "string", "boolean"))
    numeric = [t for t in types if t in ("integer", "number")]
    if not numeric:
        return lambda v: isinstance(v, plain)
    return lambda v: isinstance(v, plain) or any(_is_type(v, t) for t in numeric)


# The Python types a leaf of only a `type` accepts as they are: most values are such leaves, and
# the walk takes them without calling their check. (A float `integer` or a bool goes the long way.)
EXACT = {"string": str, "boolean": bool, "integer": int, "number": int, "object": dict, "array": list}


def _compile(node: dict, defs: dict, memo: dict) -> Check:
    """`check(value, path, out) -> valid?` for a schema node, jsonschema's verdict with
    placeholders and nulls passing, for the subset of JSON Schema that schema_gen writes.
    With `out` None it stops at the first error; with a list it appends every error to it,
    each at its path below `path`. A wrong type is one error (jsonschema adds an enum one)."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        if name not in memo:
            memo[name] = None
            memo[name] = _compile(defs[name], defs, memo)
        return memo[name] or (lambda v, path, out: memo[name](v, path, out))  # a definition that refers to itself
    types = node.get("type")
    typed = _type_check([types] if isinstance(types, str) else types or [])
    kind = EXACT.get(types) if isinstance(types, str) else None  # the type that passes at once
    enum = node.get("enum")
    members = frozenset(enum) if enum is not None else None
    known = list(node.get("properties", {}))
    props: dict[str, tuple[Check, tuple]] = {}
    for k, sub in node.get("properties", {}).items():
        props[k] = _entry(sub, defs, memo, partial(props.__setitem__, k))

    def put_extra(entry: tuple) -> None:
        nonlocal extra
        extra = entry

    def put_items(entry: tuple) -> None:
        nonlocal items, items_accept
        items, items_accept = entry

    extra = node.get("additionalProperties", True)
    extra = _entry(extra, defs, memo, put_extra) if isinstance(extra, dict) else (extra, ())
    walk = bool(props) or extra[0] is not True
    items, items_accept = _entry(node["items"], defs, memo, put_items) if "items" in node else (None, ())

    def check(v, path: tuple | None, out: list | None) -> bool:
        if type(v) is not kind and typed is not None and not typed(v):
            if v is None or is_placeholder(v):
                return True
            if out is not None:
                out.append(SchemaError(path, "type", types, v))
            return False
        if members is not None and v not in members:
            if is_placeholder(v):
                return True
            if out is not None:
                out.append(SchemaError(path, "enum", enum, v))
            return False
        valid = True
        if walk and isinstance(v, dict):
            for k, item in v.items():
                sub, accept = props.get(k, extra)
                if sub is True or type(item) in accept:
                    continue
                if sub is False:
                    if out is None:
                        return False
                    out.append(SchemaError(path + (k,), "unknown", known, item))
                    valid = False
                elif not sub(item, None if out is None else path + (k,), out):
                    if out is None:
                        return False
                    valid = False
        elif items is not None and isinstance(v, list):
            for n, item in enumerate(v):
                if type(item) not in items_accept and not items(item, None if out is None else path + (n,), out):
                    if out is None:
                        return False
                    valid = False
        return valid

    return check


def _entry(node: dict, defs: dict, memo: dict, put: Callable[[tuple], None]) -> tuple[Check, tuple]:
    """A member's check, and the types its value is valid as without it. The check is compiled
    when first called, and `put` puts the compiled one in its place: a file meets few of the
    schema's ~270 nodes, compiling them all would be a tenth of a one-file check, and a check
    that stayed a wrapper would cost a call on every value of every file."""
    types = node.get("type")
    types = [types] if isinstance(types, str) else types or []
    leaf = types and set(node) == {"type"}
    accept = tuple(EXACT[t] for t in types) if leaf else ()

    def check(v, path: tuple | None, out: list | None) -> bool:
        with _COMPILING:
            compiled = _compile(node, defs, memo)
        put((compiled, accept))
        return compiled(v, path, out)

    return check, accept


# An audit checks revisions in threads: a definition (`memo`) is built by one thread at a time, so
# that no thread meets one another thread has begun (a `$ref` to it is None until it is built).
_COMPILING = threading.Lock()


@cache
def compiled(root: str) -> Check:
    with _COMPILING:
        return _compile(schema()["roots"][root], schema()["$defs"], {})


def errors(instance, root: str) -> list[SchemaError]:
    """What is wrong with `instance` as the schema root `root` ("TaskDefinition",
    "TaskDefinitionContainer" and the Daemon variants). Placeholders are never wrong, and
    neither is null: deploy tools drop null members before registering."""
    check = compiled(root)
    found: list[SchemaError] = []
    if not check(instance, None, None):  # most documents are valid: find out without paths
        check(instance, (), found)
    return found


@memoised  # TD001 and TD002 both ask
def task_errors(task) -> list[tuple[str, SchemaError]]:
    """(document pointer, error) for a camelCase task definition: the task's own
    object when it holds its containers, else each container (a bare container list, the
    containers of a Terraform resource, whose other arguments are no ECS JSON). CloudFormation's
    PascalCase has its own schema, and a module's variables are not ECS's keys."""
    return list(_task_errors(task))


def _task_errors(task) -> Iterator[tuple[str, SchemaError]]:
    if task.style != "camel" or task.decoder is None:
        return
    root = "DaemonTaskDefinition" if task.pointer == "/daemonTaskDefinition" else "TaskDefinition"
    if isinstance(task.data.get("containerDefinitions"), list):
        for err in errors(task.data, root):
            yield task.pointer + join_pointer(err.path), err
        return
    for c in task.containers:
        for err in errors(c.data, root + "Container"):
            yield c.pointer + join_pointer(err.path), err
