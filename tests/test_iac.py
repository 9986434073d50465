"""CloudFormation (JSON, YAML, SAM, CDK output) and Terraform (plan, state, .tf) inputs: what is
found where, and fixes that change only what they must, checked by cfn-lint and python-hcl2."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.errors import InputError
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import SUFFIXES, load

from .conftest import CORPUS

FIXTURES = Path(__file__).parent / "fixtures" / "iac"
RULES = Selection().rules()
INIT = Selection(("INIT001",)).rules()


def _load(path: Path, text: str | None = None):
    raw = text.encode() if text is not None else path.read_bytes()
    return load(str(path), raw)


def _where(findings) -> list[tuple]:
    return [(f.code, f.task, f.container, f.location.line, f.location.column) for f in findings]


def _only_insertions(before: str, after: str) -> list[str]:
    """The lines `after` adds; fails if it changed or dropped any line of `before`."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    added = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"changed lines {a[i1:i2]} -> {b[j1:j2]}"
        added += b[j1:j2] if tag == "insert" else []
    return added


def _cfn_lint(text: str) -> set[tuple[str, str]]:
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint

    return {(m.rule.id, m.message) for m in cfn_lint(text, config=ManualArgs(regions=["us-east-1"]))}


# ---- CloudFormation -------------------------------------------------------------------------


