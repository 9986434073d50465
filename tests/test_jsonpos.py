import json

import jsonpatch
import pytest

from ecsinit_lint.core import pointer
from ecsinit_lint.inputs import jsonpos

TEXT = '{\n\t"a/b": {"x~y": [1, {"k": "v"}]},\n\t"dup": 1,\n\t"dup": {"z": true}\n}\n'


@pytest.mark.parametrize(
    ("pointer", "value_text", "line_col"),
    [
        ("", TEXT.strip(), (1, 1)),
        ("/a~1b", '{"x~y": [1, {"k": "v"}]}', (2, 9)),
        ("/a~1b/x~0y/1/k", '"v"', (2, 27)),
        ("/dup", '{"z": true}', (4, 9)),  # the last duplicate wins, as in json.loads
    ],
)
def test_span_follows_rfc6901(pointer, value_text, line_col):
    start, end = jsonpos.span(TEXT, pointer)
    assert TEXT[start:end] == value_text
    assert jsonpos.line_col(TEXT, start) == line_col


def test_nearest_existing_ancestor():
    offset, found = jsonpos.nearest(TEXT, "/a~1b/x~0y/7/q")
    assert found == "/a~1b/x~0y" and TEXT[offset] == "["
    assert jsonpos.span(TEXT, "/missing") is None


def test_pointer_round_trip():
    tokens = ["a/b", "x~y", "0"]
    assert pointer.split_pointer(pointer.join_pointer(tokens)) == tokens


@pytest.mark.parametrize(
    "text",
    [
        '{\n  "c": {\n    "name": "x"\n  }\n}\n',
        '{\r\n    "c": {\r\n        "name": "x"\r\n    }\r\n}\r\n',
        '{"c": {"name": "x"}}',
        '{\n\t"c": {}\n}\n',
    ],
    ids=["2 spaces", "CRLF 4 spaces", "one line", "tabs, empty object"],
)
def test_edits_keep_style_and_match_the_patch(text):
    ops = [
        {"op": "add", "path": "/c/lp", "value": {"initProcessEnabled": True}},
        {"op": "add", "path": "/c/list", "value": ["a", "b"]},
        {"op": "replace", "path": "/c/list", "value": ["a", "b", "c"]},
        {"op": "add", "path": "/c/list/1", "value": "x"},
        {"op": "remove", "path": "/c/lp"},
    ]
    for n in range(1, len(ops) + 1):
        edited = jsonpos.apply_ops(text, ops[:n])
        assert json.loads(edited) == jsonpatch.apply_patch(json.loads(text), ops[:n])
        if "\r\n" in text:
            assert "\n" not in edited.replace("\r\n", "")
        if "\n" not in text:
            assert "\n" not in edited


def test_added_member_uses_the_files_indentation():
    text = '{\n    "c": {\n        "name": "x"\n    }\n}\n'
    edited = jsonpos.apply_ops(text, [{"op": "add", "path": "/c/lp", "value": {"initProcessEnabled": True}}])
    assert edited == (
        '{\n    "c": {\n        "name": "x",\n        "lp": {\n'
        '            "initProcessEnabled": true\n        }\n    }\n}\n'
    )


def test_removing_first_and_only_members():
    assert jsonpos.apply_ops('{"a": 1, "b": 2}', [{"op": "remove", "path": "/a"}]) == '{"b": 2}'
    assert jsonpos.apply_ops('{"a": 1}', [{"op": "remove", "path": "/a"}]) == "{}"


@pytest.mark.parametrize("nl", ["\n", "\r\n"])
def test_what_follows_the_last_value_on_its_line_stays_there(nl):
    """Trailing whitespace after the last member stays on that line, the new member on its own."""
    text = nl.join(["{", '  "c": {', '    "name": "x" \t', "  }  ", "}", ""])
    edited = jsonpos.apply_ops(
        text, [{"op": "add", "path": "/c/lp", "value": True}, {"op": "add", "path": "/d", "value": 1}]
    )
    assert edited == nl.join(["{", '  "c": {', '    "name": "x", \t', '    "lp": true', "  },  ", '  "d": 1', "}", ""])
