"""CloudFormation and SAM templates, JSON or YAML with short tags (CDK's synth output is the
JSON kind): each task definition resource becomes a TaskDef in PascalCase.

YAML is read with ruamel.yaml's composer, whose node tree keeps every value's exact span, so
positions are exact and a fix is spliced into the text: comments, tags, quoting, key order,
indentation and line endings outside the changed value stay as they were.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from . import suppress
from .jsonpos import join_pointer, line_col, split_pointer
from .model import TaskDef, is_unknown
from .sources import Document, InputError

TASK_TYPES = ("AWS::ECS::TaskDefinition", "AWS::ECS::DaemonTaskDefinition")
MAX_ALIAS_VALUES = 100_000  # values that YAML aliases may add by repeating their anchors
MAX_FLOW_DEPTH = 200  # ruamel's scanner is quadratic in flow nesting: refuse it before parsing
# MAX_FLOW_DEPTH openers with no closer, quote or comment between them
_DEEP_FLOW = re.compile(r"(?:[\[{][^\[\]{}'\"#]*){%d}" % MAX_FLOW_DEPTH)
_NO_VALUE = object()  # `!Ref AWS::NoValue`: the key is left out
_PLAIN_KEY = re.compile(r"[A-Za-z_][\w.-]*\Z")
_PLAIN = re.compile(r"(?!(?:true|false|null|yes|no|on|off|~)\Z)[A-Za-z_/][\w/.=+-]*(?: [\w/.=+-]+)*", re.I)


def cfn_tasks(data) -> list[TaskDef]:
    """A view of every task definition resource in a template (two where an `Fn::If` decides)."""
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        return []
    tasks = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") not in TASK_TYPES:
            continue
        props = resource.get("Properties")
        if isinstance(props, dict):
            views = _views(props, join_pointer(["Resources", logical_id, "Properties"]), logical_id)
            metadata = join_pointer(["Resources", logical_id, "Metadata"])
            for task in views:
                task.suppressions += suppress.from_metadata(resource.get("Metadata"), metadata)
            tasks += views
    return tasks


def _views(props: dict, pointer: str, label: str) -> list[TaskDef]:
    """The task as written, or, when it holds `Fn::If`, once with every first branch taken and
    once with every second; `AWS::NoValue` leaves its key out. What was resolved is opaque to fixes."""
    resolved: list[str] = []
    branches = [_resolve(props, branch, pointer, resolved) for branch in (0, 1)]
    if not resolved:
        return [_task(props, pointer, label, ())]
    return [_task(b, pointer, label, tuple(sorted(set(resolved)))) for b in branches]


def _task(props: dict, pointer: str, label: str, opaque: tuple[str, ...]) -> TaskDef:
    items = props.get("ContainerDefinitions")
    task = TaskDef.build(props, pointer, "pascal", pointer + "/ContainerDefinitions",
                         items if isinstance(items, list) else [], label)  # fmt: skip
    task.opaque = opaque
    return task


def _resolve(value, branch: int, pointer: str, resolved: list[str]):
    if isinstance(value, dict):
        args = value.get("Fn::If")
        if len(value) == 1 and isinstance(args, list) and len(args) == 3:
            resolved.append(pointer)
            return _resolve(args[1 + branch], branch, pointer, resolved)
        if value == {"Ref": "AWS::NoValue"}:
            resolved.append(pointer)
            return _NO_VALUE
        if is_unknown(value):
            return value
        out = {}
        for k, v in value.items():
            v = _resolve(v, branch, pointer + join_pointer([k]), resolved)
            if v is not _NO_VALUE:
                out[k] = v
        return out
    if isinstance(value, list):  # a dropped element stays as None so that later indexes hold
        items = [_resolve(v, branch, f"{pointer}/{i}", resolved) for i, v in enumerate(value)]
        return [None if v is _NO_VALUE else v for v in items]
    return value


# ---- YAML -----------------------------------------------------------------------------------


def _tag(node) -> str:
    tag = node.tag
    return str(getattr(tag, "value", tag) or "")


def _scalar(node):
    """The value of a scalar node as the YAML 1.2 core schema reads it."""
    tag, text = _tag(node), node.value
    try:
        if tag.endswith(":int"):
            base = {"0o": 8, "0x": 16}.get(text[:2].lower(), 10)
            return int(text[2:] if base != 10 else text, base)
        if tag.endswith(":float"):
            return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        return text
    if tag.endswith(":bool"):
        return text.lower() == "true"
    if tag.endswith(":null"):
        return None
    return text


def _function(tag: str) -> str:
    """The long-form key of a short tag: `!Ref` -> `Ref`, `!Sub` -> `Fn::Sub`."""
    name = tag[1:]
    return name if name in ("Ref", "Condition") else "Fn::" + name


def _build(node, pointer: str, nodes: dict, built: set, alias=None):
    """Plain data for a composed node, short tags in their long form (`!GetAtt a.b` ->
    {"Fn::GetAtt": ["a", "b"]}); `nodes` gets each pointer's node, `built` each node's id.
    An alias is the anchored node again (`alias`: the mark of the outermost one being expanded):
    the values it repeats are counted, so that an alias bomb stops early."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    nodes[pointer] = node
    if alias is None and id(node) in built:
        alias = node.start_mark
    if alias is not None and len(nodes) - len(built) > MAX_ALIAS_VALUES:
        message = f"YAML aliases of this anchor expand to more than {MAX_ALIAS_VALUES:,} values"
        raise InputError("", message, alias.line + 1, alias.column + 1)
    built.add(id(node))
    tag = _tag(node)
    short = tag.startswith("!") and not tag.startswith("!!")
    inner = pointer + join_pointer([_function(tag)]) if short else pointer
    if isinstance(node, MappingNode):
        value = {}
        for key, item in node.value:
            name = str(_scalar(key))
            value[name] = _build(item, inner + join_pointer([name]), nodes, built, alias)
    elif isinstance(node, SequenceNode):
        value = [_build(item, f"{inner}/{i}", nodes, built, alias) for i, item in enumerate(node.value)]
    else:
        value = node.value if short else _scalar(node)
    if not short:
        return value
    if tag == "!GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {_function(tag): value}


