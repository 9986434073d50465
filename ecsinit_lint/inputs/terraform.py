"""Terraform: the JSON of `terraform show -json` (plan or state), and `.tf` files read with
python-hcl2, whose Lark tree keeps every expression's span.

In a `.tf` file each `aws_ecs_task_definition`'s `container_definitions` is read when it is
`jsonencode(<literal>)` or a heredoc of JSON (both fixed in place), or `file("x.json")` /
`templatefile("x.tpl", …)` with a literal path, `${path.module}/` allowed, directly or through
a `data "template_file"` block's `template` (linted; the change is for that file; a missing
file is an InputError, as in `terraform plan`). Module blocks
are read too: the same `container_definitions` shapes, terraform-aws-modules/ecs's map of
container name to container object (its service module), and a module whose arguments are one
container (its container-definition module). The module builds the JSON, so a fix there is the
change to make by hand; the module's `enable_execute_command` turns the init on, as that module
does, and its v5 snake_case variables are read as their ECS keys. The document's data is `{address: container definitions}`; interpolations and other
expressions are unknown values (`{"__unknown__": "<source>"}`).
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from dataclasses import dataclass, field

from ..core.pointer import join_pointer, split_pointer
from ..core.taskdef import CONTAINER_KEYS, TaskDef, is_container, is_unknown
from ..errors import FixError, InputError
from . import jsonpos
from .document import Document

RESOURCE = "aws_ecs_task_definition"
_IDENT = re.compile(r"[A-Za-z_][\w-]*\Z")
_TEMPLATE = re.compile(r"[$%]\{")
_RENDERED = re.compile(r"data\.template_file\.([\w-]+)\.rendered\Z")
_MODULE = re.compile(r"^\s*module\s", re.M)
_MODULE_DIR = '"${path.module}/'
# terraform-aws-modules/ecs before v6: the container variables in snake_case, and the ECS key of each
# (its other variables, such as `enable_cloudwatch_logging`, are snake_case in v6 too).
_V5_KEYS = {re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), k): k for k in (
    "linuxParameters", "portMappings", "healthCheck", "stopTimeout", "startTimeout", "memoryReservation",
    "readonlyRootFilesystem", "mountPoints", "dockerLabels", "logConfiguration", "firelensConfiguration",
    "repositoryCredentials", "resourceRequirements", "systemControls", "volumesFrom", "workingDirectory",
    "environmentFiles", "extraHosts", "dnsServers", "dnsSearchDomains", "dockerSecurityOptions",
    "disableNetworking", "pseudoTerminal")} | {"dependencies": "dependsOn"}  # fmt: skip
# Module arguments that are no container field (terraform-aws-modules/ecs container-definition).
_MODULE_ARGS = {"source", "version", "count", "for_each", "providers", "depends_on", "tags", "region", "service"}


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
                address = resource.get("address")
                tasks.append(
                    _task(values, base, base + "/container_definitions", containers, address, (base,), "terraform")
                )
    return tasks


def _task(attrs: dict, pointer: str, containers_ptr: str, containers: list, address, opaque: tuple, decoder) -> TaskDef:
    """A TaskDef from a resource's snake_case attributes (`opaque` and `decoder` as TaskDef has them)."""
    platform = attrs.get("runtime_platform")
    platform = platform[0] if isinstance(platform, list) and platform else platform
    family = platform.get("operating_system_family") if isinstance(platform, dict) else None
    data = {"family": attrs.get("family"), "pidMode": attrs.get("pid_mode"),
            "runtimePlatform": {"operatingSystemFamily": family}, "tags": attrs.get("tags")}  # fmt: skip
    task = TaskDef.build(data, pointer, "camel", containers_ptr, containers, address)
    task.opaque, task.decoder = opaque, decoder
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


