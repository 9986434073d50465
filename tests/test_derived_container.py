"""The linter names a finding's container from its pointer where the rule does not (engine/linter.py
`_container`): the container whose pointer is the longest prefix of the finding's."""

from __future__ import annotations

import json

import pytest

from ecsinit_lint.core.findings import Violation
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Rule
from ecsinit_lint.inputs.sources import load

TASK = {
    "family": "app",
    "containerDefinitions": [
        {"name": "app", "image": "x", "command": ["./app"]},
        {"name": "log", "image": "y", "command": ["./log"]},
        {"image": "z"},
    ],
}


def _found(data, *violations: Violation):
    doc = load("task.json", json.dumps(data).encode())
    rule = Rule("X001", "x", "error", "never", lambda task: list(violations))
    return [(f.pointer, f.container) for f in lint(doc, [rule])]


@pytest.mark.parametrize(
    ("pointer", "container"),
    [
        ("/containerDefinitions/0", "app"),
        ("/containerDefinitions/0/command/0", "app"),
        ("/containerDefinitions/1/command", "log"),
        ("/containerDefinitions/2/image", None),  # a container without a name
        ("/family", None),
        ("/containerDefinitions", None),
    ],
)
def test_the_container_is_the_one_the_pointer_is_in(pointer, container):
    assert _found(TASK, Violation(pointer, "m")) == [(pointer, container)]


def test_a_container_the_rule_names_is_kept():
    """A suppression entry names its container at the task's tags, outside the containers."""
    assert _found(TASK, Violation("/tags/0/value", "m", "sidecar")) == [("/tags/0/value", "sidecar")]


def test_a_finding_placed_by_position_keeps_its_container():
    """A YAML comment is located by line and column; a bare container's pointer "" holds everything."""
    container = {"name": "app", "image": "x", "command": ["./app"], "linuxParameters": {}}
    assert _found(container, Violation("", "m", position=(1, 1))) == [("", None)]
    assert _found(container, Violation("", "m")) == [("", "app")]


def test_merging_uses_the_derived_container():
    """A rule merged into another drops its finding for a container that one reports, now that
    neither names it."""
    doc = load("task.json", json.dumps(TASK).encode())
    into = Rule("X001", "x", "error", "never", lambda task: [Violation("/containerDefinitions/0/command", "x")])
    merged = Rule("X002", "y", "error", "never", merged_into="X001", check=lambda task: [
        Violation("/containerDefinitions/0/image", "y"), Violation("/containerDefinitions/1/image", "y")])  # fmt: skip
    found = [(f.code, f.container) for f in lint(doc, [into, merged])]
    assert found == [("X001", "app"), ("X002", "log")]
