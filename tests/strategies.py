"""Hypothesis strategies: task definitions built from the real corpus, then mutated."""

from __future__ import annotations

import copy
import json
import re
import textwrap

from hypothesis import strategies as st

from .conftest import CORPUS


def corpus_taskdefs() -> list[dict]:
    """The corpus's JSON register-task-definition inputs (a fixed base when it is absent)."""
    docs = []
    for path in sorted(CORPUS.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except ValueError:
            continue
        if isinstance(data, dict) and isinstance(data.get("containerDefinitions"), list):
            docs.append(data)
    return docs or [
        {"family": "app", "containerDefinitions": [{"name": "app", "image": "debian", "command": ["./app"]}]}
    ]


BASES = corpus_taskdefs()
ARGVS = [
    ["sh", "-c", "migrate && exec app"],
    ["sh", "-c", "migrate && app"],
    ["/bin/bash", "-c", "app; echo done"],
    ["su", "app", "-c", "./server"],
    ["tini", "--", "./server"],
    ["sh", "-c", "if true; then app; fi"],
    ["sh", "-c", "trap 'kill $PID' TERM; app & PID=$!; wait"],
    ["sh", "-c", "echo ${"],
    ["./server", "--port", "80"],
]
KEYS = ["linuxParameters", "initProcessEnabled", "entrypoint", "command", "entryPoint", "name", "image",
        "networkMode", "pidMode", "essential", "memory", "LogConfiguration", "x~y/z", ""]  # fmt: skip

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(['{{ must_env "X" }}', "${IMAGE}", "<IMAGE>", "true", "awsvpc", "task"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def _pointers(value, ptr=()):
    yield ptr
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        yield from _pointers(v, ptr + (k,))


@st.composite
def task_definitions(draw) -> dict:
    """A corpus task definition with a few of its values replaced, added or removed."""
    data = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 4))):
        containers = data.get("containerDefinitions")
        if isinstance(containers, list) and containers and isinstance(containers[0], dict) and draw(st.booleans()):
            containers[0]["command"] = list(draw(st.sampled_from(ARGVS)))
            continue
        path = draw(st.sampled_from(list(_pointers(data))[1:] or [()]))
        parent = data
        for token in path[:-1]:
            parent = parent[token]
        action = draw(st.sampled_from(["replace", "add", "remove"]))
        if not path or (action == "remove" and path == ("containerDefinitions",)):
            continue
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "remove":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(KEYS))] = draw(json_values)
    return data


# ---- Terraform --------------------------------------------------------------------------------