def _literal(raw: str) -> str | None:
    """A quoted HCL string's value, None when it interpolates."""
    if _TEMPLATE.search(raw.replace("$${", "").replace("%%{", "")):
        return None
    try:
        value = json.loads(raw.replace("$${", "${").replace("%%{", "%{"))
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _string(text: str, tree):
    """A quoted HCL string's value, unknown when it interpolates."""
    value = _literal(text[tree.meta.start_pos : tree.meta.end_pos])
    return _unknown(text, tree) if value is None else value


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
    """The path a file()/templatefile() call reads, relative to the module's directory."""
    args = [t for a in _trees(call, "arguments") for t in _exprs(a)]
    if not args:
        return None
    source = text[args[0].meta.start_pos : args[0].meta.end_pos]
    if source.startswith(_MODULE_DIR):
        return _literal('"' + source[len(_MODULE_DIR) :])
    value = _hcl(text, args[0], "", {})
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
    kind: str  # "hcl" (jsonencode literal), "heredoc" (JSON text), "file" (linted, not edited here),
    # "module" (a module's own input, read like "hcl" but built into JSON by the module)
    tree: object
    data: list
    spans: dict = field(default_factory=dict)  # hcl: pointer below the part -> tree
    body: int = 0  # heredoc: offset of its JSON text
    source: str | None = None  # file: the file read
    spelt: list = field(default_factory=list)  # module: per container, {ECS key: the module's key}


def _part(path: str, text: str, address: str, expr, templates: dict) -> Part | None:
    """The Part an expression is, if readable; `templates` holds the file's template_file data
    blocks by name, for `data.template_file.NAME.rendered`."""
    from lark import Token

    rendered = _RENDERED.match(text[expr.meta.start_pos : expr.meta.end_pos].strip())
    if rendered and rendered.group(1) in templates:
        template = templates[rendered.group(1)]
        return _part(path, text, address, template, {}) if template is not None else None
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
    except OSError as exc:  # Terraform would fail here too: the task definition must not pass unread
        reason = exc.strerror or str(exc)
        raise InputError(path, f"{address}: cannot read {source} ({reason}): its containers are not linted",
                         call.meta.line, call.meta.column) from None  # fmt: skip
    except ValueError:  # a template this reader does not fill in (`%{ for … }`)
        return None
    if not isinstance(data, list):
        return None
    return Part(address, "file", call, _interpolated(data), source=os.path.realpath(source))


def parse_tf(path: str, text: str) -> list[tuple[Part, dict]]:
    """(part, the resource's or module's other arguments) for each task definition with
    readable containers."""
    import hcl2
    from lark.exceptions import LarkError

    try:
        # python-hcl2 rejects an escaped `$${` or `%%{` left unclosed (`"echo $${"`), which HCL
        # allows; values are read from `text`, so the parser sees them masked, at the same offsets.
        tree = hcl2.parses_to_tree(text.replace("$${", "$$ ").replace("%%{", "%% "))
    except LarkError as exc:
        line, column = getattr(exc, "line", 1), getattr(exc, "column", 1)
        raise InputError(path, f"invalid HCL: {_unexpected(exc)}", max(line, 1), max(column, 1)) from None
    blocks = []
    for block in _trees(_trees(tree, "body")[0], "block"):
        kind = str(_trees(block, "identifier")[0].children[0])
        blocks.append((kind, [_key_name(text, s) for s in _trees(block, "string")], _trees(block, "body")[0], block))
    templates = {labels[1]: _attributes(body).get("template")
                 for kind, labels, body, _ in blocks if kind == "data" and labels[:1] == ["template_file"]}  # fmt: skip
    locals_ = {name: _hcl(text, expr, "", {}) for kind, _, body, _ in blocks if kind == "locals"
               for name, expr in _attributes(body).items()}  # fmt: skip
    found = []
    for kind, labels, body, block in blocks:
        if kind == "resource" and labels[:1] == [RESOURCE]:
            part, attrs = None, {}
            for name, expr in _attributes(body).items():
                if name == "container_definitions":
                    part = _part(path, text, ".".join(labels), expr, templates)
                else:
                    attrs[name] = _hcl(text, expr, "", {})
            for inner in _trees(body, "block"):  # runtime_platform { … }
                name = str(_trees(inner, "identifier")[0].children[0])
                attrs[name] = {k: _hcl(text, e, "", {}) for k, e in _attributes(_trees(inner, "body")[0]).items()}
            if part is not None:
                found.append((part, attrs))
        elif kind == "module" and labels:
            found += _module(path, text, f"module.{labels[0]}", block, templates, locals_)
    return found


