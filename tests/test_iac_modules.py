"""Terraform modules and data.template_file, a file() JSON linted once per run, hostile YAML,
and fix titles in the document's key style."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import hcl2
import pytest

from ecsinit_lint.batch import parallel
from ecsinit_lint.engine.config import Configs
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.errors import InputError
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

from .test_iac import CORPUS

IAC = Path(__file__).parent / "fixtures" / "iac"
MODULES = IAC / "modules"
RULES = Selection().rules()


def _load(path: Path, text: str | None = None):
    return load(str(path), text.encode() if text is not None else path.read_bytes())


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ecsinit_lint", *args], capture_output=True, text=True, cwd=cwd)


def _found(findings) -> list[tuple]:
    return [
        (f.code, f.task, f.container, f.location.line, f.location.column, f.fix.applicability if f.fix else None)
        for f in findings
    ]


# ---- modules and data.template_file -----------------------------------------------------------


def test_module_findings_where_the_values_are_literal():
    doc = _load(MODULES / "main.tf")
    assert _found(lint(doc, RULES)) == [
        ("INIT001", "module.svc", "web", 10, 11, "manual"),  # the map key names it
        ("SIG001", "module.svc", "app", 16, 21, "manual"),  # `(local.app)`, and `entrypoint` is entryPoint
        ("INIT001", "module.svc", "app", 17, 25, "manual"),  # its linuxParameters
        # `jobs`: linuxParameters and its script interpolate: unknown, nothing said
        # module.exec: enable_execute_command turns the init on, so only the shell is left
        ("SIG001", "module.exec", "shell", 34, 57, "manual"),
        # module.maybe: enable_execute_command = var.exec is unknown
        ("INIT001", "module.json", "cron", 47, 5, "safe"),  # a literal jsonencode is edited in place
        ("INIT001", "module.one", "solo", 51, 1, "manual"),  # the container-definition module's arguments
        ("INIT001", "aws_ecs_task_definition.rendered", "templated", 65, 14, "manual"),  # data.template_file
    ]
    assert doc.data["module.maybe"][0]["linuxParameters"] == {"initProcessEnabled": {"__unknown__": "var.exec"}}
    assert "module.vpc" not in doc.data


def test_module_fix_edits_the_literal_and_names_the_lines_of_the_rest(tmp_path):
    for name in ("main.tf", "defs.json.tpl"):
        shutil.copy(MODULES / name, tmp_path)
    doc = _load(tmp_path / "main.tf")
    fixed, done = fix(doc, RULES)
    assert [(f.task, f.container) for f in done] == [("module.json", "cron")]
    hcl2.loads(fixed.edited([]))
    run = _cli("fix", "--diff", str(tmp_path / "main.tf"))
    assert run.returncode == 1, run.stderr
    assert '+    { name = "cron", image = "acme/cron", linuxParameters = { initProcessEnabled = true } },' in run.stdout
    notes = [line for line in run.stderr.splitlines() if ": note: " in line]
    assert (
        notes[0]
        == f"{tmp_path / 'main.tf'}:10:11: note: Set linuxParameters.initProcessEnabled to true in `web` by hand (the module builds the JSON)"
    )
    assert [n.split(":")[1] for n in notes] == ["10", "16", "17", "34", "51", "65"]
    assert "Traceback" not in run.stderr


def test_template_file_that_is_missing_is_an_error_and_one_interpolated_is_skipped(tmp_path):
    """A file() that names a missing file fails `terraform plan` too: its task definition must
    not pass as clean, unread. A path that interpolates is not read (not literal)."""
    tf = (MODULES / "main.tf").read_text()
    line = next(n for n, text in enumerate(tf.splitlines(), 1) if "defs.json.tpl" in text)
    column = tf.splitlines()[line - 1].index("file(") + 1
    with pytest.raises(InputError) as raised:
        _load(tmp_path / "main.tf", tf)  # no defs.json.tpl beside it
    assert str(raised.value) == (f"{tmp_path / 'main.tf'}:{line}:{column}: aws_ecs_task_definition.rendered: cannot read "
                                 f"{tmp_path / 'defs.json.tpl'} (No such file or directory): its containers are not linted")  # fmt: skip
    (tmp_path / "main.tf").write_text(tf)
    proc = _cli("check", "main.tf", cwd=tmp_path)
    assert (
        proc.returncode == 2
        and proc.stderr.startswith(f"main.tf:{line}:{column}: error: ")
        and "Traceback" not in proc.stderr
    )
    dynamic = tf.replace('file("${path.module}/defs.json.tpl")', 'file("${var.dir}/defs.json.tpl")')
    shutil.copy(MODULES / "defs.json.tpl", tmp_path)
    assert "aws_ecs_task_definition.rendered" not in _load(tmp_path / "main.tf", dynamic).data


def test_keyword_arguments_such_as_count_and_for_each_are_read(tmp_path):
    tf = """resource "aws_ecs_task_definition" "a" {
  count                 = 2
  container_definitions = jsonencode([{ name = "n", image = "i" }])
}
module "b" {
  for_each              = toset(["x"])
  container_definitions = { m = { image = "i" } }
}
module "k8s" {
  source = "acme/kubernetes/deployment"
  image  = "nginx"
}
"""
    found = [(f.task, f.container) for f in lint(_load(tmp_path / "x.tf", tf), RULES)]
    assert found == [("aws_ecs_task_definition.a", "n"), ("module.b", "m")]  # module.k8s has only an image


# expected INIT001/SIG findings (task, container, code) in the corpus's Terraform files
CORPUS_TF = {
    "058-cp-terraform-lb-service.tf": [],  # module with enable_execute_command = true
    "086-tfaws-ecs-fargate-example.tf": [("module.ecs_task_definition", "al2023", "INIT001")],  # ecs_service: exec on
    "087-tfaws-ecs-managed-instances.tf": [
        ("module.ecs_service", "ecs-sample", "INIT001"),
        ("module.ecs_service", "ecs-sample", "SIG001"),  # sh -c "/bin/sh -c \"… && httpd-foreground\""
        ("module.ecs_service", "ecs-sample", "SIG001"),
    ],
    "088-tfaws-ecs-ec2-autoscaling.tf": [("module.ecs_service", "ecs-sample", "INIT001")],
    "089-tfaws-ecs-container-definition.tf": [
        ("module.ecs_container_definition", None, "INIT001"),  # name = local.name interpolates
        ("module.ecs_container_definition_simple", None, "INIT001"),
    ],
    "174-companieshouse-ewf-ecs-task-tf.tf": "error",  # data.template_file whose file is not in the corpus
}


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
@pytest.mark.parametrize("name", sorted(CORPUS_TF))
def test_corpus_terraform_modules(name):
    if CORPUS_TF[name] == "error":
        with pytest.raises(InputError, match="cannot read .*: its containers are not linted"):
            _load(CORPUS / name)
        return
    doc = _load(CORPUS / name)
    findings = [f for f in lint(doc, RULES) if f.code.startswith(("INIT", "SIG"))]
    assert sorted((f.task, f.container, f.code) for f in findings) == sorted(CORPUS_TF[name])
    assert all(f.fix is None or f.fix.applicability == "manual" for f in findings)
    lines = (CORPUS / name).read_text().splitlines()
    for f in findings:  # each points into the module that holds the container
        block = next(i for i in range(f.location.line - 1, -1, -1) if lines[i].startswith("module "))
        assert lines[block].split('"')[1] == f.task.split(".")[1]


# ---- terraform-aws-modules/ecs versions ---------------------------------------------------------

V5 = """module "svc" {
  source                 = "terraform-aws-modules/ecs/aws//modules/service"
  version                = "~> 5.11"
  enable_execute_command = false
  container_definitions = {
    on  = { image = "nginx", linux_parameters = { initProcessEnabled = true } }
    off = { image = "nginx" }
    own = { image = "nginx", stop_timeout = 5 }
  }
}
module "v6" {
  source                 = "terraform-aws-modules/ecs/aws//modules/service"
  version                = "6.1.0"
  enable_execute_command = true
  container_definitions = {
    optout = { image = "nginx", linuxParameters = { initProcessEnabled = false } }
    exec   = { image = "nginx" }
  }
}
"""


def test_module_v5_linux_parameters_turn_the_init_on_and_notes_name_its_key(tmp_path):
    """v5's variables are snake_case (`linux_parameters`), v6's camelCase; the module merges the
    container's own linuxParameters over `enable_execute_command`'s default, so they win."""
    (tmp_path / "main.tf").write_text(V5)
    doc = _load(tmp_path / "main.tf")
    assert doc.data["module.svc"][0]["linuxParameters"] == {"initProcessEnabled": True}
    assert doc.data["module.svc"][2]["stopTimeout"] == 5
    found = [(f.task, f.container, f.fix.title) for f in lint(doc, RULES) if f.code == "INIT001"]
    assert found == [("module.svc", "off", "Set linux_parameters.initProcessEnabled to true"),
                     ("module.svc", "own", "Set linux_parameters.initProcessEnabled to true"),
                     ("module.v6", "optout", "Set linuxParameters.initProcessEnabled to true")]  # fmt: skip
    run = _cli("fix", "--diff", "main.tf", cwd=tmp_path)
    notes = [line for line in run.stderr.splitlines() if ": note: " in line]
    assert (
        notes[0]
        == "main.tf:7:11: note: Set linux_parameters.initProcessEnabled to true in `off` by hand (the module builds the JSON)"
    )
    assert len(notes) == 3 and all(n.endswith("(the module builds the JSON)") for n in notes)


# ---- Terraform's ECS JSON gets the schema rules ---------------------------------------------------

TD_TF = """resource "aws_ecs_task_definition" "hcl" {
  family = "hcl"
  tags   = { "ecsinit-lint:ignore" = "TD002:other" }
  container_definitions = jsonencode([{
    name              = "app"
    image             = "app:1"
    entrypoint        = ["/usr/bin/tini", "--"]
    initprocesEnabled = true
    memory            = "512"
  }])
}
resource "aws_ecs_task_definition" "heredoc" {
  family                = "heredoc"
  container_definitions = <<EOT
[{"name": "h", "image": "h:1", "linuxParameters": {"initProcessEnabled": "true"}, "cpuu": 1}]
EOT
}
resource "aws_ecs_task_definition" "file" {
  family                = "file"
  container_definitions = templatefile("${path.module}/c.tpl", {})
}
module "m" {
  source                = "terraform-aws-modules/ecs/aws//modules/service"
  container_definitions = { web = { image = "nginx", port_mappings = [], bogus = 1 } }
}
"""


def _td(findings) -> list[tuple]:
    """(code, task, container, severity, the message's last clause)."""
    return [
        (f.code, f.task, f.container, f.severity, f.message.rsplit(": ", 1)[-1])
        for f in findings
        if f.code.startswith("TD")
    ]


def test_td_rules_check_terraform_container_definitions_and_name_the_container(tmp_path):
    (tmp_path / "main.tf").write_text(TD_TF)
    (tmp_path / "c.tpl").write_text('[{"name": "t", "image": "${image}", "essentail": true}]\n')
    dropped = (
        "Terraform's AWS provider drops unknown keys silently, so the container runs without it, on the image default"
    )
    casing = "Terraform's AWS provider matches keys regardless of case, so it applies, but the ECS API and the other rules here read `{}` only"
    assert _td(lint(_load(tmp_path / "main.tf"), RULES)) == [
        ("TD001", "aws_ecs_task_definition.hcl", "app", "warning", casing.format("entryPoint")),
        ("TD001", "aws_ecs_task_definition.hcl", "app", "error", dropped),
        (
            "TD002",
            "aws_ecs_task_definition.hcl",
            "app",
            "error",
            '`memory` is a string ("512") where ECS expects integer',
        ),
        (
            "TD002",
            "aws_ecs_task_definition.heredoc",
            "h",
            "error",
            '`initProcessEnabled` is a string ("true") where ECS expects boolean',
        ),
        ("TD001", "aws_ecs_task_definition.heredoc", "h", "error", dropped),
        ("TD001", "aws_ecs_task_definition.file", "t", "error", dropped),  # `essentail`: not a casing slip
    ]  # module.m: the module's own variables are not ECS's keys


def test_td_findings_are_suppressed_per_container(tmp_path):
    text = TD_TF.replace("TD002:other", "TD001:app TD002:app")
    (tmp_path / "main.tf").write_text(text)
    (tmp_path / "c.tpl").write_text("[]\n")
    assert [f[:3] for f in _td(lint(_load(tmp_path / "main.tf"), RULES))] == [
        ("TD002", "aws_ecs_task_definition.heredoc", "h"),
        ("TD001", "aws_ecs_task_definition.heredoc", "h"),
    ]


def test_td_rules_check_a_plan_and_say_what_becomes_of_the_key(tmp_path):
    containers = [{"name": "p", "image": "p:1", "linuxparameters": {}, "command": "./p"}]
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"address": "aws_ecs_task_definition.p", "type": "aws_ecs_task_definition",
         "values": {"family": "p", "container_definitions": json.dumps(containers)}}]}}}  # fmt: skip
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    found = _td(lint(_load(tmp_path / "plan.json"), RULES))
    assert [f[:4] for f in found] == [("TD001", "aws_ecs_task_definition.p", "p", "warning"),
                                      ("TD002", "aws_ecs_task_definition.p", "p", "error")]  # fmt: skip
    # register-task-definition input: the API rejects the key; a bare list: either may read it
    (tmp_path / "td.json").write_text(json.dumps({"family": "p", "containerDefinitions": containers}))
    (tmp_path / "list.json").write_text(json.dumps(containers))
    (register,) = [f for f in lint(_load(tmp_path / "td.json"), RULES) if f.code == "TD001"]
    assert register.container == "p" and register.message.endswith(
        "(did you mean `linuxParameters`?): the ECS API rejects the registration"
    )
    (either,) = [f for f in lint(_load(tmp_path / "list.json"), RULES) if f.code == "TD001"]
    assert either.message.endswith(
        "the ECS API rejects the registration (Terraform's AWS provider, which ignores case, applies it)"
    )
    assert "Terraform" not in register.message