def test_yaml_short_tags_become_intrinsics():
    doc = _load(FIXTURES / "tags.yaml")
    web = doc.data["Resources"]["WebTask"]["Properties"]
    assert web["Family"] == {"Fn::Join": ["-", [{"Ref": "AWS::StackName"}, "web"]]}
    assert web["Cpu"] == {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Cpu"]}
    env = {e["Name"]: e["Value"] for e in web["ContainerDefinitions"][0]["Environment"]}
    assert env["ZONE"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert env["SUBNET"] == {"Fn::Select": [0, {"Fn::Split": [",", {"Fn::ImportValue": "shared-subnets"}]}]}
    assert env["USERDATA"] == {"Fn::Base64": "echo hi"}
    assert doc.data["Conditions"]["IsDev"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    worker = doc.data["Resources"]["WorkerTask"]["Properties"]["ContainerDefinitions"][0]
    assert worker["Image"] == {"Fn::GetAtt": ["Repo", "RepositoryUri"]}
    assert doc.data["Outputs"]["Web"]["Value"] == {"Fn::GetAtt": ["WebTask", "TaskDefinitionArn"]}


def test_yaml_findings_name_resource_container_and_position():
    doc = _load(FIXTURES / "tags.yaml")
    assert _where(lint(doc, INIT)) == [
        ("INIT001", "WebTask", "web", 31, 11),  # the container
        ("INIT001", "WebTask", "envoy", 53, 13),  # its LinuxParameters
        ("INIT001", "WorkerTask", "worker", 65, 13),  # InitProcessEnabled: !If [IsProd, true, false]
        ("INIT001", "WorkerTask", "param", 73, 13),  # InitProcessEnabled: !Ref AWS::NoValue
        ("INIT001", "Agent", "agent", 78, 11),  # the daemon task definition
    ]
    pointers = {f.container: f.pointer for f in lint(doc, INIT)}
    assert pointers["envoy"] == "/Resources/WebTask/Properties/ContainerDefinitions/1/LinuxParameters"


def test_fn_if_checks_both_branches_and_unknowns_stay_quiet(tmp_path):
    template = (FIXTURES / "tags.yaml").read_text()
    # `steady` is true in both branches: no finding; a parameter is unknown: no finding
    quiet = template.replace("!If [IsProd, true, false]", "!Ref InitParam")
    doc = _load(tmp_path / "t.yaml", quiet)
    assert "worker" not in [f.container for f in lint(doc, INIT)]
    assert "steady" not in [f.container for f in lint(_load(FIXTURES / "tags.yaml"), INIT)]
    # a finding behind an Fn::If is not fixed in place: its fix is the change to make by hand
    (worker,) = [f for f in lint(_load(FIXTURES / "tags.yaml"), INIT) if f.container == "worker"]
    assert worker.fix.applicability == "manual"


def test_yaml_fix_keeps_tags_comments_and_layout():
    doc = _load(FIXTURES / "tags.yaml")
    fixed, done = fix(doc, RULES)
    assert sorted(f.container for f in done) == ["agent", "envoy", "web"]
    text = fixed.edited([])
    # one changed line: the flow-style daemon container gets the key in flow style
    flow = "        - {Name: agent, Image: amazon/cloudwatch-agent}\n"
    flow_fixed = flow.replace("}", ", LinuxParameters: {InitProcessEnabled: true}}")
    assert flow_fixed in text
    added = _only_insertions(doc.text.replace(flow, ""), text.replace(flow_fixed, ""))
    assert added == [
        "          LinuxParameters:\n",
        "            InitProcessEnabled: true\n",
        "            InitProcessEnabled: true\n",
    ]
    # the block goes after the comment that ends `web`, before the comment that opens `envoy`
    assert "# the last line of `web`\n          LinuxParameters:\n" in text
    assert "InitProcessEnabled: true\n        # the sidecar keeps its own comment\n" in text
    again, more = fix(fixed, RULES)
    assert not more and again.text == fixed.text


def test_the_template_of_an_fn_foreach_loop_is_read():
    """Its task definition is linted once, as written, and fixed in the loop's template."""
    doc = _load(FIXTURES / "foreach.yaml")
    (task,) = doc.tasks
    assert task.pointer == "/Resources/Fn::ForEach::Services/2/TaskDef${Name}/Properties"
    assert {f.code for f in lint(doc, RULES)} == {"INIT001", "SIG001"}
    fixed, _ = fix(doc, RULES)
    props = fixed.data["Resources"]["Fn::ForEach::Services"][2]["TaskDef${Name}"]["Properties"]
    assert props["ContainerDefinitions"][0]["Command"] == ["sh", "-c", "migrate && exec app"]


def test_fixed_templates_pass_cfn_lint():
    for name in ("tags.yaml", "sam.yaml", "cdk.template.json", "foreach.yaml"):
        doc = _load(FIXTURES / name)
        fixed, done = fix(doc, RULES)
        assert done
        assert _cfn_lint(fixed.edited([])) <= _cfn_lint(doc.text), name


def test_crlf_template_stays_crlf(tmp_path):
    crlf = (FIXTURES / "tags.yaml").read_text().replace("\n", "\r\n")
    doc = _load(tmp_path / "crlf.yaml", crlf)
    assert _where(lint(doc, INIT)) == _where(lint(_load(FIXTURES / "tags.yaml"), INIT))
    text = fix(doc, RULES)[0].edited([])
    assert text.count("\n") == text.count("\r\n") and "InitProcessEnabled: true\r\n" in text
    assert text.replace("\r\n", "\n") == fix(_load(FIXTURES / "tags.yaml"), RULES)[0].edited([])


def test_sam_fix_adds_block_in_the_files_indentation():
    doc = _load(FIXTURES / "sam.yaml")
    assert _where(lint(doc, INIT)) == [("INIT001", "Task", "app", 19, 9)]
    text = fix(doc, RULES)[0].edited([])
    assert text.endswith("        LinuxParameters:\n          InitProcessEnabled: true\n")
    assert """Command: [sh, -c, 'exec nginx -g "daemon off;"']""" in text  # its quotes kept


def test_cdk_synth_output_gets_the_json_splice(tmp_path):
    as_template = _load(tmp_path / "stack.template", (FIXTURES / "cdk.template.json").read_text())
    assert [t.label for t in as_template.tasks] == ["TaskDef54694570"]
    doc = _load(FIXTURES / "cdk.template.json")
    (finding,) = lint(doc, INIT)
    assert (finding.task, finding.container, finding.location.line) == ("TaskDef54694570", "web", 7)
    added = _only_insertions(doc.text.replace('"tcp"}]\n', '"tcp"}],\n'), fix(doc, RULES)[0].edited([]))
    assert added == ['      "LinuxParameters": {\n', '       "InitProcessEnabled": true\n', "      }\n"]


def test_yaml_edits_keep_scalar_styles_and_fill_empty_values(tmp_path):
    template = """Resources:
  T:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
      - Name: script
        Command:
        - sh
        - -c
        - |
          migrate
          node app.js
      - Name: empty
        LinuxParameters:
      - Name: plain
        Command: [sh, -c, node app.js]
"""
    text = fix(_load(tmp_path / "t.yaml", template), RULES)[0].edited([])
    assert "        - |\n          migrate\n          exec node app.js\n        LinuxParameters:\n" in text
    assert "      - Name: empty\n        LinuxParameters: {InitProcessEnabled: true}\n" in text
    assert "Command: [sh, -c, exec node app.js]" in text


def test_yaml_that_is_no_template_is_skipped_and_broken_template_is_an_error(tmp_path):
    assert _load(tmp_path / "ci.yml", "on: push\njobs: {build: {runs-on: ubuntu-latest}}\n") is None
    assert _load(tmp_path / "chart.yaml", "{{- if .Values.x }}\nkind: Pod\n") is None
    no_task = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
    assert _load(tmp_path / "s3.yaml", no_task) is None
    broken = "Resources:\n  Td:\n    Type: AWS::ECS::TaskDefinition\n    Properties: {{ .Props }}\n  x: [\n"
    with pytest.raises(InputError) as exc:
        _load(tmp_path / "broken.yaml", broken)
    assert re.fullmatch(rf"{re.escape(str(tmp_path / 'broken.yaml'))}:\d+:\d+: invalid YAML: [^\n]+", str(exc.value))


NO_VALUE_YAML = """Conditions:
  C: !Equals [a, b]
Resources:
  T:
    Type: AWS::ECS::TaskDefinition
    Properties: !If [C, {ContainerDefinitions: [{Name: i, Image: x}]}, !Ref AWS::NoValue]
  U:
    Type: AWS::ECS::TaskDefinition
    Properties: !If [C, [not, a, mapping], !Sub "x"]
"""


def test_properties_that_resolve_to_no_mapping_have_no_task_in_that_branch(tmp_path):
    (tmp_path / "t.yaml").write_text(NO_VALUE_YAML)
    yaml_doc = _load(tmp_path / "t.yaml")
    (tmp_path / "t.json").write_text(json.dumps(yaml_doc.data))
    json_doc = _load(tmp_path / "t.json")
    for doc in (yaml_doc, json_doc):
        assert [t.label for t in doc.tasks] == ["T"]  # one branch of T; none of U
        (finding,) = lint(doc, INIT)
        assert (finding.container, finding.fix.applicability) == ("i", "manual")
    run = subprocess.run([sys.executable, "-m", "ecsinit_lint", "check", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 1 and "Traceback" not in run.stderr and run.stdout.count("INIT001") == 2


def test_yaml_stream_is_read_document_by_document(tmp_path):
    manifests = "kind: ConfigMap\ndata:\n  note: AWS::ECS::TaskDefinition\n---\nkind: Service\n"
    assert _load(tmp_path / "k8s.yaml", manifests) is None
    mention = "# AWS::ECS::TaskDefinition examples live elsewhere\nfoo: [unclosed\n"
    assert _load(tmp_path / "notes.yaml", mention) is None
    template = (FIXTURES / "sam.yaml").read_text()
    doc = _load(tmp_path / "s.yaml", manifests + "---\n" + template)
    (finding,) = lint(doc, INIT)
    assert (finding.pointer, finding.location.line) == ("/2/Resources/Task/Properties/ContainerDefinitions/0", 19 + 6)
    fixed = fix(doc, RULES)[0].edited([])
    assert fixed.startswith(manifests + "---\n") and fixed[len(manifests) + 4 :] == fix(
        _load(FIXTURES / "sam.yaml"), RULES
    )[0].edited([])
    with pytest.raises(InputError) as exc:  # a template that is broken stays an error
        _load(tmp_path / "b.yaml", manifests + "---\n" + template + "  Broken: [\n")
    assert str(exc.value).startswith(f"{tmp_path / 'b.yaml'}:{len((manifests + template).splitlines()) + 3}:")


MERGED = """Resources:
  Web:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - &base
          Name: web
          Image: x
          LinuxParameters:
            InitProcessEnabled: true
        - <<: *base
          Name: web2
        - <<: [{Image: y}, *base]
          Name: web3
          LinuxParameters: {}
"""


def test_merge_keys_are_resolved(tmp_path):
    doc = _load(tmp_path / "m.yaml", MERGED)
    web2, web3 = doc.data["Resources"]["Web"]["Properties"]["ContainerDefinitions"][1:]
    assert web2 == {"Name": "web2", "Image": "x", "LinuxParameters": {"InitProcessEnabled": True}}
    assert web3 == {"Name": "web3", "Image": "y", "LinuxParameters": {}}  # own keys, then the first merged
    assert [(f.container, f.location.line, f.fix.applicability) for f in lint(doc, INIT)] == [("web3", 15, "safe")]


SHARED = """Resources:
  Web:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: web3
          Image: x
          Command: &cmd [sh, -c, "./m && node s.js"]
        - Name: web4
          Image: x
          Command: *cmd
        - &base
          Name: web5
          Image: x
        - <<: *base
          Name: web6
"""


def test_a_fix_in_a_shared_anchor_is_manual_and_the_others_apply(tmp_path):
    doc = _load(tmp_path / "a.yaml", SHARED)
    findings = {(f.code, f.container): f.fix for f in lint(doc, RULES)}
    for container in ("web3", "web4"):
        assert findings["SIG001", container].applicability == "manual"
        assert "YAML anchor &cmd" in findings["SIG001", container].title
    assert findings["INIT001", "web5"].applicability == "manual" and "&base" in findings["INIT001", "web5"].title
    fixed, done = fix(doc, RULES)
    assert sorted(f.container for f in done) == ["web3", "web4", "web6"]
    text = fixed.edited([])
    added = _only_insertions(doc.text, text)
    assert added == ["          LinuxParameters:\n", "            InitProcessEnabled: true\n"] * 3
    assert "          Command: *cmd\n          LinuxParameters:\n" in text  # after the alias, not the anchor
    assert "          Name: web6\n          LinuxParameters:\n" in text
    assert _cfn_lint(text) <= _cfn_lint(doc.text)


@pytest.mark.parametrize("empty", ["Essential:", "Essential: # to do", "PortMappings:\n            -"])
@pytest.mark.parametrize("after", ["      Family: f\n", "        - Name: next\n          Image: x\n", ""])
def test_container_whose_last_key_is_empty_is_fixable(tmp_path, empty, after):
    template = ("Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n"
                f"        - Name: web\n          Image: x\n          {empty}\n{after}")  # fmt: skip
    doc = _load(tmp_path / "e.yaml", template)
    fixed, done = fix(doc, INIT)
    assert "web" in [f.container for f in done]
    text = fixed.edited([])
    block = "          LinuxParameters:\n            InitProcessEnabled: true\n"
    assert f"          {empty}\n{block}" in text and text.endswith("\n") and "\n\n" not in text
    assert _only_insertions(template, text)


def test_replaced_plain_scalar_stays_plain(tmp_path):
    template = ("Resources:\n  T:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      ContainerDefinitions:\n"
                "        - Name: web\n          LinuxParameters: {InitProcessEnabled: true}\n          Command:\n"
                "            - sh\n            - -c\n            - ./migrate && node server.js\n")  # fmt: skip
    text = fix(_load(tmp_path / "p.yaml", template), RULES)[0].edited([])
    assert text == template.replace("&& node", "&& exec node")


# ---- Terraform ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["plan.json", "state.json"])
def test_terraform_show_json(name):
    doc = _load(FIXTURES / name)
    findings = lint(doc, INIT)
    expect = ["aws_ecs_task_definition.web"] + (
        ["module.svc.aws_ecs_task_definition.this"] if name == "plan.json" else []
    )
    assert [f.task for f in findings] == expect
    assert all(f.container == "web" and f.fix.applicability == "manual" for f in findings)
    # the line of the container_definitions string
    assert doc.text.splitlines()[findings[0].location.line - 1].lstrip().startswith('"container_definitions"')


def test_tf_findings():
    doc = _load(FIXTURES / "main.tf")
    assert _where(lint(doc, INIT)) == [
        ("INIT001", "aws_ecs_task_definition.app", "web", 6, 5),
        ("INIT001", "aws_ecs_task_definition.app", "log", 12, 61),  # its linuxParameters
        ("INIT001", "aws_ecs_task_definition.heredoc", "api", 20, 7),
        ("INIT001", "aws_ecs_task_definition.from_file", "batch", 30, 27),  # the file() call
        ("INIT001", "aws_ecs_task_definition.templated", "tpl2", 35, 27),  # `tpl` is ${init}: unknown
    ]


def test_tf_fix_inserts_literal_and_reparses(tmp_path):
    for name in ("main.tf", "containers.json", "containers.json.tpl"):
        shutil.copy(FIXTURES / name, tmp_path)
    doc = _load(tmp_path / "main.tf")
    fixed, done = fix(doc, RULES)
    assert [f.container for f in done] == ["web", "log", "api"]
    text = fixed.edited([])
    hcl2.loads(text)
    log = '{ name = "log", image = "fluent-bit", linuxParameters = { capabilities = { add = [] } } },\n'
    log_fixed = log.replace("] }", "] }, initProcessEnabled = true")
    assert log_fixed in text
    before = doc.text.replace(log, "").replace('"api:1"\n', '"api:1",\n')  # the heredoc's comma
    added = _only_insertions(before, text.replace(log_fixed, ""))
    assert added == [
        "      linuxParameters = { initProcessEnabled = true }\n",
        '        "linuxParameters": {\n',
        '          "initProcessEnabled": true\n',
        "        }\n",
    ]
    left = [f for f in lint(fixed, RULES) if f.code == "INIT001"]
    assert [(f.container, f.fix.applicability) for f in left] == [("batch", "manual"), ("tpl2", "manual")]
    assert (tmp_path / "containers.json").read_text() == (FIXTURES / "containers.json").read_text()


def test_fix_diff_notes_the_changes_to_make_by_hand(tmp_path):
    for name in ("main.tf", "containers.json", "containers.json.tpl"):
        shutil.copy(FIXTURES / name, tmp_path)
    run = subprocess.run([sys.executable, "-m", "ecsinit_lint", "fix", "--write", str(tmp_path / "main.tf")],
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    # the line in the written file, which gained one line above it
    assert (
        f"{tmp_path / 'main.tf'}:34:27: note: Set linuxParameters.initProcessEnabled to true in `batch` by hand"
        in run.stderr
    )
    hcl2.loads((tmp_path / "main.tf").read_text())


def test_tf_expressions_that_are_not_literal_are_unknown(tmp_path):
    tf = """resource "aws_ecs_task_definition" "a" {
  pid_mode              = var.shared ? "task" : null
  container_definitions = jsonencode([{ name = "n", image = "i", memory = -2, essential = !false,
    command = [for s in var.l : s], entryPoint = ["sh", 1 + 1], cpu = (1), dockerLabels = { for k, v in var.m : k => v },
    linuxParameters = { initProcessEnabled = var.init } }, local.sidecar])
}
"""
    doc = _load(tmp_path / "x.tf", tf)
    (container, sidecar) = doc.data["aws_ecs_task_definition.a"]
    assert container["memory"] == {"__unknown__": "-2"} and container["entryPoint"][1] == {"__unknown__": "1 + 1"}
    assert container["linuxParameters"] == {"initProcessEnabled": {"__unknown__": "var.init"}}
    assert sidecar == {"__unknown__": "local.sidecar"}
    assert lint(doc, RULES) == []


def test_bad_hcl_is_a_one_line_error(tmp_path):
    bad = 'resource "aws_ecs_task_definition" "x" {\n  container_definitions = = 1\n}\n'
    with pytest.raises(InputError) as exc:
        _load(tmp_path / "bad.tf", bad)
    assert str(exc.value).startswith(f"{tmp_path / 'bad.tf'}:2:") and "\n" not in str(exc.value)


def test_json_lint_does_not_import_yaml_or_hcl():
    code = (
        "import sys; from ecsinit_lint.inputs.sources import load; from ecsinit_lint.engine.linter import lint;"
        "from ecsinit_lint.engine.registry import Selection;"
        f"doc = load('x.json', open({str(FIXTURES / 'cdk.template.json')!r}, 'rb').read());"
        "assert lint(doc, Selection().rules());"
        "print(sorted(m for m in ('ruamel', 'hcl2', 'lark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ---- the real-world corpus ------------------------------------------------------------------


def _lacks_init(container: dict) -> bool:
    """Independent of the rule: no init flag at all, and nothing init-like in its argv."""
    text = json.dumps(container).lower()
    return "initprocessenabled" not in text and not any(
        w in text for w in ("tini", "dumb-init", "/init", "supervisord", "s6-")
    )


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not here")
def test_corpus_every_task_definition_without_init_is_found():
    checked = 0
    for path in sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES):
        try:
            doc = load(str(path), path.read_bytes())
        except InputError as exc:  # a template or invalid file: one clean line
            assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: [^\n]+", str(exc))
            continue
        if doc is None:
            continue
        flagged = {(f.task, f.container) for f in lint(doc, RULES) if f.code == "INIT001"}
        text = path.read_text(encoding="utf-8-sig")
        if doc.kind == "cloudformation":  # every task definition resource is read
            types = text.count("AWS::ECS::TaskDefinition") + text.count("AWS::ECS::DaemonTaskDefinition")
            assert len({t.label for t in doc.tasks}) == types, path.name
        for task in doc.tasks:
            if "WINDOWS" in json.dumps(task.data) or task.is_windows or task.pid_mode in ("task", "host"):
                continue
            for c in task.containers:
                if _lacks_init(c.data):
                    checked += 1
                    assert (task.label, c.name) in flagged, (path.name, task.label, c.name)
    assert checked >= 200, checked


MEMBERS = ['name = "a"', 'image = "alpine"', 'command = ["su", "app", "-c", "./server"]']


@pytest.mark.parametrize("layout", ["lines", "one line"])
@pytest.mark.parametrize("removed", range(len(MEMBERS)))
def test_hcl_removes_a_member_wherever_it_sits(tmp_path, layout, removed):
    """Every op a fix emits applies to a jsonencode literal: here `remove`, of the first, a
    middle or the last member, on lines of their own or on one line (SIG003's fix removes `command`)."""
    members = "\n      ".join(MEMBERS) if layout == "lines" else ", ".join(MEMBERS)
    body = f"[{{\n      {members}\n    }}]" if layout == "lines" else f"[{{ {members} }}]"
    text = (
        f'resource "aws_ecs_task_definition" "t" {{\n  family = "f"\n  container_definitions = jsonencode({body})\n}}\n'
    )
    doc = _load(tmp_path / "main.tf", text)
    key = MEMBERS[removed].split(" =")[0]
    edited = doc.edited([{"op": "remove", "path": f"/aws_ecs_task_definition.t/0/{key}"}])
    container = {k: v for k, v in doc.data["aws_ecs_task_definition.t"][0].items() if k != key}
    assert _load(tmp_path / "main.tf", edited).data["aws_ecs_task_definition.t"][0] == container, edited
