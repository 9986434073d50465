"""CloudFormation and SAM templates, JSON or YAML with short tags (CDK's synth output is the
JSON kind): each task definition resource becomes a TaskDef in PascalCase.

YAML is read with ruamel.yaml's composer, whose node tree keeps every value's exact span, so
positions are exact and a fix is spliced into the text: comments, tags, quoting, key order,
indentation and line endings outside the changed value stay as they were.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

from ..core import suppress
from ..core.pointer import join_pointer, split_pointer
from ..core.taskdef import TaskDef, is_unknown
from ..errors import FixError, InputError
from .document import Document
from .jsonpos import line_col

TASK_TYPES = ("AWS::ECS::TaskDefinition", "AWS::ECS::DaemonTaskDefinition")
MAX_ALIAS_VALUES = 100_000  # values that YAML aliases may add by repeating their anchors
MAX_FLOW_DEPTH = 200  # ruamel's scanner is quadratic in flow nesting: refuse it before parsing
# MAX_FLOW_DEPTH openers with no closer, quote or comment between them
_DEEP_FLOW = re.compile(r"(?:[\[{][^\[\]{}'\"#]*){%d}" % MAX_FLOW_DEPTH)
_NO_VALUE = object()  # `!Ref AWS::NoValue`: the key is left out
_PLAIN_KEY = re.compile(r"[A-Za-z_][\w.-]*\Z")


def cfn_tasks(data, root: str = "") -> list[TaskDef]:
    """A view of every task definition resource in a template (two where an `Fn::If` decides);
    `root` is the template's pointer (a document of a YAML stream)."""
    resources = data.get("Resources") if isinstance(data, dict) else None
    if not isinstance(resources, dict):
        return []
    return _tasks_in(resources, root + "/Resources")


def _tasks_in(resources: dict, pointer: str) -> list[TaskDef]:
    """The task definitions of a `Resources` mapping, and of the template of each `Fn::ForEach`
    loop in it (AWS::LanguageExtensions), read once as written: what the loop substitutes
    (`${Name}`) is a placeholder, and a fix there is one to every resource the loop makes."""
    tasks = []
    for logical_id, resource in resources.items():
        here = pointer + join_pointer([logical_id])
        if logical_id.startswith("Fn::ForEach::") and isinstance(resource, list) and len(resource) == 3:
            tasks += _tasks_in(resource[2], here + "/2") if isinstance(resource[2], dict) else []
            continue
        if not isinstance(resource, dict) or resource.get("Type") not in TASK_TYPES:
            continue
        props = resource.get("Properties")
        if isinstance(props, dict):
            views = _views(props, here + "/Properties", logical_id)
            for task in views:
                task.suppressions += suppress.from_metadata(resource.get("Metadata"), here + "/Metadata")
            tasks += views
    return tasks


def _views(props: dict, pointer: str, label: str) -> list[TaskDef]:
    """The task as written, or, when it holds `Fn::If`, once with every first branch taken and
    once with every second; `AWS::NoValue` leaves its key out. What was resolved is opaque to fixes.
    A branch whose properties are no mapping (`!Ref AWS::NoValue`: no resource) has no task."""
    resolved: list[str] = []
    branches = [_resolve(props, branch, pointer, resolved) for branch in (0, 1)]
    if not resolved:
        return [] if is_unknown(props) else [_task(props, pointer, label, ())]
    opaque = tuple(sorted(set(resolved)))
    views = [(which, _task(b, pointer, label, opaque)) for which, b in zip(("first", "second"), branches)
             if isinstance(b, dict) and not is_unknown(b)]  # fmt: skip
    for _, task in views:
        task.views = views
    return [task for _, task in views]


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


@dataclass
class _Alias:
    """An alias (`*name`) where it is written; the composer alone gives the anchored node again."""

    target: object
    start_mark: object
    end_mark: object


@functools.cache
def _composer():
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.events import AliasEvent

    class AliasComposer(Composer):
        def compose_node(self, parent, index):
            if self.parser.check_event(AliasEvent):
                event = self.parser.peek_event()
                return _Alias(super().compose_node(parent, index), event.start_mark, event.end_mark)
            return super().compose_node(parent, index)

    return AliasComposer