def compose(path: str, text: str):
    """(data, {pointer: node}) of a YAML document."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    deep = _DEEP_FLOW.search(text)
    if deep:
        raise InputError(path, f"YAML nested more than {MAX_FLOW_DEPTH} deep", *line_col(text, deep.start()))
    try:
        root = YAML(typ="safe", pure=True).compose(text)  # no comment gathering: twice as fast
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError(path, f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except RecursionError:
        raise InputError(path, "YAML nested too deeply") from None
    except YAMLError as exc:
        raise InputError(path, f"invalid YAML: {exc}") from None
    nodes: dict = {}
    try:
        return (_build(root, "", nodes, set()) if root is not None else None), nodes
    except InputError as exc:
        raise InputError(path, exc.message, exc.line, exc.column) from None
    except RecursionError:
        raise InputError(path, "YAML nested too deeply") from None


@dataclass
class YamlDocument(Document):
    nodes: dict = field(default_factory=dict, repr=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        tokens = split_pointer(pointer)
        while join_pointer(tokens) not in self.nodes:
            tokens.pop()
        mark = self.nodes[join_pointer(tokens)].start_mark
        return mark.line + 1, mark.column + 1

    def edited(self, ops: list[dict]) -> str:
        text = self.text
        try:
            for op in ops:
                if op["op"] != "test":
                    text = _edit(self.path, text, op)
        except InputError as exc:  # an earlier op left text that does not parse
            from .fixer import FixError

            raise FixError(f"fixing produced unreadable text ({exc.message}); file left as it was") from None
        return ("\ufeff" if self.bom else "") + text


def load_yaml(path: str, text: str, bom: bool) -> Document | None:
    """A YAML (or JSON) CloudFormation template, None for any other file. YAML that cannot be
    parsed is an error only when it names a task definition type: other YAML is not ours."""
    if not any(t in text for t in TASK_TYPES):
        return None
    if text.lstrip().startswith("{"):  # a JSON template (`.template`): the JSON splice keeps more
        from .sources import load_json

        return load_json(path, text, bom)
    data, nodes = compose(path, text)
    tasks = cfn_tasks(data)
    if not tasks:
        return None
    doc = YamlDocument(path, text, data, "cloudformation", tasks, bom, nodes)
    if "ecsinit-lint:" in text:
        suppress.attach_comments(doc, suppress.from_comments(enumerate(_comments_only(text, nodes), 1)))
    return doc


def _comments_only(text: str, nodes: dict) -> list[str]:
    """The text's lines with every scalar value blanked, so that only comments can match."""
    from ruamel.yaml.nodes import ScalarNode

    chars = list(text)
    for node in nodes.values():
        if isinstance(node, ScalarNode):
            for i in range(node.start_mark.index, node.end_mark.index):
                if chars[i] != "\n":
                    chars[i] = " "
    return "".join(chars).splitlines()