def _unexpected(exc) -> str:
    """What the parser stopped at, in words (lark's own message names its token types)."""
    token, char = getattr(exc, "token", None), getattr(exc, "char", None)
    if token is not None and token.type == "$END" or type(exc).__name__ == "UnexpectedEOF":
        return "unexpected end of file (is a bracket, a string or a heredoc left open?)"
    words = str(token if token is not None else char or "").strip().splitlines()
    if not words:
        return "it does not parse here"
    shown = words[0] if len(words[0]) <= 30 else words[0][:27] + "..."
    return f"unexpected `{shown}`"


def _attributes(body) -> dict:
    """A block body's attributes: name -> expression tree (a name is an identifier or a keyword
    such as `for_each`)."""
    return {str(a.children[0].children[0]): _exprs(a)[-1] for a in _trees(body, "attribute")}


def _module(path: str, text: str, address: str, block, templates: dict, locals_: dict) -> list[tuple[Part, dict]]:
    """A module's task definition: its `container_definitions` as a resource's, or as a map of
    container name to container object, or its own arguments as one container."""
    args = _attributes(_trees(block, "body")[0])
    attrs = {name: _hcl(text, expr, "", {}) for name, expr in args.items() if name != "container_definitions"}
    if "container_definitions" in args:
        expr = args["container_definitions"]
        part = _part(path, text, address, expr, templates) or _container_map(text, address, expr, locals_)
    elif _container_module(attrs):
        spans: dict = {"/0": block}
        container = {name: _hcl(text, expr, "/0" + join_pointer([name]), spans)
                     for name, expr in args.items() if name not in _MODULE_ARGS}  # fmt: skip
        part = Part(address, "module", block, [container], spans)
    else:
        part = None
    if part is None:
        return []
    if part.kind == "module":
        major = re.match(r"\D*(\d+)", str(attrs.get("version") or ""))
        execute = attrs.get("enable_execute_command")
        for i, container in enumerate(part.data):
            snake = int(major.group(1)) < 6 if major else any(k in _V5_KEYS for k in container)
            part.spelt.append(_module_container(container, f"/{i}", part.spans, execute, snake))
    return [(part, attrs)]


def _container_module(attrs: dict) -> bool:
    """Whether a module's arguments are a container's: terraform-aws-modules/ecs's
    container-definition module, or an image with other container fields."""
    if not is_container(attrs):
        return False
    return "container-definition" in str(attrs.get("source")) or len(CONTAINER_KEYS & attrs.keys()) > 1


def _container_map(text: str, address: str, expr, locals_: dict) -> Part | None:
    """terraform-aws-modules/ecs's `{name = {image = …, …}}`: the containers, each named by its
    key unless it sets `name`; a key `(local.x)` is read from a literal local."""
    obj = _object(expr)
    if obj is None:
        return None
    containers, spans = [], {}
    for i, elem in enumerate(_trees(obj, "object_elem")):
        key = _trees(elem, "object_elem_key")[0]
        name = _key_name(text, key)
        if name is None:
            source = text[key.meta.start_pos : key.meta.end_pos].strip()
            local = re.fullmatch(r"\(\s*local\.([\w-]+)\s*\)", source)
            value = locals_.get(local.group(1)) if local else None
            name = value if isinstance(value, str) else {"__unknown__": source}
        container = _hcl(text, _exprs(elem)[-1], f"/{i}", spans)
        if not is_container(container):
            return None
        container.setdefault("name", name)
        containers.append(container)
    return Part(address, "module", obj, containers, spans) if containers else None