class _Stream:
    """Plain data of a composed YAML stream: short tags in their long form (`!GetAtt a.b` ->
    {"Fn::GetAtt": ["a", "b"]}), aliases expanded, merge keys (`<<: *base`) resolved.

    `nodes`: each pointer's node (an alias's where it is written); `shared`: the pointers whose
    value is an anchor's that an alias or merge key repeats elsewhere, with the anchor's name.
    The values aliases repeat are counted, so that an alias bomb stops early."""

    def __init__(self, roots: list):
        self.nodes: dict = {}
        self.shared: dict[str, str] = {}
        self._first: dict[int, str] = {}  # id of an anchored node -> its pointer
        self._aliased: dict[int, str] = {}  # id of an anchored node an alias repeats -> its anchor
        self._repeated = 0
        pointers = [""] if len(roots) == 1 else [f"/{i}" for i in range(len(roots))]
        self.documents = [(ptr, self._build(root, ptr)) for ptr, root in zip(pointers, roots)]
        self.data = self.documents[0][1] if len(roots) == 1 else [data for _, data in self.documents] or None
        for node, anchor in self._aliased.items():
            if node in self._first:
                self.shared[self._first[node]] = anchor

    def _build(self, node, pointer: str, alias=None):
        """`alias`: the mark of the anchor whose alias is being expanded (the outermost)."""
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        self.nodes[pointer] = node
        if isinstance(node, _Alias):
            alias, node = alias or node.target.start_mark, node.target  # the anchor it repeats
            self.shared[pointer] = self._aliased[id(node)] = node.anchor
        elif alias is None and node.anchor is not None:
            self._first[id(node)] = pointer
        if alias is not None:
            self._repeated += 1
            if self._repeated > MAX_ALIAS_VALUES:
                message = f"YAML aliases of this anchor expand to more than {MAX_ALIAS_VALUES:,} values"
                raise InputError("", message, alias.line + 1, alias.column + 1)
        tag = _tag(node)
        short = tag.startswith("!") and not tag.startswith("!!")
        inner = pointer + join_pointer([_function(tag)]) if short else pointer
        if isinstance(node, MappingNode):
            value = {}
            for name, item, anchor, mark in self._pairs(node):
                child = inner + join_pointer([name])
                if anchor is not None:  # a merged key: its value is the anchor's
                    self.shared[child] = anchor
                value[name] = self._build(item, child, alias or mark)
        elif isinstance(node, SequenceNode):
            value = [self._build(item, f"{inner}/{i}", alias) for i, item in enumerate(node.value)]
        else:
            value = node.value if short else _scalar(node)
        if not short:
            return value
        if tag == "!GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {_function(tag): value}

    def _pairs(self, node) -> list[tuple]:
        """A mapping's (name, value node, anchor, mark) entries: its own keys, then the keys its
        merge keys bring that it lacks, the first mapping merged winning. `anchor` and `mark`
        (None for its own) name the anchor of a merged value and where the merge key is."""
        from ruamel.yaml.nodes import MappingNode, SequenceNode

        own, merged = [], []
        for key, item in node.value:
            key = key.target if isinstance(key, _Alias) else key
            if not _tag(key).endswith(":merge"):
                own.append((str(_scalar(key)), item, None, None))
                continue
            for source in item.value if isinstance(item, SequenceNode) else [item]:
                if isinstance(source, _Alias):
                    source = source.target
                    self._aliased[id(source)] = source.anchor
                if not isinstance(source, MappingNode):
                    mark = source.start_mark
                    raise InputError(
                        "", "a merge key `<<` takes a mapping or a list of them", mark.line + 1, mark.column + 1
                    )
                merged += [(name, v, source.anchor or a, key.start_mark) for name, v, a, _ in self._pairs(source)]
        names = {name for name, *_ in own}
        for entry in merged:
            if entry[0] not in names:
                names.add(entry[0])
                own.append(entry)
        return own