# ---- HCL that does not parse --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'resource "aws_ecs_task_definition" "a" {\n  container_definitions = "abc\n}\n',
            "2:28: error: invalid HCL: unexpected end of file (is a bracket, a string or a heredoc left open?)",
        ),
        (
            'resource "aws_ecs_task_definition" "a" {\n  container_definitions = jsonencode([\n',
            "3:1: error: invalid HCL: unexpected end of file (is a bracket, a string or a heredoc left open?)",
        ),
        ('module "x" {\n  a = = 1\n}\n', "2:7: error: invalid HCL: unexpected `= 1`"),
        ('module "x" {\n  a = 1 +\n}\n', "3:1: error: invalid HCL: unexpected `}`"),
    ],
    ids=["open-string", "open-bracket", "double-equals", "dangling-operator"],
)
def test_hcl_errors_are_one_line_in_words(tmp_path, text, message):
    (tmp_path / "x.tf").write_text(text)
    run = _cli("check", "x.tf", cwd=tmp_path)
    assert (run.returncode, run.stderr) == (2, f"x.tf:{message}\n")


# ---- a file() JSON is linted once per run -------------------------------------------------------


def _batch(stdout: str) -> list[str]:
    return [line.split(": ")[0] for line in stdout.splitlines() if "`batch`" in line]


