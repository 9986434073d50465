"""Positions in JSON text, and minimal text edits that keep a file's formatting.

`json.loads` does the parsing. This module re-walks the text only when a finding or a fix needs
a position, skipping every value it does not descend into with the C decoder (`raw_decode`).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from json.decoder import scanstring

from ..core.pointer import join_pointer, split_pointer

_decoder = json.JSONDecoder()
_ws = re.compile(r"[ \t\r\n]*")
_ws_on_line = re.compile(r"[ \t]*")
_colon = re.compile(r"[ \t\r\n]*:[ \t\r\n]*")
_comma = re.compile(r"[ \t\r\n]*,?[ \t\r\n]*")


def _skip(text: str, i: int) -> int:
    return _ws.match(text, i).end()


def _value_end(text: str, i: int) -> int:
    return _decoder.raw_decode(text, i)[1]


def _entries(text: str, i: int):
    """Yield (key, key_start, value_start) for each member of the object at text[i], or (None,
    start, start) for each element of the array there. A value is skipped, by decoding it, only
    when the walk goes on past it."""
    close = "}" if text[i] == "{" else "]"
    i = _skip(text, i + 1)
    while text[i] != close:
        key, start = None, i
        if close == "}":
            key, after = scanstring(text, i + 1)
            start = _colon.match(text, after).end()
        yield key, i, start
        i = _comma.match(text, _value_end(text, start)).end()


def _members(text: str, i: int) -> list[tuple[str, int, int, int]]:
    """(key, key_start, value_start, value_end) for the object starting at text[i]."""
    return [(key, k, start, _value_end(text, start)) for key, k, start in _entries(text, i)]


def span(text: str, pointer: str) -> tuple[int, int] | None:
    """(start, end) offsets of the value at `pointer`, or None when it does not exist."""
    start, found = Locator(text).nearest(pointer)
    return (start, _value_end(text, start)) if found == pointer else None


@lru_cache(maxsize=256)
def _key(token: str) -> re.Pattern:
    return re.compile(re.escape(json.dumps(token)) + r"[ \t\r\n]*:[ \t\r\n]*")


def _member(text: str, i: int, token: str) -> int | None:
    """Offset of the value of the key `token` in the object at text[i], in an object that repeats
    no key: found by searching for the key, and taken when the text before it in the object is
    whole members (one decode in C, not a walk in Python). None when it is not there, or not
    written as json.dumps writes it (`\\u` escapes: the walk decides then)."""
    for m in _key(token).finditer(text, i + 1):
        before = text[i + 1 : m.start()].rstrip(" \t\r\n")
        wrapped = "{" + before.removesuffix(",") + "}"
        try:
            end = _decoder.raw_decode(wrapped)[1]
        except ValueError:
            continue  # a key nested in an earlier member's value
        return m.end() if end == len(wrapped) else None  # else: past the object's end
    return None


class Locator:
    """`nearest` over one text. Each object's or array's members are walked once, and only as
    far as a pointer needs: the findings of a document share the walk. With `unique` (the parse
    found no repeated key) the first key that matches is the one; otherwise the last one is,
    as in json.loads, and an object is walked to its end."""

    def __init__(self, text: str, unique: bool = False):
        self.text = text
        self.unique = unique
        self._children: dict[int, list] = {}  # offset -> [children seen so far, the rest of the walk]
        self._found: dict[tuple[int, str], int | None] = {}  # (offset, key) -> what _member found

    def _child(self, i: int, token: str) -> int | None:
        if self.unique and self.text[i] == "{":
            found = self._found.get((i, token))
            if found is None:
                found = self._found[i, token] = _member(self.text, i, token)
            if found is not None:
                return found
        entry = self._children.get(i)
        if entry is None:
            opener = self.text[i]
            walk = ((key, start) for key, _, start in _entries(self.text, i)) if opener in "{[" else iter(())
            entry = self._children[i] = [{} if opener == "{" else [], walk]
        seen, rest = entry
        if isinstance(seen, dict):
            if token in seen and self.unique:
                return seen[token]
            for key, start in rest:
                seen[key] = start
                if key == token and self.unique:
                    return start
            return seen.get(token)
        if not token.isdigit():
            return None
        index = int(token)
        for _, start in rest:
            seen.append(start)
            if len(seen) > index:
                break
        return seen[index] if index < len(seen) else None

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


_KEY_SEP = re.compile(r'"(?:[^"\\\n]|\\.)*"([ \t]*:[ \t]*)')  # the first string of an object is a key


def _key_sep(text: str) -> str:
    """The file's `:` between key and value, with the spaces around it (`": "` when no key says)."""
    m = _KEY_SEP.search(text)
    return m.group(1) if m else ": "


