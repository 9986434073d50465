"""In-document suppressions: tags, CloudFormation Metadata, YAML comments, unused ones (SUP001)."""

from __future__ import annotations

import ast
import inspect
import json
from dataclasses import replace

import pytest
from typer.testing import CliRunner

from ecsinit_lint.cli.app import app
from ecsinit_lint.core import suppress
from ecsinit_lint.core.taskdef import TaskDef
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Rule, Selection, load_rules
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.document import JsonDocument
from ecsinit_lint.inputs.sources import load

ALL = Selection().rules()


def taskdef(tags=None, **extra):
    data = {"family": "web", "containerDefinitions": [
        {"name": "app", "image": "debian", "command": ["./server"]},
        {"name": "sidecar", "image": "envoy"}]}  # fmt: skip
    if tags is not None:
        data["tags"] = [{"key": "team", "value": "a"}, {"key": "ecsinit-lint:ignore", "value": tags}]
    return {**data, **extra}


def doc_of(data, tmp_path, name="td.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2) + "\n")
    return load(str(path), path.read_bytes())


def found(doc, rules=ALL):
    return [(f.code, f.container, f.location.line) for f in lint(doc, rules)]


@pytest.mark.parametrize(
    ("value", "entries"),
    [
        ("INIT001", [("INIT001", None)]),
        ("INIT001 SIG001:sidecar", [("INIT001", None), ("SIG001", "sidecar")]),
        (" INIT001,  SIG:web ,", [("INIT001", None), ("SIG", "web")]),
        ("missing-init-process:app", [("missing-init-process", "app")]),
        ("", []),
    ],
)
def test_entries(value, entries):
    assert suppress.entries(value) == entries


def test_tag_suppresses_a_code_in_every_container(tmp_path):
    assert [c for c, *_ in found(doc_of(taskdef(), tmp_path))] == ["INIT001", "INIT001"]
    assert found(doc_of(taskdef("INIT001"), tmp_path)) == []


def test_tag_names_a_container(tmp_path):
    assert [(c, n) for c, n, _ in found(doc_of(taskdef("INIT001:sidecar"), tmp_path))] == [("INIT001", "app")]


def test_tag_by_rule_name_and_prefix(tmp_path):
    assert found(doc_of(taskdef("missing-init-process"), tmp_path)) == []
    assert found(doc_of(taskdef("INIT"), tmp_path)) == []


def test_unused_entry_is_reported_at_the_tag_value(tmp_path):
    doc = doc_of(taskdef("INIT001 SIG001:app"), tmp_path)
    (finding,) = lint(doc, ALL)
    assert (finding.code, finding.severity, finding.container) == ("SUP001", "info", "app")
    assert finding.message == "tag `ecsinit-lint:ignore` entry `SIG001:app` suppresses nothing"
    assert doc.text.splitlines()[finding.location.line - 1].strip() == '"value": "INIT001 SIG001:app"'


def test_unused_is_judged_only_for_rules_that_run(tmp_path):
    doc = doc_of(taskdef("SIG001"), tmp_path)
    assert [
        c
        for c, *_ in found(
            doc,
            Selection(
                ("INIT", "SUP"),
            ).rules(),
        )
    ] == ["INIT001", "INIT001"]
    assert [c for c, *_ in found(doc, Selection(("SIG", "SUP")).rules())] == ["SUP001"]
    assert found(doc, Selection(("SIG",)).rules()) == []


def test_the_rule_marked_reports_unused_suppressions_not_a_code(tmp_path):
    """The linter stamps unused suppressions under whichever selected rule carries the marker."""
    doc = doc_of(taskdef("INIT001 SIG001:app"), tmp_path)
    other = Rule("XSUP9", "stale-ignore", "warning", "never", lambda task: (), reports_unused_suppressions=True)
    sup001 = load_rules()["SUP001"]
    assert sup001.reports_unused_suppressions
    rules = [r for r in ALL if r is not sup001]
    assert [(f.code, f.name, f.severity) for f in lint(doc, [*rules, other])] == [("XSUP9", "stale-ignore", "warning")]
    assert lint(doc, [*rules, replace(sup001, reports_unused_suppressions=False)]) == []


def test_known_rules_come_as_an_argument():
    """The suppression module knows no registry: without known rules no entry names a rule, and
    an entry is unused only for a rule among those given."""
    data = taskdef("INIT001")
    task = TaskDef.build(data, "", "camel", "/containerDefinitions", data["containerDefinitions"])
    (s,) = suppress.of(task)
    assert suppress.problem(s, task, []) == "names no rule"
    assert suppress.problem(s, task, load_rules().values()) is None
    assert suppress.problem(replace(s, container="web"), task, load_rules().values()).startswith("names no container")
    assert suppress.unused([s], set(), task, []) == []
    assert suppress.unused([s], set(), task, [load_rules()["INIT001"]]) == [s]
    assert suppress.unused([s], {s}, task, [load_rules()["INIT001"]]) == []
    tree = ast.parse(inspect.getsource(suppress))
    imported = {"." * n.level + n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert imported <= {"__future__", "re", "collections.abc", "dataclasses", ".pointer"}  # below inputs/, no registry


def test_suppression_can_suppress_sup001(tmp_path):
    assert found(doc_of(taskdef("INIT001 BOGUS SUP001"), tmp_path)) == []


def test_cloudformation_tags_use_pascal_keys(tmp_path):
    data = {"Resources": {"Td": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
        "Tags": [{"Key": "ecsinit-lint:ignore", "Value": "INIT001:app"}],
        "ContainerDefinitions": [{"Name": "app", "Image": "debian"}, {"Name": "side", "Image": "envoy"}]}}}}  # fmt: skip
    text = json.dumps(data, indent=2)
    props = data["Resources"]["Td"]["Properties"]
    base = "/Resources/Td/Properties"
    task = TaskDef.build(
        props, base, "pascal", base + "/ContainerDefinitions", props["ContainerDefinitions"], label="Td"
    )
    doc = JsonDocument("template.json", text, data, "cloudformation", [task])
    assert [(f.code, f.container, f.task) for f in lint(doc, ALL)] == [("INIT001", "side", "Td")]