def test_file_json_reached_by_a_walk_reports_once(tmp_path):
    for name in ("main.tf", "containers.json", "containers.json.tpl"):
        shutil.copy(IAC / name, tmp_path)
    alone = _cli("check", "main.tf", cwd=tmp_path)
    assert _batch(alone.stdout) == ["main.tf:30:27"]  # the .tf is all there is
    walked = _cli("check", ".", cwd=tmp_path)
    assert _batch(walked.stdout) == ["containers.json:2:3"]  # the JSON owns its findings
    named = _cli("check", "main.tf", "containers.json", cwd=tmp_path)
    assert _batch(named.stdout) == ["containers.json:2:3"]
    fixed = _cli("fix", "--diff", ".", cwd=tmp_path)
    assert "`batch`" not in fixed.stderr and "initProcessEnabled" in fixed.stdout


def test_file_json_once_in_the_process_pool_too(tmp_path, monkeypatch):
    for name in ("main.tf", "containers.json", "containers.json.tpl"):
        shutil.copy(IAC / name, tmp_path)
    monkeypatch.setattr(parallel, "POOL_MIN_FILES", 1)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    paths = [str(tmp_path / "main.tf"), str(tmp_path / "containers.json")]
    outcomes = list(parallel.lint_files(paths, Configs()))
    batch = [
        (Path(f.location.file).name, f.location.line)
        for _, found, _ in outcomes
        for f in found
        if f.container == "batch"
    ]
    assert batch == [("containers.json", 2)]


