"""The shipped schema is current, and its fast check agrees with jsonschema."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsinit_lint import schema, schema_gen
from ecsinit_lint.linter import lint
from ecsinit_lint.model import TaskDef
from ecsinit_lint.registry import Selection
from ecsinit_lint.sources import load

from .strategies import json_values, task_definitions


def test_shipped_schema_matches_botocore_model():
    pytest.importorskip("botocore")
    fresh = schema_gen.render(schema_gen.generate(schema_gen.botocore_model()))
    assert schema_gen.SCHEMA_PATH.read_text() == fresh, "stale: run `python -m ecsinit_lint.schema_gen`"


def _jsonschema_valid(instance, root: str) -> bool:
    """jsonschema's verdict, with the errors that `schema.errors` lets pass left out."""
    errors = schema.validator(root).iter_errors(instance)
    return not [e for err in errors for e in schema._explain(err)]


@settings(max_examples=300, deadline=None)
@given(task_definitions())
def test_fast_check_agrees_with_jsonschema_on_task_definitions(data):
    assert schema.fast_check("TaskDefinition")(data) == _jsonschema_valid(data, "TaskDefinition")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(schema.schema()["roots"])), json_values)
def test_fast_check_agrees_with_jsonschema_on_any_value(root, value):
    assert schema.fast_check(root)(value) == _jsonschema_valid(value, root)


def test_placeholders_stand_for_any_value():
    data = {"family": "x", "cpu": "256", "containerDefinitions": [{"name": "a", "memory": "${MEM}", "essential": "<E>"}]}
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
