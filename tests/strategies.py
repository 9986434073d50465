"""Hypothesis strategies: task definitions built from the real corpus, then mutated."""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path

from hypothesis import strategies as st

CORPUS = Path(__file__).parents[2] / "shared" / "corpus" / "real"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus/real")


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
    return docs or [{"family": "app", "containerDefinitions": [{"name": "app", "image": "debian", "command": ["./app"]}]}]


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
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), inner, max_size=3),
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
        members = [f"{k if k[:1].isalpha() and k.replace('-', '_').isidentifier() else json.dumps(k)} = "
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