# ---- hostile YAML ---------------------------------------------------------------------------------

HEAD = "Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n"


def _alias_bomb(levels: int) -> str:
    lines = ['      l0: &l0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"      l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    return HEAD + "\n".join(lines) + "\n      ContainerDefinitions: [{Name: x, Image: y}]\n"


@pytest.mark.parametrize(
    "text, message",
    [
        (_alias_bomb(9), r"9:11: error: YAML aliases of this anchor expand to more than 100,000 values"),
        (HEAD + "      X: " + "[" * 10_000 + "]" * 10_000 + "\n", "5:10: error: YAML nested more than 200 deep"),
        (HEAD + "      X: " + "[a, " * 10_000 + "]" * 10_000 + "\n", "5:10: error: YAML nested more than 200 deep"),
        (
            HEAD + "      X:\n" + "".join(" " * (8 + 2 * i) + "a:\n" for i in range(3000)),
            r"1:1: error: YAML nested too deeply",
        ),
    ],
    ids=["alias-bomb", "flow-10000-deep", "flow-items-10000-deep", "block-3000-deep"],
)
def test_hostile_yaml_is_one_line_error(tmp_path, text, message):
    path = tmp_path / "t.yaml"
    path.write_text(text)
    start = time.monotonic()
    run = _cli("check", str(path))
    assert time.monotonic() - start < 30
    assert run.returncode == 2
    assert run.stderr.strip() == f"{path}:{message}"


def test_aliases_and_nesting_within_bounds_are_read(tmp_path):
    doc = _load(tmp_path / "t.yaml", _alias_bomb(5))  # 9**4 repeated values: a big but honest template
    assert len(doc.data["Resources"]["T"]["Properties"]["l4"]) == 9
    nested = _load(tmp_path / "t.yaml", _alias_bomb(1) + "      X: " + "[" * 199 + "]" * 199 + "\n")
    value, depth = nested.data["Resources"]["T"]["Properties"]["X"], 0
    while isinstance(value, list):
        value, depth = value[0] if value else None, depth + 1
    assert depth == 199


# ---- fix titles follow the document's key style -----------------------------------------------------


def test_fix_title_in_pascal_case_for_cloudformation(tmp_path):
    template = HEAD + "      ContainerDefinitions:\n        - Name: web\n          Image: nginx\n"
    (finding,) = [f for f in lint(_load(tmp_path / "t.yaml", template), RULES) if f.code == "INIT001"]
    assert finding.fix.title == "Set LinuxParameters.InitProcessEnabled to true"
    (camel,) = [f for f in lint(_load(IAC / "containers.json"), RULES) if f.code == "INIT001"]
    assert camel.fix.title == "Set linuxParameters.initProcessEnabled to true"
