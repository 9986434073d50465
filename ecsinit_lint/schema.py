"""Validate task definitions against the generated ECS schema (see `schema_gen`).

jsonschema costs ~150 ms to import and ~0.8 ms a document, so a check compiled from the same
schema answers "valid?" first; only a document that fails it is handed to jsonschema, whose
errors are what the rules report. tests/test_schema.py holds the two to the same verdicts.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Callable, Iterator, NamedTuple

from .jsonpos import join_pointer
from .model import is_unknown
from .schema_gen import SCHEMA_PATH

# Values templated in before registering: ecspresso `{{ must_env "X" }}`, envsubst `${X}`, `<X>`,
# the ECS agent's test templates `$$$X$$$`.
PLACEHOLDER = re.compile(r"\{\{.*\}\}|\$\{[^}]*\}|<[A-Za-z0-9_.:-]+>|\$\$\$\w+\$\$\$", re.S)
JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "number": (int, float)}


class SchemaError(NamedTuple):
    path: tuple  # tokens from the validated instance to the offending value (or object)
    kind: str  # "unknown" (an extra key: path ends with it), "type" or "enum"
    expected: object  # the known keys, the expected JSON type(s) or the enum values
    value: object


@lru_cache(maxsize=None)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def is_placeholder(value) -> bool:
    return (isinstance(value, str) and PLACEHOLDER.search(value) is not None) or is_unknown(value)


def _is_type(value, name: str) -> bool:
    if name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and value.is_integer())
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


def _compile(node: dict, defs: dict, memo: dict) -> Callable[[object], bool]:
    """A predicate: does `errors` find nothing in the value? (jsonschema's verdict with
    placeholders and nulls passing, for the subset of JSON Schema that schema_gen writes)."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        if name not in memo:
            memo[name] = None
            memo[name] = _compile(defs[name], defs, memo)
        return memo[name] or (lambda v: memo[name](v))  # a definition that refers to itself
    types = node.get("type")
    typed = _type_check([types] if isinstance(types, str) else types or [])
    enum = frozenset(node["enum"]) if "enum" in node else None
    props = {k: _compile(s, defs, memo) for k, s in node.get("properties", {}).items()}
    extra = node.get("additionalProperties", True)
    extra = _compile(extra, defs, memo) if isinstance(extra, dict) else extra
    walk = bool(props) or extra is not True
    items = _compile(node["items"], defs, memo) if "items" in node else None

    def check(v) -> bool:
        if typed is not None and not typed(v):
            return v is None or is_placeholder(v)
        if enum is not None and v not in enum:
            return is_placeholder(v)
        if walk and isinstance(v, dict):
            for k, item in v.items():
                sub = props.get(k, extra)
                if sub is not True and (sub is False or not sub(item)):
                    return False
        if items is not None and isinstance(v, list):
            return all(map(items, v))
        return True

    return check


@lru_cache(maxsize=None)
def fast_check(root: str) -> Callable[[object], bool]:
    return _compile(schema()["roots"][root], schema()["$defs"], {})


@lru_cache(maxsize=None)
def validator(root: str):
    import jsonschema  # only for documents that fail the fast check

    doc = schema()
    return jsonschema.Draft202012Validator({"$defs": doc["$defs"], **doc["roots"][root]})


def errors(instance, root: str) -> Iterator[SchemaError]:
    """What is wrong with `instance` as the schema root `root` ("TaskDefinition",
    "TaskDefinitionContainer" and the Daemon variants). Placeholders are never wrong, and
    neither is null: deploy tools drop null members before registering."""
    if fast_check(root)(instance):
        return
    for err in validator(root).iter_errors(instance):
        yield from _explain(err)


def _explain(err) -> Iterator[SchemaError]:
    path = tuple(err.absolute_path)
    if err.validator in ("anyOf", "oneOf", "allOf") or err.context:
        for sub in err.context:
            yield from _explain(sub)
    elif err.validator == "additionalProperties":
        known = list(err.schema.get("properties", {}))
        for key in err.instance:
            if key not in err.schema.get("properties", {}):
                yield SchemaError(path + (key,), "unknown", known, err.instance[key])
    elif err.validator in ("type", "enum") and err.instance is not None and not is_placeholder(err.instance):
        yield SchemaError(path, err.validator, err.validator_value, err.instance)


_last: list = [None, []]  # the last task and its errors: TD001 and TD002 ask in turn


def task_errors(task) -> list[tuple[str, SchemaError]]:
    """(document pointer, error) for a camelCase task definition: the task's own object, or
    each container of a bare container list. CloudFormation's PascalCase has its own schema."""
    if _last[0] is not task:
        _last[:] = task, list(_task_errors(task))
    return _last[1]


def _task_errors(task) -> Iterator[tuple[str, SchemaError]]:
    if task.style != "camel":
        return
    root = "DaemonTaskDefinition" if task.pointer == "/daemonTaskDefinition" else "TaskDefinition"
    targets = [(task.data, task.pointer, root)] if task.data else [(c.data, c.pointer, root + "Container") for c in task.containers]
    for data, pointer, name in targets:
        for err in errors(data, name):
            yield pointer + join_pointer(err.path), err
