"""Positions in JSON text, and minimal text edits that keep a file's formatting.

`json.loads` does the parsing. This module re-walks the text only when a finding or a fix needs
a position, skipping every value it does not descend into with the C decoder (`raw_decode`).
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

_decoder = json.JSONDecoder()
_ws = re.compile(r"[ \t\r\n]*")


def split_pointer(pointer: str) -> list[str]:
    """RFC 6901 pointer -> reference tokens."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _escape(token) -> str:
    token = str(token)
    return token.replace("~", "~0").replace("/", "~1") if "~" in token or "/" in token else token


def join_pointer(tokens) -> str:
    return "".join(["/" + _escape(t) for t in tokens])


def _skip(text: str, i: int) -> int:
    return _ws.match(text, i).end()


def _value_end(text: str, i: int) -> int:
    return _decoder.raw_decode(text, i)[1]


def _members(text: str, i: int):
    """Yield (key, key_start, value_start, value_end) for the object starting at text[i]."""
    i = _skip(text, i + 1)
    while text[i] != "}":
        key, after = scanstring(text, i + 1)
        start = _skip(text, _skip(text, after) + 1)
        end = _value_end(text, start)
        yield key, i, start, end
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)


def _elements(text: str, i: int):
    """Yield (value_start, value_end) for the array starting at text[i]."""
    i = _skip(text, i + 1)
    while text[i] != "]":
        end = _value_end(text, i)
        yield i, end
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)


def _child(text: str, i: int, token: str) -> int | None:
    if text[i] == "{":
        found = None
        for key, _, start, _ in _members(text, i):
            if key == token:
                found = start  # the last duplicate wins, as in json.loads
        return found
    if text[i] == "[" and token.isdigit():
        for n, (start, _) in enumerate(_elements(text, i)):
            if n == int(token):
                return start
    return None


def span(text: str, pointer: str) -> tuple[int, int] | None:
    """(start, end) offsets of the value at `pointer`, or None when it does not exist."""
    i = _skip(text, 0)
    for token in split_pointer(pointer):
        i = _child(text, i, token)
        if i is None:
            return None
    return i, _value_end(text, i)


class Locator:
    """`nearest` over one text, each object's or array's members walked once: the findings of
    a document share the walk to their common ancestors."""

    def __init__(self, text: str):
        self.text = text
        self._children: dict[int, dict[str, int] | list[int]] = {}

    def _child(self, i: int, token: str) -> int | None:
        children = self._children.get(i)
        if children is None:
            text = self.text
            if text[i] == "{":  # the last duplicate wins, as in json.loads
                children = {key: start for key, _, start, _ in _members(text, i)}
            else:
                children = [start for start, _ in _elements(text, i)] if text[i] == "[" else []
            self._children[i] = children
        if isinstance(children, dict):
            return children.get(token)
        return children[int(token)] if token.isdigit() and int(token) < len(children) else None

    def nearest(self, pointer: str) -> tuple[int, str]:
        """Offset of the value at `pointer`, or of its nearest existing ancestor, and that pointer."""
        tokens = split_pointer(pointer)
        i = _skip(self.text, 0)
        for n, token in enumerate(tokens):
            child = self._child(i, token)
            if child is None:
                return i, join_pointer(tokens[:n])
            i = child
        return i, pointer


def nearest(text: str, pointer: str) -> tuple[int, str]:
    """Offset of the value at `pointer`, or of its nearest existing ancestor, and that pointer."""
    return Locator(text).nearest(pointer)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


# ---- edits -------------------------------------------------------------------------------


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _indent_at(text: str, offset: int) -> str | None:
    """The whitespace before `offset` on its line, or None when other text precedes it."""
    line_start = text.rfind("\n", 0, offset) + 1
    prefix = text[line_start:offset]
    return prefix if not prefix.strip() else None


def _line_indent(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    return _ws.match(text, line_start).group().replace("\r", "").replace("\n", "")


def _indent_unit(text: str) -> str:
    """The file's indentation step, guessed from its first indented line."""
    m = re.search(r"\n([ \t]+)\S", text)
    return m.group(1) if m else "  "


def render(value, indent: str | None, unit: str, nl: str) -> str:
    """JSON for `value`: multi-line at `indent` in the file's style, or on one line."""
    if indent is None or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, indent=unit, ensure_ascii=False).replace("\n", nl + indent)


def _replace(text: str, start: int, end: int, value) -> str:
    old = text[start:end]
    indent = _line_indent(text, start) if "\n" in old else None
    return text[:start] + render(value, indent, _indent_unit(text), _newline(text)) + text[end:]


def _add_member(text: str, start: int, key: str, value) -> str:
    nl, unit = _newline(text), _indent_unit(text)
    members = list(_members(text, start))
    if not members:
        end = _value_end(text, start)
        outer = _line_indent(text, start)
        body = json.dumps(key) + ": " + render(value, outer + unit, unit, nl)
        return text[:start] + "{" + nl + outer + unit + body + nl + outer + "}" + text[end:]
    _, key_start, value_start, value_end = members[-1]
    last_key_end = scanstring(text, key_start + 1)[1]
    sep = text[last_key_end:value_start]
    indent = _indent_at(text, key_start)
    if indent is None:  # the object sits on one line: stay on it
        insert = ", " + json.dumps(key) + sep + render(value, None, unit, nl)
    else:
        insert = "," + nl + indent + json.dumps(key) + sep + render(value, indent, unit, nl)
    return text[:value_end] + insert + text[value_end:]


def _remove_member(text: str, start: int, key: str) -> str:
    members = list(_members(text, start))
    for n, (name, key_start, _, value_end) in enumerate(members):
        if name != key:
            continue
        if n > 0:  # take the comma before it
            return text[: members[n - 1][3]] + text[value_end:]
        if len(members) > 1:  # first of several: up to the next key
            return text[:key_start] + text[members[1][1] :]
        close = _value_end(text, start) - 1
        return text[: start + 1] + text[close:]
    raise KeyError(key)


def apply_ops(text: str, ops: list[dict]) -> str:
    """Apply RFC 6902 add/replace/remove ops (already checked on the data) to JSON text.

    Object members are inserted or removed in place; an array that changes is rewritten in the
    layout it had (one line or one element a line).
    """
    for op in ops:
        kind, tokens = op["op"], split_pointer(op["path"])
        if kind == "test":
            continue
        parent_ptr, last = join_pointer(tokens[:-1]), tokens[-1] if tokens else None
        if kind == "replace" or last is None:
            start, end = span(text, op["path"])
            text = _replace(text, start, end, op["value"])
            continue
        start, end = span(text, parent_ptr)
        if text[start] == "{":
            if kind == "add" and span(text, op["path"]) is not None:
                start, end = span(text, op["path"])
                text = _replace(text, start, end, op["value"])
            elif kind == "add":
                text = _add_member(text, start, last, op["value"])
            elif kind == "remove":
                text = _remove_member(text, start, last)
            else:
                raise ValueError(f"unsupported op {kind}")
        else:  # arrays: rewrite the whole array
            items = json.loads(text[start:end])
            index = len(items) if last == "-" else int(last)
            if kind == "add":
                items.insert(index, op["value"])
            elif kind == "remove":
                del items[index]
            else:
                raise ValueError(f"unsupported op {kind}")
            text = _replace(text, start, end, items)
    return text