def _module_container(container: dict, pointer: str, spans: dict, execute_command, snake: bool) -> dict:
    """A container as terraform-aws-modules/ecs writes it, its keys made ECS's: `entrypoint` is
    `entryPoint`, and before v6 (`snake`) the container variables are snake_case
    (`linux_parameters`, `dependencies` for `dependsOn`). `enable_execute_command` defaults
    `initProcessEnabled` (true or unknown) under the container's own, as the module merges them.
    Returns {ECS key: the module's key} for the keys a fix names."""
    spelt = {"linuxParameters": "linux_parameters"} if snake else {}  # the key a fix names, also when absent
    for key in list(container):
        name = "entryPoint" if key == "entrypoint" else _V5_KEYS.get(key, key) if snake else key
        if name != key and name not in container:
            container[name], spelt[name] = container.pop(key), key
            old, new = pointer + join_pointer([key]), pointer + join_pointer([name])
            moved = {k: v for k, v in spans.items() if k == old or k.startswith(old + "/")}
            spans.update({new + k[len(old) :]: v for k, v in moved.items()})
    if execute_command is not None and execute_command is not False:
        params = container.get("linuxParameters")
        params = params if isinstance(params, dict) and not is_unknown(params) else {}
        container["linuxParameters"] = {"initProcessEnabled": execute_command, **params}
    return spelt


@dataclass
class TfDocument(Document):
    """A `.tf` file; `parts` holds each task definition's `container_definitions` by address."""

    parts: dict = field(default_factory=dict, repr=False)  # address -> Part

    def read_from(self, task: str | None) -> str | None:
        part = self.parts.get(task)
        return part.source if part is not None else None

    def locate(self, pointer: str) -> tuple[int, int]:
        return jsonpos.line_col(self.text, _offset(self.text, self.parts, pointer))

    def by_hand(self, pointer: str) -> str:
        part = _split(self.parts, pointer)[0]
        if part.kind == "module":
            return "the module builds the JSON"
        if part.source is not None:
            return f"it is read from {os.path.relpath(part.source, os.path.dirname(os.path.realpath(self.path)))}"
        return "a template, not literal here" if part.kind == "file" else "not literal here"

    def _apply(self, text: str, ops: list[dict]) -> str:
        """The text with the ops applied. The ops of a round are spliced in from one parse, as
        long as none touches a value another one changed (`add` of a key, then of a key inside
        it): then the text is parsed again first. One parse per op made `fix` quadratic."""
        parts, edits = self.parts, _Edits()
        for op in ops:
            if not edits.take(text, parts, op):
                text = edits.apply(text)
                parts, edits = {p.address: p for p, _ in parse_tf(self.path, text)}, _Edits()
                edits.take(text, parts, op)  # a fresh parse: nothing to conflict with
        return edits.apply(text)


class _Edits:
    """Edits computed on one parse of the text: splices (start, end, new text), and the ops of
    each heredoc, applied to its JSON together."""

    def __init__(self):
        self.splices: list[tuple[int, int, str]] = []
        self.heredocs: dict[str, tuple[Part, list[dict]]] = {}
        self.paths: list[str] = []

    def take(self, text: str, parts: dict, op: dict) -> bool:
        """Add the op, or say False when it must wait for the text to be parsed again: it is
        at, above or below a path already edited, or its splice overlaps one."""
        path = op["path"]
        if any(path == p or path.startswith(p + "/") or p.startswith(path + "/") for p in self.paths):
            return False
        part, inner = _split(parts, path)
        if part.kind == "heredoc":
            self.heredocs.setdefault(part.address, (part, []))[1].append({**op, "path": inner})
        else:
            start, end, new = _splice(text, part, inner, op)
            if any(_overlap(start, end, s, e) for s, e, _ in self.splices):
                return False
            self.splices.append((start, end, new))
        self.paths.append(path)
        return True

    def apply(self, text: str) -> str:
        splices = [(start, end, new, n) for n, (start, end, new) in enumerate(self.splices)]
        for part, ops in self.heredocs.values():
            end = text.rfind("\n", part.body, part.tree.meta.end_pos - 1) + 1
            splices.append((part.body, end, _heredoc(text[part.body : end], ops), len(splices)))
        for start, end, new, _ in sorted(splices, key=lambda s: (s[0], s[3]), reverse=True):
            text = text[:start] + new + text[end:]  # from the end: offsets before stay valid
        return text


