"""Terraform: the JSON of `terraform show -json` (plan or state), and `.tf` files read with
python-hcl2, whose Lark tree keeps every expression's span.

In a `.tf` file each `aws_ecs_task_definition`'s `container_definitions` is read when it is
`jsonencode(<literal>)` or a heredoc of JSON (both fixed in place), or `file("x.json")` /
`templatefile("x.tpl", …)` with a literal path (linted; the change is for that file). The
document's data is `{resource address: container definitions}`; interpolations and other
expressions are unknown values (`{"__unknown__": "<source>"}`).
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from dataclasses import dataclass, field

from . import jsonpos
from .jsonpos import join_pointer, split_pointer
from .model import TaskDef
from .sources import Document, InputError

RESOURCE = "aws_ecs_task_definition"
_IDENT = re.compile(r"[A-Za-z_][\w-]*\Z")
_TEMPLATE = re.compile(r"[$%]\{")


# ---- terraform show -json -----------------------------------------------------------------


def _modules(module: dict, pointer: str):
    yield module, pointer
    for i, child in enumerate(module.get("child_modules") or []):
        if isinstance(child, dict):
            yield from _modules(child, f"{pointer}/child_modules/{i}")


def plan_tasks(data: dict) -> list[TaskDef]:
    """Every task definition of a plan's planned values or a state's values; findings point at
    the `container_definitions` string, which the plan cannot be fixed in (the .tf file can)."""
    top = "planned_values" if isinstance(data.get("planned_values"), dict) else "values"
    root = (data.get(top) or {}).get("root_module")
    tasks = []
    for module, pointer in _modules(root, f"/{top}/root_module") if isinstance(root, dict) else ():
        for i, resource in enumerate(module.get("resources") or []):
            if not isinstance(resource, dict) or resource.get("type") != RESOURCE:
                continue
            values = resource.get("values") or {}
            try:
                containers = json.loads(values.get("container_definitions"))
            except (TypeError, ValueError):
                continue  # not known until apply
            if isinstance(containers, list):
                base = f"{pointer}/resources/{i}/values"
                tasks.append(_task(values, base, base + "/container_definitions", containers, resource.get("address")))
    return tasks


def _task(attrs: dict, pointer: str, containers_ptr: str, containers: list, address) -> TaskDef:
    """A TaskDef from a resource's snake_case attributes, opaque to fixes below `pointer`."""
    platform = attrs.get("runtime_platform")
    platform = platform[0] if isinstance(platform, list) and platform else platform
    family = platform.get("operating_system_family") if isinstance(platform, dict) else None
    data = {"family": attrs.get("family"), "pidMode": attrs.get("pid_mode"),
            "runtimePlatform": {"operatingSystemFamily": family}}  # fmt: skip
    task = TaskDef.build(data, pointer, "camel", containers_ptr, containers, address)
    task.opaque = (pointer,)
    return task


# ---- .tf ------------------------------------------------------------------------------------


def _trees(tree, name: str):
    from lark import Tree

    return [c for c in tree.children if isinstance(c, Tree) and c.data == name]


def _exprs(tree) -> list:
    """The expression children of a tuple, an object element or an attribute, in order."""
    from lark import Tree

    skip = ("new_line_or_comment", "object_elem_key", "identifier")
    return [c for c in tree.children if isinstance(c, Tree) and c.data not in skip]


def _unknown(text: str, tree) -> dict:
    return {"__unknown__": text[tree.meta.start_pos : tree.meta.end_pos]}


def _string(text: str, tree):
    """A quoted HCL string's value, unknown when it interpolates."""
    raw = text[tree.meta.start_pos : tree.meta.end_pos]
    if _TEMPLATE.search(raw.replace("$${", "").replace("%%{", "")):
        return _unknown(text, tree)
    try:
        return json.loads(raw.replace("$${", "${").replace("%%{", "%{"))
    except ValueError:
        return _unknown(text, tree)


def _hcl(text: str, tree, pointer: str, spans: dict):
    """Plain data for a literal HCL expression; `spans` gets each pointer's tree."""
    from lark import Tree

    spans[pointer] = tree
    kids = [c for c in tree.children if not (isinstance(c, Tree) and c.data == "new_line_or_comment")]
    if tree.data == "expr_term" and len(kids) == 1 and isinstance(kids[0], Tree):
        return _hcl(text, kids[0], pointer, spans)
    if tree.data == "literal_value" and len(kids) == 1:
        return {"true": True, "false": False, "null": None}.get(str(kids[0]), _unknown(text, tree))
    if tree.data in ("int_lit", "float_lit"):
        return json.loads(str(kids[0]))
    if tree.data == "string":
        return _string(text, tree)
    if tree.data == "tuple":
        return [_hcl(text, t, f"{pointer}/{i}", spans) for i, t in enumerate(_exprs(tree))]
    if tree.data == "object":
        value = {}
        for elem in _trees(tree, "object_elem"):
            key = _key_name(text, _trees(elem, "object_elem_key")[0])
            if key is None:
                return _unknown(text, tree)
            value[key] = _hcl(text, _exprs(elem)[-1], pointer + join_pointer([key]), spans)
        return value
    return _unknown(text, tree)