def compose(path: str, text: str) -> _Stream:
    """The YAML stream in `text`: its documents' data, nodes and shared pointers."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    deep = _DEEP_FLOW.search(text)
    if deep:
        raise InputError(path, f"YAML nested more than {MAX_FLOW_DEPTH} deep", *line_col(text, deep.start()))
    yaml = YAML(typ="safe", pure=True)  # no comment gathering: twice as fast
    yaml.Composer = _composer()
    try:
        roots = list(yaml.compose_all(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError(path, f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except RecursionError:
        raise InputError(path, "YAML nested too deeply") from None
    except YAMLError as exc:
        raise InputError(path, f"invalid YAML: {exc}") from None
    try:
        return _Stream(roots)
    except InputError as exc:
        raise InputError(path, exc.message, exc.line, exc.column) from None
    except RecursionError:
        raise InputError(path, "YAML nested too deeply") from None


@dataclass
class YamlDocument(Document):
    """A YAML CloudFormation template (or stream of them); `nodes` holds each pointer's node."""

    nodes: dict = field(default_factory=dict, repr=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        tokens = split_pointer(pointer)
        while join_pointer(tokens) not in self.nodes:
            tokens.pop()
        mark = self.nodes[join_pointer(tokens)].start_mark
        return mark.line + 1, mark.column + 1

    def _apply(self, text: str, ops: list[dict]) -> str:
        """The text with the ops spliced in: as many at once as one composition of it allows."""
        nodes = self.nodes
        while ops:
            text, ops = _splice_run(text, nodes, ops)
            nodes = compose(self.path, text).nodes if ops else nodes
        return text


# A value of `Type:` outside a comment: a template, where the bare name may be a mention
_TEMPLATE = re.compile(r"""^[^#\n]*?\bType['"]?[ \t]*:[ \t]*['"]?AWS::ECS::(?:Daemon)?TaskDefinition\b""", re.M)


def names_task_type(text: str) -> bool:
    """Whether the text names a task definition resource type: a template without one is not ours."""
    return any(t in text for t in TASK_TYPES)


def load_yaml(path: str, text: str, bom: bool) -> Document | None:
    """A YAML CloudFormation template, None for any other file. Each document of a
    stream is read; those without a task definition resource are not ours. YAML that cannot be
    parsed is an error only when a `Type:` names a task definition type, outside a comment."""
    try:
        stream = compose(path, text)
    except InputError:
        if _TEMPLATE.search(text):
            raise
        return None
    tasks = [task for root, data in stream.documents for task in cfn_tasks(data, root)]
    if not tasks:
        return None
    for task in tasks:
        top = task.pointer + "/"
        task.anchors = {p: a for p, a in stream.shared.items() if (p + "/").startswith(top) or top.startswith(p + "/")}
    doc = YamlDocument(path, text, stream.data, "cloudformation", tasks, bom, stream.nodes)
    if "ecsinit-lint:" in text:
        suppress.attach_comments(doc, suppress.from_comments(enumerate(_comments_only(text, stream.nodes), 1)))
    return doc


def _comments_only(text: str, nodes: dict) -> list[str]:
    """The text's lines with every scalar value and alias blanked, so that only comments can match."""
    from ruamel.yaml.nodes import ScalarNode

    chars = list(text)
    for node in nodes.values():
        if isinstance(node, (ScalarNode, _Alias)):
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


# What YAML 1.1 or 1.2 reads as no string: booleans, null, numbers, dates, merge and value keys
_NOT_STR = re.compile(r"(?:true|false|null|yes|no|on|off|y|n|~|=|<<.*|[-+.]?\d.*|[-+]?\.(?:inf|nan))\Z", re.I)


def _plain(value: str, flow: bool) -> bool:
    """Whether a string can be written as a plain scalar and read back as the same string."""
    if not value or value != value.strip() or not value.isprintable() or _NOT_STR.match(value):
        return False
    if value[0] in ",[]{}#&*!|>'\"%@`" or (value[0] in "-?:" and (len(value) == 1 or value[1] == " ")):
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    return not (flow and any(c in ",[]{}" for c in value))


def _like(text: str, node, value, nl: str, flow: bool) -> str:
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
    if style is None and _plain(value, flow):
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


_GAP = r"(?:[ \t\r\n]|#[^\n]*)*"  # blanks and comments
_COLON, _DASH = re.compile(_GAP + ":"), re.compile(_GAP + "-")


def _empty(node) -> bool:
    """A value left empty (`Key:`, `-`): its node sits where the next token starts."""
    from ruamel.yaml.nodes import ScalarNode

    return isinstance(node, ScalarNode) and node.start_mark.index == node.end_mark.index


def _pair_end(text: str, key, value) -> int:
    """Where a mapping entry's text ends: after its colon when the value is empty."""
    if _empty(value):
        colon = _COLON.match(text, key.end_mark.index)
        return colon.end() if colon else key.end_mark.index
    return _end(text, value)


def _end(text: str, node) -> int:
    """Where a node's own text ends: its last child's end for a block collection, trailing line
    breaks of a block scalar left out; an alias ends at its name."""
    from ruamel.yaml.nodes import CollectionNode, ScalarNode

    if isinstance(node, CollectionNode) and not node.flow_style and node.value:
        last = node.value[-1]
        if isinstance(last, tuple):
            return _pair_end(text, *last)
        if _empty(last):  # after its dash
            before = _end(text, node.value[-2]) if len(node.value) > 1 else node.start_mark.index
            return _DASH.match(text, before).end()
        return _end(text, last)
    end = node.end_mark.index
    while isinstance(node, ScalarNode) and end > node.start_mark.index and text[end - 1] in "\r\n":
        end -= 1
    return end


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    if end < 0:
        return len(text)
    return end - 1 if text[end - 1] == "\r" else end


class _Touched:
    """The paths of the ops placed so far, to tell whether another touches one of their values:
    one path holds the other, or both are in one list (an insertion or removal shifts the
    elements after it)."""

    def __init__(self):
        self.paths: set[str] = set()
        self.holders: set[str] = set()  # the paths and every pointer that holds one
        self.lists: set[str] = set()  # the lists an op's path is an element of

    def __contains__(self, path: str) -> bool:
        tokens = split_pointer(path)
        if path in self.holders or any(join_pointer(tokens[:i]) in self.paths for i in range(len(tokens))):
            return True
        return _is_index(tokens) and join_pointer(tokens[:-1]) in self.lists

    def add(self, path: str) -> None:
        tokens = split_pointer(path)
        self.paths.add(path)
        self.holders.update(join_pointer(tokens[:i]) for i in range(len(tokens) + 1))
        if _is_index(tokens):
            self.lists.add(join_pointer(tokens[:-1]))


def _is_index(tokens: list[str]) -> bool:
    return bool(tokens) and (tokens[-1].isdigit() or tokens[-1] == "-")


def _overlap(a: tuple, b: tuple) -> bool:
    """Whether two splices (start, end, text) touch the same text (insertions at one point do not)."""
    (s1, e1, _), (s2, e2, _) = a, b
    return (s1 < e2 and s2 < e1) or (s1 == e1 and s2 <= s1 < e2) or (s2 == e2 and s1 <= s2 < e1)


def _first_clash(splices: list[tuple]) -> int | None:
    """The index of the first splice whose text an earlier one touches, by a scan in text order."""
    clash, far = None, None  # far: the splice reaching furthest so far
    for i in sorted(range(len(splices)), key=lambda i: splices[i][:2]):
        if far is not None and _overlap(splices[far], splices[i]):
            clash = min(clash if clash is not None else len(splices), max(far, i))
        if far is None or splices[i][1] > splices[far][1]:
            far = i
    return clash


def _splice_run(text: str, nodes: dict, ops: list[dict]) -> tuple[str, list[dict]]:
    """The text with the longest run of `ops` that one composition can place applied (ops on
    unrelated values, splices apart), and the ops left for the next composition."""
    touched, splices = _Touched(), []
    for op in ops:
        if op["path"] in touched:
            break
        touched.add(op["path"])
        splices.append(_splice(text, nodes, op))
    while (clash := _first_clash(splices)) is not None:
        del splices[clash:]
    pieces, at = [], 0
    for start, end, new in sorted(splices, key=lambda s: s[0]):  # stable: at one point, in op order
        pieces += [text[at:start], new]
        at = end
    return "".join(pieces) + text[at:], ops[len(splices) :]


def _splice(text: str, nodes: dict, op: dict) -> tuple[int, int, str]:
    """(start, end, new text) for one op on the composed text."""
    from ruamel.yaml.nodes import CollectionNode, MappingNode

    tokens = split_pointer(op["path"])
    node, parent = nodes.get(op["path"]), nodes.get(join_pointer(tokens[:-1]))
    nl = "\r\n" if "\r\n" in text else "\n"
    for alias in (node, parent):
        if isinstance(alias, _Alias):
            raise FixError(
                f"{op['path']} is in YAML anchor &{alias.target.anchor}, which its aliases share; file left as it was"
            )
    if op["op"] in ("add", "replace") and node is not None:
        start, end = node.start_mark.index, _end(text, node)
        if start == end and isinstance(parent, MappingNode):  # `Key:` with no value
            at = _pair_end(text, _key_of(parent, node, op), node)
            return at, at, " " + _flow(op["value"])
        flow = any(getattr(nodes.get(join_pointer(tokens[:i])), "flow_style", False) for i in range(len(tokens)))
        new = _like(text, node, op["value"], nl, flow)
        keys = [k for k, v in parent.value if v is node] if isinstance(parent, MappingNode) else []
        if keys and isinstance(node, CollectionNode) and not node.flow_style:
            # a block collection starts a line of its own, a sequence maybe at its key's column,
            # where a flow value cannot: it goes after the colon, or indented past a comment
            colon = _COLON.match(text, keys[0].end_mark.index).end()
            if not text[colon:start].strip():
                return colon, end, " " + new
            return start, end, " " * max(0, keys[0].start_mark.column + 1 - node.start_mark.column) + new
        return start, end, new
    if op["op"] == "add" and isinstance(parent, MappingNode):
        name, value = tokens[-1], op["value"]
        if parent.flow_style or not parent.value:
            if not parent.value:
                start, end = parent.start_mark.index, parent.end_mark.index
                return start, end, "{" + f"{_key(name)}: {_flow(value)}" + "}"
            at = _pair_end(text, *parent.value[-1])
            return at, at, f", {_key(name)}: {_flow(value)}"
        indent = " " * parent.value[-1][0].start_mark.column
        unit = re.search(r"\n( +)[^\s#]", text)
        at = _line_end(text, _pair_end(text, *parent.value[-1]))  # after a comment on that line
        return at, at, nl + indent + _block(name, value, indent, unit.group(1) if unit else "  ", nl)
    if op["op"] == "remove" and isinstance(parent, MappingNode) and not parent.flow_style:
        key = _key_of(parent, node, op)
        start = text.rfind("\n", 0, key.start_mark.index) + 1
        if text[start : key.start_mark.index].strip():  # `- Key: …`: the next key moves up to the dash
            i = [k for k, _ in parent.value].index(key)
            if i + 1 < len(parent.value):
                return key.start_mark.index, parent.value[i + 1][0].start_mark.index, ""
            return key.start_mark.index, _pair_end(text, key, node), "{}"
        end = text.find("\n", _pair_end(text, key, node))
        return start, (end + 1 if end >= 0 else len(text)), ""
    raise FixError(f"cannot apply {op['op']} {op['path']} to this YAML layout; file left as it was")


def _key_of(parent, node, op: dict):
    """The key node of a value written in `parent` (not one a merge key brings)."""
    keys = [k for k, v in parent.value if v is node]
    if len(keys) != 1:
        raise FixError(
            f"cannot apply {op['op']} {op['path']}: its value is not written in its mapping; file left as it was"
        )
    return keys[0]
