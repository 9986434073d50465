"""The patch builders (fix/patches.py): the ops each one makes, and that they apply."""

from __future__ import annotations

import copy

import jsonpatch
import pytest

from ecsinit_lint.core.taskdef import TaskDef
from ecsinit_lint.fix import patches


def _container(data: dict, style: str = "camel"):
    key = "containerDefinitions" if style == "camel" else "ContainerDefinitions"
    task = TaskDef.build({key: [data]}, "", style, f"/{key}", [data])
    return task.containers[0]


def _applied(c, ops) -> dict:
    doc = {"containerDefinitions": [copy.deepcopy(c.data)]}
    return jsonpatch.apply_patch(doc, ops)["containerDefinitions"][0]


def test_replace_value():
    assert patches.replace_value("/a/0", "x", "y") == [
        {"op": "test", "path": "/a/0", "value": "x"},
        {"op": "replace", "path": "/a/0", "value": "y"},
    ]


def test_guard_pins_the_name_else_the_whole_container():
    assert patches.guard(_container({"name": "app", "image": "x"})) == {
        "op": "test",
        "path": "/containerDefinitions/0/name",
        "value": "app",
    }
    ref = {"Name": {"Ref": "N"}, "Image": "x"}
    assert patches.guard(_container(ref, "pascal"))["value"] == {"Ref": "N"}
    assert patches.guard(_container({"image": "x"})) == {
        "op": "test",
        "path": "/containerDefinitions/0",
        "value": {"image": "x"},
    }


def test_set_field_adds_what_is_missing_below_the_container():
    c = _container({"name": "app", "image": "x"})
    ops = patches.set_field(c, ("linuxParameters", "initProcessEnabled"), True)
    assert ops == [
        {"op": "test", "path": "/containerDefinitions/0/name", "value": "app"},
        {"op": "add", "path": "/containerDefinitions/0/linuxParameters", "value": {"initProcessEnabled": True}},
    ]
    assert _applied(c, ops)["linuxParameters"] == {"initProcessEnabled": True}


def test_set_field_tests_the_deepest_object_there():
    c = _container({"name": "app", "image": "x", "linuxParameters": {"capabilities": {}}})
    ops = patches.set_field(c, ("linuxParameters", "initProcessEnabled"), True)
    assert ops == [
        {"op": "test", "path": "/containerDefinitions/0/linuxParameters", "value": {"capabilities": {}}},
        {"op": "add", "path": "/containerDefinitions/0/linuxParameters/initProcessEnabled", "value": True},
    ]
    assert _applied(c, ops)["linuxParameters"] == {"capabilities": {}, "initProcessEnabled": True}


def test_set_field_in_pascal_case_and_over_a_value_that_is_no_object():
    c = _container({"Name": "app", "Image": "x", "LinuxParameters": None}, "pascal")
    ops = patches.set_field(c, ("linuxParameters", "initProcessEnabled"), True)
    assert ops[1] == {
        "op": "add",
        "path": "/ContainerDefinitions/0/LinuxParameters",
        "value": {"InitProcessEnabled": True},
    }
    deep = patches.set_field(c, ("a", "b", "c"), 1)
    assert deep[1] == {"op": "add", "path": "/ContainerDefinitions/0/A", "value": {"B": {"C": 1}}}
    assert patches.set_field(c, ("user",), "1000")[1]["path"] == "/ContainerDefinitions/0/User"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"entryPoint": ["tini"], "command": ["app"]}, "entryPoint"),
        ({"entryPoint": [], "command": ["app"]}, "command"),
        ({"command": ["app"]}, "command"),
    ],
)
def test_argv_field_is_the_one_that_starts_the_argv(fields, field):
    assert patches.argv_field(_container({"name": "app", **fields})) == field


@pytest.mark.parametrize(
    ("fields", "ops"),
    [
        (
            {"entryPoint": ["tini", "--"], "command": ["app"]},
            [
                {"op": "test", "path": "/containerDefinitions/0/entryPoint", "value": ["tini", "--"]},
                {"op": "test", "path": "/containerDefinitions/0/command", "value": ["app"]},
                {"op": "replace", "path": "/containerDefinitions/0/entryPoint", "value": ["app", "-v"]},
                {"op": "remove", "path": "/containerDefinitions/0/command"},
            ],
        ),
        (
            {"entryPoint": ["tini", "--", "app"]},
            [
                {"op": "test", "path": "/containerDefinitions/0/entryPoint", "value": ["tini", "--", "app"]},
                {"op": "replace", "path": "/containerDefinitions/0/entryPoint", "value": ["app", "-v"]},
            ],
        ),
        (
            {"command": ["tini", "--", "app"]},
            [
                {"op": "test", "path": "/containerDefinitions/0/command", "value": ["tini", "--", "app"]},
                {"op": "replace", "path": "/containerDefinitions/0/command", "value": ["app", "-v"]},
            ],
        ),
    ],
)
def test_replace_argv_makes_the_argv_whole(fields, ops):
    c = _container({"name": "app", "image": "x", **fields})
    assert patches.replace_argv(c, ["app", "-v"]) == ops
    applied = _applied(c, ops)
    assert applied.get("entryPoint", []) + applied.get("command", []) == ["app", "-v"]