# ---- YAML edits: splice the changed value into the text ---------------------------------------


def _flow(value) -> str:
    """A value in YAML flow style (JSON scalars are valid YAML)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _like(text: str, node, value, nl: str) -> str:
    """A new value for a node, a string in the node's style: a literal block stays a block at its
    indentation, a quoted or plain scalar keeps its quotes where the new text allows."""
    style = getattr(node, "style", None)
    if not isinstance(value, str) or style not in ("|", ">", "'", None) or node.tag.endswith((":map", ":seq")):
        return _flow(value)
    if style in ("|", ">") and "\n" in value and not value.startswith((" ", "\n")):
        first = text.find("\n", node.start_mark.index) + 1
        indent = re.match(r" *", text[first:]).group()
        body = value[:-1] if value.endswith("\n") else value
        chomp = "-" if not value.endswith("\n") else "+" if value.endswith("\n\n") else ""
        return "|" + chomp + "".join(nl + (indent + line if line else "") for line in body.split("\n"))
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style is None and _PLAIN.fullmatch(value):
        return value
    return _flow(value)


def _key(name: str) -> str:
    return name if _PLAIN_KEY.match(name) and name not in ("true", "false", "null") else json.dumps(name)


def _block(name: str, value, indent: str, unit: str, nl: str) -> str:
    """`name: value` as block-style lines at `indent` (the first line without it)."""
    if isinstance(value, dict) and value:
        lines = [_block(k, v, indent + unit, unit, nl) for k, v in value.items()]
        return f"{_key(name)}:" + "".join(nl + indent + unit + line for line in lines)
    return f"{_key(name)}: {_flow(value)}"


def _end(text: str, node) -> int:
    """Where a node's own text ends: its last child's end for a block collection, trailing line
    breaks of a block scalar left out."""
    from ruamel.yaml.nodes import ScalarNode

    while not isinstance(node, ScalarNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(last, tuple) else last
    end = node.end_mark.index
    while end > node.start_mark.index and text[end - 1] in "\r\n":
        end -= 1
    return end


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    if end < 0:
        return len(text)
    return end - 1 if text[end - 1] == "\r" else end


def _edit(path: str, text: str, op: dict) -> str:
    from ruamel.yaml.nodes import MappingNode

    from .fixer import FixError

    _, nodes = compose(path, text)
    tokens = split_pointer(op["path"])
    node, parent = nodes.get(op["path"]), nodes.get(join_pointer(tokens[:-1]))
    nl = "\r\n" if "\r\n" in text else "\n"
    if op["op"] in ("add", "replace") and node is not None:
        start, end = node.start_mark.index, _end(text, node)
        if start == end and isinstance(parent, MappingNode):  # `Key:` with no value
            (key,) = [k for k, v in parent.value if v is node]
            start = end = text.index(":", key.end_mark.index) + 1
            return text[:start] + " " + _flow(op["value"]) + text[end:]
        return text[:start] + _like(text, node, op["value"], nl) + text[end:]
    if op["op"] == "add" and isinstance(parent, MappingNode):
        name, value = tokens[-1], op["value"]
        if parent.flow_style or not parent.value:
            if not parent.value:
                start, end = parent.start_mark.index, parent.end_mark.index
                return text[:start] + "{" + f"{_key(name)}: {_flow(value)}" + "}" + text[end:]
            at = _end(text, parent.value[-1][1])
            return text[:at] + f", {_key(name)}: {_flow(value)}" + text[at:]
        indent = " " * parent.value[-1][0].start_mark.column
        unit = re.search(r"\n( +)[^\s#]", text)
        at = _line_end(text, _end(text, parent.value[-1][1]))  # after a comment on that line
        return text[:at] + nl + indent + _block(name, value, indent, unit.group(1) if unit else "  ", nl) + text[at:]
    if op["op"] == "remove" and isinstance(parent, MappingNode) and not parent.flow_style:
        (key,) = [k for k, v in parent.value if v is node]
        start = text.rfind("\n", 0, key.start_mark.index) + 1
        if text[start : key.start_mark.index].strip():  # `- Key: …`: the dash stays
            raise FixError(f"cannot remove {op['path']} from the line that starts its list item")
        end = text.find("\n", _end(text, node))
        return text[:start] + (text[end + 1 :] if end >= 0 else "")
    raise FixError(f"cannot apply {op['op']} {op['path']} to this YAML layout; file left as it was")