def _key_name(text: str, key_tree) -> str | None:
    from lark import Token

    node = key_tree
    while len(node.children) == 1 and not isinstance(node.children[0], Token):
        node = node.children[0]
    if node.data == "string":
        value = _string(text, node)
        return value if isinstance(value, str) else None
    if node.data == "identifier":
        return str(node.children[0])
    return None


def _literal_path(text: str, call) -> str | None:
    args = [t for a in _trees(call, "arguments") for t in _exprs(a)]
    value = _hcl(text, args[0], "", {}) if args else None
    return value if isinstance(value, str) else None


def _fill_template(source: str) -> str:
    """Template text as JSON: a bare `${…}` becomes an unknown-value object."""
    return re.sub(r'(?<!["\w$])\$\{([^{}]*)\}', lambda m: json.dumps({"__unknown__": m.group(0)}), source)


def _interpolated(value):
    """JSON from a template with each string that interpolates made an unknown value."""
    if isinstance(value, dict):
        return {k: _interpolated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolated(v) for v in value]
    if isinstance(value, str) and _TEMPLATE.search(value.replace("$${", "").replace("%%{", "")):
        return {"__unknown__": value}
    return value


@dataclass
class Part:
    """One `container_definitions` value: where it is and how it reads."""

    address: str
    kind: str  # "hcl" (jsonencode literal), "heredoc" (JSON text), "file" (linted, not edited here)
    tree: object
    data: list
    spans: dict = field(default_factory=dict)  # hcl: pointer below the part -> tree
    body: int = 0  # heredoc: offset of its JSON text


def _part(path: str, text: str, address: str, expr) -> Part | None:
    from lark import Token

    node = expr
    while len(node.children) == 1 and not isinstance(node.children[0], Token) and node.data == "expr_term":
        node = node.children[0]
    if node.data == "function_call":
        name = str(_trees(node, "identifier")[0].children[0])
        if name == "jsonencode":
            spans: dict = {}
            args = [t for a in _trees(node, "arguments") for t in _exprs(a)]
            data = _hcl(text, args[0], "", spans) if len(args) == 1 else None
            return Part(address, "hcl", node, data, spans) if isinstance(data, list) else None
        if name in ("file", "templatefile"):
            return _file_part(path, text, address, node)
        return None
    if len(node.children) == 1 and isinstance(node.children[0], Token) and node.children[0].startswith("<<"):
        token = node.children[0]
        start = token.start_pos + token.index("\n") + 1
        end = text.rfind("\n", start, token.end_pos - 1) + 1
        body = text[start:end]
        try:
            return Part(address, "heredoc", node, _interpolated(json.loads(body)), body=start)
        except ValueError:
            pass
        try:  # a template: linted, left to the user to edit
            return Part(address, "file", node, _interpolated(json.loads(_fill_template(body))))
        except ValueError:
            return None
    return None


def _file_part(path: str, text: str, address: str, call) -> Part | None:
    name = _literal_path(text, call)
    if name is None:
        return None
    source = os.path.join(os.path.dirname(path), name)
    try:
        with open(source, encoding="utf-8-sig") as f:
            data = json.loads(_fill_template(f.read()))
    except (OSError, ValueError):
        return None
    return Part(address, "file", call, _interpolated(data)) if isinstance(data, list) else None


def parse_tf(path: str, text: str) -> list[tuple[Part, dict]]:
    """(part, the resource's other attributes) for each task definition with readable containers."""
    import hcl2
    from lark.exceptions import LarkError

    try:
        tree = hcl2.parses_to_tree(text)
    except LarkError as exc:
        message = str(exc).splitlines()[0].split(" at line ")[0]
        raise InputError(path, f"invalid HCL: {message}", getattr(exc, "line", 1), getattr(exc, "column", 1)) from None
    found = []
    for block in _trees(_trees(tree, "body")[0], "block"):
        labels = [_key_name(text, s) for s in _trees(block, "string")]
        if str(_trees(block, "identifier")[0].children[0]) != "resource" or labels[:1] != [RESOURCE]:
            continue
        address = ".".join(labels)
        attrs, part = {}, None
        body = _trees(block, "body")[0]
        for attr in _trees(body, "attribute"):
            name = str(_trees(attr, "identifier")[0].children[0])
            expr = _exprs(attr)[-1]
            if name == "container_definitions":
                part = _part(path, text, address, expr)
            else:
                attrs[name] = _hcl(text, expr, "", {})
        for inner in _trees(body, "block"):  # runtime_platform { … }
            name = str(_trees(inner, "identifier")[0].children[0])
            attrs[name] = {str(_trees(a, "identifier")[0].children[0]): _hcl(text, _exprs(a)[-1], "", {})
                           for a in _trees(_trees(inner, "body")[0], "attribute")}  # fmt: skip
        if part is not None:
            found.append((part, attrs))
    return found


