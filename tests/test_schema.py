"""The shipped schema is current, and its fast check agrees with jsonschema."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecsinit_lint import schema, schema_gen

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