def test_terraform_tag_map():
    assert suppress.from_tags({"ecsinit-lint:ignore": "INIT001 SIG001:web", "env": "prod"}, "/tags") == [
        suppress.Suppression("INIT001", None, "tag", "/tags/ecsinit-lint:ignore"),
        suppress.Suppression("SIG001", "web", "tag", "/tags/ecsinit-lint:ignore"),
    ]


def test_describe_output_tags_are_the_live_revisions(tmp_path):
    """An audit describes each revision with its tags; the suppression on it is honoured."""
    described = {"taskDefinition": taskdef(), "tags": [{"key": "ecsinit-lint:ignore", "value": "INIT001:app"}]}
    doc = doc_of(described, tmp_path)
    assert [(c, n) for c, n, _ in found(doc)] == [("INIT001", "sidecar")]
    assert doc.registerable(doc.data)["tags"] == described["tags"]  # and it survives into the revision


def test_cloudformation_metadata_from_the_loader(tmp_path):
    data = {"Resources": {"Td": {"Type": "AWS::ECS::TaskDefinition",
                                 "Metadata": {"ecsinit-lint": {"ignore": ["INIT001:app", "SIG002"]}},
                                 "Properties": {"ContainerDefinitions": [{"Name": "app", "Image": "debian"}]}}}}  # fmt: skip
    text = json.dumps(data, indent=2)
    resource, base = data["Resources"]["Td"], "/Resources/Td"
    task = TaskDef.build(resource["Properties"], base + "/Properties", "pascal", base + "/Properties/ContainerDefinitions",
                         resource["Properties"]["ContainerDefinitions"], label="Td")  # fmt: skip
    task.suppressions = suppress.from_metadata(resource["Metadata"], base + "/Metadata")
    doc = JsonDocument("template.json", text, data, "cloudformation", [task])
    (unused,) = lint(doc, ALL)
    assert (unused.code, unused.pointer) == ("SUP001", "/Resources/Td/Metadata/ecsinit-lint/ignore/1")
    assert unused.message == "Metadata `ecsinit-lint` entry `SIG002` suppresses nothing"
    assert text.splitlines()[unused.location.line - 1].strip() == '"SIG002"'


def test_metadata_accepts_one_string():
    assert suppress.from_metadata({"ecsinit-lint": {"ignore": "INIT001 SIG001"}}, "/R/M") == [
        suppress.Suppression("INIT001", None, "metadata", "/R/M/ecsinit-lint/ignore"),
        suppress.Suppression("SIG001", None, "metadata", "/R/M/ecsinit-lint/ignore"),
    ]
    assert suppress.from_metadata({"other": 1}, "/R/M") == suppress.from_metadata("x", "/R/M") == []