def _overlap(start: int, end: int, s: int, e: int) -> bool:
    """Whether two splices touch the same text: their spans share a character, or one inserts
    inside or at the start of the other's span. (Inserts at one point keep their order, and an
    insert at the end of a replaced span stays after it.)"""
    return max(start, s) < min(end, e) or (start == end and s <= start < e) or (s == e and start <= s < end)


def load_tf(path: str, text: str, bom: bool) -> Document | None:
    if not (RESOURCE in text and "container_definitions" in text or _MODULE.search(text)):
        return None
    found = parse_tf(path, text)
    tasks = []
    for part, attrs in found:
        pointer = join_pointer([part.address])
        opaque = (pointer,) if part.kind in ("file", "module") else ()
        decoder = None if part.kind == "module" else "terraform"
        task = _task(attrs, pointer, pointer, part.data, part.address, opaque, decoder)
        for c, spelt in zip(task.containers, part.spelt):
            c.spelt = spelt
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
    if part.kind in ("hcl", "module"):
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


def _heredoc(body: str, ops: list[dict]) -> str:
    """A heredoc's JSON text with the ops applied, at its margin."""
    lines = [line for line in body.splitlines() if line.strip()]
    margin = os.path.commonprefix([line[: len(line) - len(line.lstrip())] for line in lines])
    return textwrap.indent(jsonpos.apply_ops(textwrap.dedent(body), ops), margin)


def _splice(text: str, part: Part, inner: str, op: dict) -> tuple[int, int, str]:
    """The (start, end, new text) that applies an op to a jsonencode literal."""
    if part.kind != "hcl":
        raise FixError(f"{op['path']} is not literal in this file")
    tokens = split_pointer(inner)
    node, parent = part.spans.get(inner), part.spans.get(join_pointer(tokens[:-1]))
    if op["op"] in ("add", "replace") and node is not None:
        return node.meta.start_pos, node.meta.end_pos, render(op["value"])
    obj = _object(parent)
    if op["op"] == "add" and obj is not None:
        member = f"{_hcl_key(tokens[-1])} = {render(op['value'])}"
        elems = _trees(obj, "object_elem")
        if not elems:
            return obj.meta.start_pos, obj.meta.end_pos, "{ " + member + " }"
        last, first = elems[-1].meta, elems[0].meta
        if "\n" not in text[obj.meta.start_pos : first.start_pos]:  # one line: stay on it
            return last.end_pos, last.end_pos, ", " + member
        line_start = text.rfind("\n", 0, first.start_pos) + 1
        indent = text[line_start : first.start_pos]
        at = last.end_pos + len(re.match(r"[ \t]*,?", text[last.end_pos :]).group())
        nl = "\r\n" if "\r\n" in text else "\n"
        return at, at, nl + indent + member
    if op["op"] == "remove" and node is not None and obj is not None:
        return _member_span(text, obj, node)
    raise FixError(f"cannot apply {op['op']} {op['path']} to this HCL; file left as it was")


def _member_span(text: str, obj, node) -> tuple[int, int, str]:
    """The splice that removes the member of `obj` whose value is `node`: its own lines when it
    has them, else the member and the comma between it and a neighbour."""
    elems = _trees(obj, "object_elem")
    (n,) = [i for i, e in enumerate(elems) if e.meta.start_pos <= node.meta.start_pos <= e.meta.end_pos]
    start, end = elems[n].meta.start_pos, elems[n].meta.end_pos
    end += len(re.match(r"[ \t]*,?", text[end:]).group())
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip() and text[end:].lstrip(" \t").startswith(("\n", "\r\n")):
        return line_start, text.index("\n", end) + 1, ""
    if n + 1 < len(elems):
        return start, elems[n + 1].meta.start_pos, ""
    if n > 0:
        return elems[n - 1].meta.end_pos, end, ""
    return start, end, ""


def _object(tree):
    """The object constructor an expression is, or None."""
    while tree is not None and tree.data == "expr_term" and len(_trees(tree, "object")) == 1:
        tree = _trees(tree, "object")[0]
    return tree if tree is not None and tree.data == "object" else None