@dataclass
class TfDocument(Document):
    parts: dict = field(default_factory=dict, repr=False)  # address -> Part

    def locate(self, pointer: str) -> tuple[int, int]:
        return jsonpos.line_col(self.text, _offset(self.text, self.parts, pointer))

    def edited(self, ops: list[dict]) -> str:
        text = self.text
        try:
            for op in ops:
                if op["op"] != "test":
                    parts = {p.address: p for p, _ in parse_tf(self.path, text)}
                    text = _edit(text, parts, op)
        except InputError as exc:  # an earlier op left text that does not parse
            from .fixer import FixError

            raise FixError(f"fixing produced unreadable text ({exc.message}); file left as it was") from None
        return ("\ufeff" if self.bom else "") + text


def load_tf(path: str, text: str, bom: bool) -> Document | None:
    if RESOURCE not in text or "container_definitions" not in text:
        return None
    found = parse_tf(path, text)
    tasks = []
    for part, attrs in found:
        pointer = join_pointer([part.address])
        task = _task(attrs, pointer, pointer, part.data, part.address)
        task.opaque = (pointer,) if part.kind == "file" else ()
        tasks.append(task)
    if not tasks:
        return None
    data = {part.address: part.data for part, _ in found}
    return TfDocument(path, text, data, "terraform", tasks, bom, {p.address: p for p, _ in found})


def _split(parts: dict, pointer: str) -> tuple[Part, str]:
    tokens = split_pointer(pointer)
    return parts[tokens[0]], join_pointer(tokens[1:])


def _offset(text: str, parts: dict, pointer: str) -> int:
    """Offset of the value at `pointer` or of its nearest ancestor."""
    part, inner = _split(parts, pointer)
    if part.kind == "heredoc":
        return part.body + jsonpos.nearest(text[part.body :], inner)[0]
    if part.kind == "hcl":
        tokens = split_pointer(inner)
        while join_pointer(tokens) not in part.spans:
            tokens.pop()
        return part.spans[join_pointer(tokens)].meta.start_pos
    return part.tree.meta.start_pos


# ---- .tf edits ------------------------------------------------------------------------------


def render(value) -> str:
    """A value as an HCL expression on one line."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_hcl_key(k)} = {render(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")
    return json.dumps(value)


def _hcl_key(name: str) -> str:
    return name if _IDENT.match(name) else json.dumps(name)


def _edit(text: str, parts: dict, op: dict) -> str:
    from .fixer import FixError

    part, inner = _split(parts, op["path"])
    if part.kind == "heredoc":
        end = text.rfind("\n", part.body, part.tree.meta.end_pos - 1) + 1
        body = text[part.body : end]
        lines = [line for line in body.splitlines() if line.strip()]
        margin = os.path.commonprefix([line[: len(line) - len(line.lstrip())] for line in lines])
        body = jsonpos.apply_ops(textwrap.dedent(body), [{**op, "path": inner}])
        return text[: part.body] + textwrap.indent(body, margin) + text[end:]
    if part.kind != "hcl":
        raise FixError(f"{op['path']} is not literal in this file")
    tokens = split_pointer(inner)
    node, parent = part.spans.get(inner), part.spans.get(join_pointer(tokens[:-1]))
    if op["op"] in ("add", "replace") and node is not None:
        return text[: node.meta.start_pos] + render(op["value"]) + text[node.meta.end_pos :]
    obj = _object(parent)
    if op["op"] == "add" and obj is not None:
        member = f"{_hcl_key(tokens[-1])} = {render(op['value'])}"
        elems = _trees(obj, "object_elem")
        if not elems:
            return text[: obj.meta.start_pos] + "{ " + member + " }" + text[obj.meta.end_pos :]
        last, first = elems[-1].meta, elems[0].meta
        if "\n" not in text[obj.meta.start_pos : first.start_pos]:  # one line: stay on it
            return text[: last.end_pos] + ", " + member + text[last.end_pos :]
        line_start = text.rfind("\n", 0, first.start_pos) + 1
        indent = text[line_start : first.start_pos]
        at = last.end_pos + len(re.match(r"[ \t]*,?", text[last.end_pos :]).group())
        nl = "\r\n" if "\r\n" in text else "\n"
        return text[:at] + nl + indent + member + text[at:]
    raise FixError(f"cannot apply {op['op']} {op['path']} to this HCL; file left as it was")


def _object(tree):
    """The object constructor an expression is, or None."""
    while tree is not None and tree.data == "expr_term" and len(_trees(tree, "object")) == 1:
        tree = _trees(tree, "object")[0]
    return tree if tree is not None and tree.data == "object" else None