YAML_TEXT = """\
# ecsinit-lint: ignore[SIG002]
Resources:
  Web:  # ecsinit-lint: ignore[INIT001:web, SIG001]
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: web
          Command: ["sh", "-c", "echo '# ecsinit-lint: ignore[quoted]'"]
  Worker:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: worker   #ecsinit-lint:ignore[INIT001]
"""


def test_comments_parsed_from_yaml_text():
    found = suppress.from_comments(enumerate(YAML_TEXT.splitlines(), 1))
    assert [(s.text, s.position) for s in found] == [
        ("SIG002", (1, 1)), ("INIT001:web", (3, 9)), ("SIG001", (3, 9)), ("INIT001", (13, 26)),
    ]  # fmt: skip
    assert "[quoted]" not in [s.code for s in found]  # inside a quoted scalar, no space before the #


def test_comments_attach_to_the_task_they_sit_in(tmp_path):
    """A hand-built two-task JSON document stands in for the YAML loader; lines are the text's."""
    data = {"Resources": {
        "Web": {"Properties": {"ContainerDefinitions": [{"Name": "web", "Image": "debian"}]}},
        "Worker": {"Properties": {"ContainerDefinitions": [{"Name": "worker", "Image": "debian"}]}}}}  # fmt: skip
    text = json.dumps(data, indent=2)
    lines = text.splitlines()
    web_line = next(i for i, line in enumerate(lines, 1) if '"Web"' in line)
    worker_line = next(i for i, line in enumerate(lines, 1) if '"Worker"' in line)
    tasks = []
    for name in ("Web", "Worker"):
        base = f"/Resources/{name}/Properties"
        props = data["Resources"][name]["Properties"]
        tasks.append(
            TaskDef.build(
                props, base, "pascal", base + "/ContainerDefinitions", props["ContainerDefinitions"], label=name
            )
        )
    doc = JsonDocument("t.json", text, data, "cloudformation", tasks)
    comments = [
        (1, "# ecsinit-lint: ignore[INIT001:web]"),
        (worker_line + 1, "  # ecsinit-lint: ignore[INIT001, SIG001]"),
    ]
    suppress.attach_comments(doc, suppress.from_comments(comments))
    assert [s.text for s in tasks[0].suppressions] == ["INIT001:web"] and web_line > 1
    assert [s.text for s in tasks[1].suppressions] == ["INIT001", "SIG001"]
    (unused,) = lint(doc, ALL)
    at = unused.location
    assert (unused.code, unused.task, at.line, at.column) == ("SUP001", "Worker", worker_line + 1, 3)


def test_fix_leaves_suppressed_findings_alone(tmp_path):
    doc = doc_of(taskdef("INIT001:app"), tmp_path)
    fixed, done = fix(doc, ALL)
    assert [f.container for f in done] == ["sidecar"]
    assert "linuxParameters" not in fixed.data["containerDefinitions"][0]


def test_cli_reports_unused_as_info_that_fails_only_when_asked(tmp_path, monkeypatch):
    (tmp_path / "td.json").write_text(json.dumps(taskdef("INIT001 SIG003:app"), indent=2))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["check", "td.json"])
    assert result.exit_code == 0
    assert "SUP001 tag `ecsinit-lint:ignore` entry `SIG003:app` suppresses nothing" in result.stdout
    assert CliRunner().invoke(app, ["check", "--fail-on", "info", "td.json"]).exit_code == 1
    assert CliRunner().invoke(app, ["check", "--ignore", "SUP001", "--fail-on", "info", "td.json"]).exit_code == 0


def test_cloudformation_metadata_and_yaml_comments_suppress(tmp_path):
    from ecsinit_lint.engine.linter import lint
    from ecsinit_lint.engine.registry import Selection
    from ecsinit_lint.inputs.sources import load

    text = """Resources:
  Td:
    Type: AWS::ECS::TaskDefinition
    Metadata:
      ecsinit-lint:
        ignore: [SIG001, STOP002]
    Properties:
      ContainerDefinitions:
        - Name: web  # ecsinit-lint: ignore[INIT001:web]
          Image: nginx
          Command: ["sh", "-c", "nginx # ecsinit-lint: ignore[INIT001]"]
        - Name: side
          Image: envoy
"""
    path = tmp_path / "template.yaml"
    path.write_text(text)
    found = [(f.code, f.container, f.location.line) for f in lint(load(str(path), text.encode()), Selection().rules())]
    # SIG001 (metadata) and INIT001 for web (comment) are suppressed; the string is no comment;
    # the metadata entry STOP002 suppresses nothing
    assert found == [("SUP001", None, 6), ("INIT001", "side", 12)]