def hcl(value, indent: str = "", multiline: bool = True) -> str:
    """A JSON value as an HCL expression: objects one member a line, or on one line."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        members = [f"{k if k.isascii() and k[:1].isalpha() and k.replace('-', '_').isidentifier() else json.dumps(k)} = "
                   f"{hcl(v, inner, multiline)}" for k, v in value.items()]  # fmt: skip
        if multiline:
            return "{\n" + "".join(f"{inner}{m}\n" for m in members) + indent + "}"
        return "{ " + ", ".join(members) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(hcl(v, inner, multiline) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${").replace("%{", "%%{")
    return json.dumps(value)


def _containers(data) -> list:
    containers = data.get("containerDefinitions") if isinstance(data, dict) else None
    return containers if isinstance(containers, list) else [{"name": "app", "image": "x", "command": ["./app"]}]


@st.composite
def terraform_files(draw) -> dict[str, str]:
    """A `.tf` (main.tf) of a few task definitions, each as `jsonencode` of an HCL literal, a
    heredoc of JSON, a `file()` of a JSON list written beside it (or not: "missing"), or a terraform-aws-modules
    service module (v5 snake_case or v6 keys); or (plan.json) a `terraform show -json` plan."""
    files: dict[str, str] = {}
    blocks, resources = [], []
    for n in range(draw(st.integers(1, 3))):
        data = draw(task_definitions())
        containers = _containers(data)
        family = json.dumps(data.get("family") if isinstance(data.get("family"), str) else f"f{n}")
        resources.append({"address": f"aws_ecs_task_definition.t{n}", "type": "aws_ecs_task_definition",
                          "values": {"family": json.loads(family), "container_definitions": json.dumps(containers)}})  # fmt: skip
        shape = draw(st.sampled_from(["jsonencode", "jsonencode-one-line", "heredoc", "file", "missing", "module"]))
        if shape == "module":
            version = draw(st.sampled_from(["5.12.1", "6.1.0"]))
            execute = draw(st.sampled_from(["", "true", "false", "var.exec"]))
            named = {}
            for i, c in enumerate(containers):
                if not isinstance(c, dict):
                    continue
                c = dict(c)
                if version.startswith("5") and "linuxParameters" in c:
                    c["linux_parameters"] = c.pop("linuxParameters")
                named[c.pop("name") if isinstance(c.get("name"), str) else f"c{i}"] = c
            blocks.append(f'module "m{n}" {{\n  source  = "terraform-aws-modules/ecs/aws//modules/service"\n'
                          f'  version = "{version}"\n' + (f"  enable_execute_command = {execute}\n" if execute else "")
                          + f"  container_definitions = {hcl(named, '  ')}\n}}\n")  # fmt: skip
            continue
        if shape.startswith("jsonencode"):
            value = f"jsonencode({hcl(containers, '  ', shape == 'jsonencode')})"
        elif shape == "heredoc":
            value = "<<-EOT\n" + textwrap.indent(json.dumps(containers, indent=2), "    ") + "\n  EOT"
        else:
            name = f"c{n}.json"
            if shape == "file":
                files[name] = json.dumps(containers, indent=2) + "\n"
            value = f'file("${{path.module}}/{name}")'
        blocks.append(f'resource "aws_ecs_task_definition" "t{n}" {{\n  family = {family}\n'
                      f"  container_definitions = {value}\n}}\n")  # fmt: skip
    if draw(st.booleans()):
        files["main.tf"] = "\n".join(blocks)
    else:
        plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": resources}}}
        files["plan.json"] = json.dumps(plan, indent=2)
    return files


# ---- CloudFormation YAML --------------------------------------------------------------------

_WORDS = st.sampled_from(
    ["app", "web", "./server", "node s.js", "exec app", "-c", "x y", "a: b", "#x", "true", "1.0", ""]
)
_COMMENTS = st.sampled_from(["", "", " # note", " # ecsinit-lint:ignore INIT001"])


def _yaml_scalar(draw) -> str:
    word = draw(_WORDS)
    return draw(st.sampled_from([json.dumps(word), "'" + word.replace("'", "''") + "'", _word(word, draw)]))


@st.composite
def _yaml_argv(draw, anchors: list[str]) -> str:
    """An argv value: flow or block list, a short-tag intrinsic, or an alias of an earlier one."""
    if anchors and draw(st.integers(0, 3)) == 0:
        return "*" + draw(st.sampled_from(anchors))
    argv = draw(st.sampled_from(ARGVS))
    kind = draw(st.sampled_from(["flow", "block", "sub", "if"]))
    if kind == "sub":
        return f"!Split [' ', !Sub {json.dumps(' '.join(argv))}]"
    if kind == "if":
        return f"!If [C, {json.dumps(argv)}, !Ref AWS::NoValue]"
    anchor = ""
    if draw(st.booleans()):
        anchors.append(f"a{len(anchors)}")
        anchor = f"&{anchors[-1]} "
    if kind == "flow":
        return anchor + "[" + ", ".join(_word(a, draw) for a in argv) + "]"
    indent = draw(st.sampled_from(["            ", "          "]))  # indented, or at its key's column
    items = "".join(f"\n{indent}- {_word(a, draw)}" for a in argv)
    return anchor + items


def _word(word: str, draw) -> str:
    """A string as a quoted scalar, or plain where it plainly can be."""
    plain = re.fullmatch(r"[\w./$=-]+(?: [\w./$=&;-]+)*", word) and not re.fullmatch(r"[-.\d].*|true|false|null", word)
    return word if plain and draw(st.booleans()) else json.dumps(word)


_INIT = st.sampled_from(["true", "false", "", "!If [C, true, false]", "!Ref AWS::NoValue", "!Ref InitParam", "null"])


@st.composite
def _yaml_container(draw, n: int, anchors: list[str], bases: list[str]) -> str:
    lines = []
    if bases and draw(st.integers(0, 2)) == 0:
        lines.append("<<: *" + draw(st.sampled_from(bases)))
    lines.append(f"Name: {draw(st.sampled_from([f'c{n}', f'!Sub c{n}', json.dumps(f'c{n}')]))}")
    values = {"Image": lambda: _yaml_scalar(draw), "Command": lambda: draw(_yaml_argv(anchors)),
              "EntryPoint": lambda: draw(_yaml_argv(anchors)), "Essential": lambda: draw(st.sampled_from(["true", "", "!Ref E"])),
              "LinuxParameters": lambda: draw(st.sampled_from(["", "{}", "!Ref AWS::NoValue", "INIT"]))}  # fmt: skip
    for key, value in values.items():
        if draw(st.booleans()):
            value = value()
            if value == "INIT":
                init = draw(_INIT)
                value = (
                    f"{{InitProcessEnabled: {init}}}"
                    if draw(st.booleans()) and init
                    else f"\n            InitProcessEnabled: {init}"
                )
            lines.append(f"{key}: {value}".rstrip(" "))
    lines = [line + draw(_COMMENTS) if "\n" not in line else line for line in lines]
    if not any("*" in line for line in lines):  # keys in any order, where no alias can come before its anchor
        lines = draw(st.permutations(lines))
    anchor = ""
    if draw(st.booleans()):
        bases.append(f"b{n}")
        anchor = f"&b{n}\n          "
    return "        - " + anchor + "\n          ".join(lines)


@st.composite
def cfn_yaml_templates(draw) -> str:
    """CloudFormation YAML: short-tag intrinsics (`!If` with `AWS::NoValue`, `!Ref`, `!Sub`,
    `!GetAtt`), anchors, aliases and merge keys, empty values, comments, other documents."""
    anchors: list[str] = []
    bases: list[str] = []
    resources = []
    for t in range(draw(st.integers(1, 2))):
        containers = "\n".join(
            draw(_yaml_container(n, anchors, bases)) for n in range(t * 10, t * 10 + draw(st.integers(1, 3)))
        )
        for _ in range(draw(st.integers(0, 1))):  # intrinsics where a container mapping belongs
            containers += "\n        - " + draw(st.sampled_from(
                ["!Ref Sidecar", "!If [C, {Name: z, Image: z}, !Ref AWS::NoValue]", "!If [C, [a], b]", "[x]"]))  # fmt: skip
        props = f"      Family: !GetAtt Repo.Name\n      PidMode: {draw(st.sampled_from(['', 'task', '!Ref P']))}\n" \
                f"      ContainerDefinitions:\n{containers}\n"  # fmt: skip
        if draw(st.integers(0, 3)) == 0:
            branch = draw(st.sampled_from(["!Ref AWS::NoValue", "[not, a, mapping]", "!Ref Props"]))
            props = f"      Fn::If:\n      - C\n      - {branch}\n      - " + props.strip().replace("\n", "\n  ") + "\n"
        resources.append(f"  T{t}:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n{props}")
    text = "Conditions:\n  C: !Equals [a, b]\nResources:\n" + "".join(resources)
    if draw(st.booleans()):
        text = "kind: ConfigMap\ndata: {note: AWS::ECS::TaskDefinition}\n---\n" + text
    return text if draw(st.booleans()) else text.rstrip("\n")
