"""The shipped schema is current, and its fast check agrees with jsonschema."""

from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsinit_lint import schema_gen
from ecsinit_lint.core import schema
from ecsinit_lint.core.taskdef import TaskDef
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.errors import InputError
from ecsinit_lint.inputs.sources import load

from .strategies import json_values, task_definitions


def test_shipped_schema_matches_botocore_model():
    pytest.importorskip("botocore")
    fresh = schema_gen.render(schema_gen.generate(schema_gen.botocore_model()))
    assert schema.SCHEMA_PATH.read_text() == fresh, "stale: run `python -m ecsinit_lint.schema_gen`"


def _explain(err):
    """A jsonschema error as the (path, kind) pairs `schema.errors` reports."""
    if err.validator in ("anyOf", "oneOf", "allOf") or err.context:
        for sub in err.context:
            yield from _explain(sub)
    elif err.validator == "additionalProperties":
        for key in err.instance:
            if key not in err.schema.get("properties", {}):
                yield (*err.absolute_path, key), "unknown"
    elif err.validator in ("type", "enum") and err.instance is not None and not schema.is_placeholder(err.instance):
        yield tuple(err.absolute_path), err.validator


def _jsonschema_errors(instance, root: str) -> set:
    """jsonschema's errors, placeholders and nulls let pass, and no enum error for a value of the
    wrong type (`schema.errors` reports the type only)."""
    doc = schema.schema()
    validator = jsonschema.Draft202012Validator({"$defs": doc["$defs"], **doc["roots"][root]})
    found = {e for err in validator.iter_errors(instance) for e in _explain(err)}
    return {(path, kind) for path, kind in found if kind != "enum" or (path, "type") not in found}


def _errors(instance, root: str) -> set:
    return {(e.path, e.kind) for e in schema.errors(instance, root)}


@settings(max_examples=300, deadline=None)
@given(task_definitions())
def test_errors_agree_with_jsonschema_on_task_definitions(data):
    assert _errors(data, "TaskDefinition") == _jsonschema_errors(data, "TaskDefinition")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(schema.schema()["roots"])), json_values)
def test_errors_agree_with_jsonschema_on_any_value(root, value):
    assert _errors(value, root) == _jsonschema_errors(value, root)


def test_errors_agree_with_jsonschema_on_the_corpus(corpus):
    checked = 0
    for path in corpus.rglob("*.json"):
        try:
            doc = load(str(path), path.read_bytes())
        except InputError:
            continue
        for task in doc.tasks if doc else ():
            if task.style == "camel" and task.data:
                assert _errors(task.data, "TaskDefinition") == _jsonschema_errors(task.data, "TaskDefinition"), path
                checked += 1
    assert checked > 50


def test_placeholders_stand_for_any_value():
    data = {
        "family": "x",
        "cpu": "256",
        "containerDefinitions": [{"name": "a", "memory": "${MEM}", "essential": "<E>"}],
    }
    assert list(schema.errors(data, "TaskDefinition")) == []
    data["cpu"] = True
    assert [e.path for e in schema.errors(data, "TaskDefinition")] == [("cpu",)]


def _codes(data) -> list[str]:
    return [f.code for f in lint(load("t.json", json.dumps(data).encode()), Selection(("TD",)).rules())]


def test_daemon_describe_output_uses_the_daemon_schema():
    container = {"name": "agent", "image": "agent", "portMappings": [{"containerPort": 80}]}
    assert _codes({"daemonTaskDefinition": {"family": "d", "containerDefinitions": [container]}}) == ["TD001"]
    assert _codes({"taskDefinition": {"family": "d", "containerDefinitions": [container]}}) == []


def test_container_list_is_checked_container_by_container():
    assert _codes([{"name": "a", "image": "x", "essential": "yes"}, {"name": "b", "image": "x", "entrypoint": []}]) == [
        "TD002",
        "TD001",
    ]


def test_pascal_case_documents_are_left_to_their_own_schema():
    task = TaskDef.build({"Family": "x", "ContainerDefinitions": [{"Name": "a"}]}, "/Resources/T/Properties", "pascal",
                         "/Resources/T/Properties/ContainerDefinitions", [{"Name": "a", "Bogus": 1}])  # fmt: skip
    assert schema.task_errors(task) == []


THREADED_FIRST_CHECK = """
import json, sys, threading
sys.setswitchinterval(1e-6)  # switch threads often: the race shows on the first run
from ecsinit_lint.core import schema
doc = json.loads(sys.argv[1])
start, verdicts = threading.Barrier(16), []
def judge():
    start.wait()
    try:
        verdicts.append(len(schema.errors(doc, "TaskDefinition")))
    except Exception as exc:
        verdicts.append(repr(exc))
threads = [threading.Thread(target=judge) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(set(map(str, verdicts))))
"""


def test_first_checks_in_threads():
    """An audit lints revisions in threads, and the schema's members are compiled when first
    met: a thread meets a definition another is compiling (a half-built `$ref`, called as None,
    before) only once it is built."""
    import subprocess
    import sys

    doc = {"family": "f", "containerDefinitions": [{"name": "a", "image": "i", "essentail": True,
           "linuxParameters": {"initProcessEnabled": "yes", "capabilities": {"add": [1]}},
           "logConfiguration": {"logDriver": "awslogs", "secretOptions": [{"name": 1}]},
           "healthCheck": {"command": "x"}, "portMappings": [{"containerPort": "80"}]}],
           "volumes": [{"efsVolumeConfiguration": {"fileSystemId": 1}}]}  # fmt: skip
    for _ in range(20):
        done = subprocess.run([sys.executable, "-c", THREADED_FIRST_CHECK, json.dumps(doc)], capture_output=True,
                              text=True, check=True)  # fmt: skip
        assert done.stdout.strip() == "['7']", done.stdout