def render(value, indent: str | None, unit: str, nl: str, key_sep: str = ": ") -> str:
    """JSON for `value`: multi-line at `indent` in the file's style, or on one line; with the
    file's separators (a compact `"k":v` file stays compact)."""
    item_sep = "," if indent is not None or not key_sep.endswith(" ") else ", "
    if indent is None or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False, separators=(item_sep, key_sep))
    text = json.dumps(value, indent=unit, ensure_ascii=False, separators=(item_sep, key_sep))
    return text.replace("\n", nl + indent)


_OWN_LINE = re.compile(r'[ \t]*(?:"(?:[^"\\\n]|\\.)*"[ \t]*:[ \t]*)?')  # indentation, maybe a key


def _replace(text: str, start: int, end: int, value) -> str:
    """The value at text[start:end] replaced, in its layout: a list or object on one line stays
    on one line; a scalar on a line of its own (after its key) gives way to lines, as its siblings are."""
    old = text[start:end]
    multiline = "\n" in old or (
        old[:1] not in "[{" and _OWN_LINE.fullmatch(text, text.rfind("\n", 0, start) + 1, start)
    )
    indent = _line_indent(text, start) if multiline else None
    return text[:start] + render(value, indent, _indent_unit(text), _newline(text), _key_sep(text)) + text[end:]


def _add_member(text: str, start: int, key: str, value) -> str:
    nl, unit = _newline(text), _indent_unit(text)
    members = _members(text, start)
    if not members:
        end, key_sep = _value_end(text, start), _key_sep(text)
        if "\n" not in text.strip():  # a file on one line stays on it
            return (
                text[:start]
                + "{"
                + json.dumps(key)
                + key_sep
                + render(value, None, unit, nl, key_sep)
                + "}"
                + text[end:]
            )
        outer = _line_indent(text, start)
        body = json.dumps(key) + key_sep + render(value, outer + unit, unit, nl, key_sep)
        return text[:start] + "{" + nl + outer + unit + body + nl + outer + "}" + text[end:]
    _, key_start, value_start, value_end = members[-1]
    last_key_end = scanstring(text, key_start + 1)[1]
    sep = text[last_key_end:value_start]
    key_sep = sep if "\n" not in sep else _key_sep(text)
    indent = _indent_at(text, key_start)
    if indent is None:  # the object sits on one line: stay on it, with its separator between members
        between = text[members[-2][3] : members[-1][1]] if len(members) > 1 else ""
        item_sep = between if between and "\n" not in between else "," + " " * key_sep.endswith(" ")
        insert = item_sep + json.dumps(key) + key_sep + render(value, None, unit, nl, key_sep)
        return text[:value_end] + insert + text[value_end:]
    # on a line of its own at the last member's indentation; what follows that value on its line stays
    eol = _ws_on_line.match(text, value_end).end()
    insert = nl + indent + json.dumps(key) + key_sep + render(value, indent, unit, nl, key_sep)
    return text[:value_end] + "," + text[value_end:eol] + insert + text[eol:]


def _remove_member(text: str, start: int, key: str) -> str:
    members = _members(text, start)
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
