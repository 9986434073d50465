"""SARIF, GitHub annotations, JUnit XML and --output, run as a user runs them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsinit_lint.cli.app import app
from ecsinit_lint.core.findings import Finding, Location, Severity
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection, load_rules
from ecsinit_lint.errors import InputError
from ecsinit_lint.inputs.sources import load
from ecsinit_lint.output.github import github
from ecsinit_lint.output.gitlab import gitlab
from ecsinit_lint.output.junit import junit
from ecsinit_lint.output.report import FORMATS, Report, text
from ecsinit_lint.output.sarif import sarif

from .conftest import CORPUS
from .readme import blocks

ROOT = Path(__file__).parents[1]
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())
WRAPPER = (ROOT / "examples" / "shell-wrapper.json").read_text()


def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ecsinit_lint", *args], cwd=cwd, capture_output=True, text=True)


def report_for(*paths) -> Report:
    """What `check` would report on the paths (relative to the working directory)."""
    docs = [load(p, Path(p).read_bytes()) for p in paths]
    findings = [f for d in docs for f in lint(d, Selection().rules())]
    return Report(findings, [], len(docs), lambda f: f.fix is not None, documents=docs)


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_sarif_validates_and_describes_every_rule(cwd):
    (cwd / "sub dir").mkdir()
    (cwd / "sub dir" / "web.json").write_text(WRAPPER)
    log = json.loads(sarif(report_for("sub dir/web.json")))
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["version"] and driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == list(load_rules())
    init = driver["rules"][0]
    assert init["defaultConfiguration"]["level"] == "error"
    assert init["help"]["text"] == load_rules()["INIT001"].doc
    assert init["fullDescription"]["text"].startswith("Flags a container")
    results = log["runs"][0]["results"]
    levels = [(r["ruleId"], r["level"]) for r in results]
    assert levels == [("INIT001", "error"), ("SIG001", "error"), ("SIG002", "warning")]
    location = results[1]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "sub%20dir/web.json", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 10, "startColumn": 19}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == cwd.resolve().as_uri() + "/"


def _apply(text: str, replacement: dict) -> str:
    lines = text.splitlines(keepends=True)

    def offset(line, col):
        return sum(map(len, lines[: line - 1])) + col - 1

    region = replacement["deletedRegion"]
    start = offset(region["startLine"], region["startColumn"])
    end = offset(region["endLine"], region["endColumn"])
    return text[:start] + replacement["insertedContent"]["text"] + text[end:]


def test_sarif_fixes_are_the_text_edits_fix_makes(cwd):
    (cwd / "web.json").write_text(WRAPPER)
    rep = report_for("web.json")
    results = json.loads(sarif(report_for("web.json")))["runs"][0]["results"]
    with_fixes = [(f, r) for f, r in zip(rep.findings, results) if f.fix is not None]
    assert [f.code for f, _ in with_fixes] == ["INIT001", "SIG001"]
    assert "fixes" not in results[2]  # SIG002 has no fix
    for finding, result in with_fixes:
        (change,) = result["fixes"][0]["artifactChanges"]
        (replacement,) = change["replacements"]
        assert _apply(WRAPPER, replacement) == rep.documents[0].edited(finding.fix.patch)
    assert results[1]["fixes"][0]["description"]["text"].startswith(with_fixes[1][0].fix.title)


def test_fingerprints_survive_moved_lines(cwd):
    (cwd / "web.json").write_text(WRAPPER)
    before = json.loads(sarif(report_for("web.json")))["runs"][0]["results"]
    moved = WRAPPER.replace('"family": "web",', '"family": "web",\n\n  "cpu": "256",\n  "memory": "512",')
    (cwd / "web.json").write_text(moved)
    after = json.loads(sarif(report_for("web.json")))["runs"][0]["results"]
    line = lambda r: r["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert [line(a) - line(b) for a, b in zip(after, before)] == [3, 3, 3]
    assert [r["partialFingerprints"] for r in after] == [r["partialFingerprints"] for r in before]
    assert len({r["partialFingerprints"]["ecsinitLint/v1"] for r in after}) == 3


ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"


def api_finding(message="`web` runs without an init") -> Finding:
    return Finding("INIT001", "missing-init-process", Severity.ERROR, message, Location(None, None, None, ARN),
                   "/containerDefinitions/0", ARN, "web", None)  # fmt: skip


def test_api_findings_get_a_logical_location():
    log = json.loads(sarif(Report([api_finding()], [], 0, lambda f: False)))
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"] == [{"logicalLocations": [{"fullyQualifiedName": ARN, "kind": "resource"}]}]


def test_github_commands_escape_data_and_properties(cwd):
    odd = cwd / "a:b,c%.json"
    odd.write_text(WRAPPER)
    rep = report_for(odd.name)
    first = github(rep).splitlines()[0]
    assert first.startswith("::error file=a%3Ab%2Cc%25.json,line=4,col=5,title=INIT001::`web` runs without")
    multi = github(Report([api_finding("50% of\r\nit: a, b")], [], 0, lambda f: False))
    assert multi == f"::error title=INIT001::{ARN}: 50%25 of%0D%0Ait: a, b\n"


# GitLab's Code Quality report: the fields GitLab reads (docs "Code Quality report format")
CODE_QUALITY = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
        },
    },
}


def test_gitlab_code_quality_report(cwd):
    (cwd / "infra").mkdir()
    (cwd / "infra" / "web.json").write_text(WRAPPER)
    (cwd / "broken.json").write_text('{"family": ')
    proc = run("check", "--format", "gitlab", "./infra/web.json", "broken.json", cwd=cwd)
    assert proc.returncode == 2 and proc.stderr == ""
    issues = json.loads(proc.stdout)
    jsonschema.Draft202012Validator(CODE_QUALITY).validate(issues)
    assert [
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    ] == [
        ("input-error", "critical", "broken.json", 1),
        ("INIT001", "major", "infra/web.json", 4),
        ("SIG001", "major", "infra/web.json", 10),
        ("SIG002", "minor", "infra/web.json", 18),
    ]
    assert issues[1]["description"].startswith("INIT001 `web` runs without an init")
    assert len({i["fingerprint"] for i in issues}) == 4


def test_gitlab_severities_and_api_findings():
    """Every severity maps to GitLab's scale, in order; an audit finding is located by its ARN."""
    scale = CODE_QUALITY["items"]["properties"]["severity"]["enum"]
    ranks = [scale.index(s.gitlab) for s in sorted(Severity)]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(Severity)
    findings = [api_finding(), api_finding("the same place again")]
    (first, second) = json.loads(gitlab(Report(findings, [], 1, lambda f: False)))
    assert first["location"] == {"path": ARN, "lines": {"begin": 1}}
    assert first["fingerprint"] != second["fingerprint"]  # unique in a report, as GitLab needs


def test_gitlab_fingerprints_survive_moved_lines(cwd):
    (cwd / "web.json").write_text(WRAPPER)
    before = json.loads(gitlab(report_for("web.json")))
    moved = WRAPPER.replace('"family": "web",', '"family": "web",\n\n  "cpu": "256",\n  "memory": "512",')
    (cwd / "web.json").write_text(moved)
    after = json.loads(gitlab(report_for("web.json")))
    assert [a["location"]["lines"]["begin"] - b["location"]["lines"]["begin"] for a, b in zip(after, before)] == [
        3,
        3,
        3,
    ]
    assert [a["fingerprint"] for a in after] == [b["fingerprint"] for b in before]
    (cwd / "web.json").write_text(WRAPPER.replace('"name": "web"', '"name": "api"'))
    renamed = json.loads(gitlab(report_for("web.json")))
    same = [r["fingerprint"] == b["fingerprint"] for r, b in zip(renamed, before)]
    assert same == [False, False, True]  # web's two findings are api's now; worker's stays


def test_junit_has_a_testcase_per_task_and_container(tmp_path):
    (tmp_path / "web.json").write_text(WRAPPER)
    (tmp_path / "good.json").write_text((ROOT / "examples" / "good.json").read_text())
    (tmp_path / "broken.json").write_text('{"family": ')
    proc = run("check", "--format", "junit", "good.json", "web.json", "broken.json", cwd=tmp_path)
    assert proc.returncode == 2
    root = ET.fromstring(proc.stdout)
    suites = {s.get("name"): s for s in root}
    assert list(suites) == ["good.json", "web.json", "broken.json"]
    cases = {c.get("name"): c for c in suites["web.json"]}
    assert list(cases) == ["web task definition", "web container web", "web container worker"]
    assert cases["web task definition"].find("failure") is None
    failure = cases["web container web"].find("failure")
    assert failure.get("type") == "INIT001, SIG001" and failure.text.count("\n") == 1
    assert suites["good.json"].get("failures") == "0" and suites["broken.json"].find("testcase/error") is not None
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "1")


def test_output_writes_the_format_and_prints_text(tmp_path):
    (tmp_path / "web.json").write_text(WRAPPER)
    proc = run("check", "--format", "sarif", "--output", "out/report.sarif", "web.json", cwd=tmp_path)
    assert proc.returncode == 2 and "out/report.sarif" in proc.stderr  # no such directory
    (tmp_path / "out").mkdir()
    proc = run("check", "--format", "sarif", "--output", "out/report.sarif", "web.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("web.json:4:5: INIT001 ") and "Found 3 findings" in proc.stdout
    log = json.loads((tmp_path / "out" / "report.sarif").read_text())
    assert len(log["runs"][0]["results"]) == 3


@pytest.mark.parametrize("command", [["check"], ["fix", "--write"]])
def test_known_formats_only_skips_other_files(tmp_path, command):
    (tmp_path / "settings.json5").write_text("// JSON5, not JSON\n{a: 1}\n")
    (tmp_path / "web.json").write_text(WRAPPER)
    assert run(*command, "settings.json5", cwd=tmp_path).returncode == 2
    skipped = run(*command, "--known-formats-only", "settings.json5", cwd=tmp_path)
    assert skipped.returncode == 0 and "error" not in skipped.stderr
    assert run(*command, "--known-formats-only", "settings.json5", "web.json", cwd=tmp_path).returncode == (
        1 if command == ["check"] else 0
    )


def test_readme_junit_example(tmp_path):
    (block,) = blocks("CI: GitHub Action and code scanning", "console")
    command = block.strip().removeprefix("$ ecsinit-lint ").split()
    (tmp_path / "infra" / "ecs").mkdir(parents=True)
    (tmp_path / "infra" / "ecs" / "web.json").write_text(WRAPPER)
    proc = run(*command, cwd=tmp_path)
    assert proc.returncode == 1 and "Found 3 findings" in proc.stdout
    report = ET.parse(tmp_path / command[command.index("--output") + 1]).getroot()
    assert report.get("tests") == "3" and report.get("failures") == "2"


def test_readme_gitlab_job(tmp_path):
    """The README's .gitlab-ci.yml job writes a valid report where its artifact names it."""
    from ruamel.yaml import YAML

    (block,) = blocks("CI: GitLab Code Quality", "yaml")
    job = YAML(typ="safe").load(block)["ecsinit-lint"]
    command = job["script"][-1].removeprefix("ecsinit-lint ").split()
    (tmp_path / "infra" / "ecs").mkdir(parents=True)
    (tmp_path / "infra" / "ecs" / "web.json").write_text(WRAPPER)
    proc = run(*command, cwd=tmp_path)
    assert proc.returncode == 1 and "Found 3 findings" in proc.stdout
    issues = json.loads((tmp_path / job["artifacts"]["reports"]["codequality"]).read_text())
    jsonschema.Draft202012Validator(CODE_QUALITY).validate(issues)
    assert [i["location"]["path"] for i in issues] == ["infra/ecs/web.json"] * 3


def _inputs() -> list[Path]:
    """Every file the project lints in its own tests, and the real corpus when it is here."""
    folders = [ROOT / "examples", ROOT / "tests" / "fixtures" / "iac", CORPUS]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file())


INPUTS = _inputs()
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)


def _well_formed(format: str, out: str) -> None:
    if format == "sarif":
        VALIDATOR.validate(json.loads(out))
    elif format in ("json", "gitlab"):
        json.loads(out)
    elif format == "junit":
        ET.fromstring(out)
    elif format == "github":
        assert all(line.startswith("::") for line in out.splitlines())


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_every_format_of_every_input_is_well_formed(path, format):
    """No traceback and no internal error on any file we have, in any format: a finding whose
    fix is no text edit (a module's container) has no SARIF fix instead."""
    result = CliRunner().invoke(app, ["check", "--no-cache", "--format", format, str(path)])
    assert result.exit_code in (0, 1, 2) and not isinstance(result.exception, Exception), result.exception
    assert "internal error" not in result.stderr
    if result.exit_code == 2:  # the file is no input we read: a clean error naming it
        assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: error: .+\n", result.stderr) or format != "text"
    _well_formed(format, result.stdout)


def test_sarif_omits_fixes_no_text_edit_makes(cwd):
    """A container of a Terraform module is no literal JSON: its fix is to make by hand, and
    SARIF, whose fixes are text replacements, has none for it (it used to raise FixError)."""
    shutil.copytree(ROOT / "tests" / "fixtures" / "iac" / "modules", cwd, dirs_exist_ok=True)
    rep = report_for("main.tf")
    results = json.loads(sarif(rep))["runs"][0]["results"]
    manual = [r for f, r in zip(rep.findings, results) if f.fix is not None and f.fix.applicability == "manual"]
    literal = [r for f, r in zip(rep.findings, results) if f.fix is not None and f.fix.applicability == "safe"]
    assert manual and all("fixes" not in r for r in manual)
    assert literal and all("fixes" in r for r in literal)


def test_junit_names_with_control_characters_are_well_formed(tmp_path):
    (tmp_path / "ctrl.json").write_text(
        '{"family": "c\\u001b", "containerDefinitions": [{"name": "a\\u0001b", "image": "x"}]}'
    )
    proc = run("check", "--format", "junit", "ctrl.json", cwd=tmp_path)
    assert proc.returncode == 1
    names = [c.get("name") for c in ET.fromstring(proc.stdout).iter("testcase")]
    assert names == ["c\ufffd task definition", "c\ufffd container a\ufffdb"]


ANY_TEXT = st.text(st.characters(codec=None), max_size=12)


@settings(max_examples=60, deadline=None)
@given(file=ANY_TEXT, task=ANY_TEXT, container=ANY_TEXT, message=ANY_TEXT, error=ANY_TEXT)
def test_any_text_in_names_and_messages_gives_well_formed_reports(file, task, container, message, error):
    """Whatever a file names its things (control characters, lone surrogates, U+FFFF), JUnit is
    well-formed XML, SARIF valid against its schema once written as the CLI writes it, and each
    GitHub command and each text finding one line."""
    finding = Finding("INIT001", "missing-init-process", Severity.ERROR, message, Location(file or "-", 1, 1, task),
                      "/containerDefinitions/0", task, container, None)  # fmt: skip
    rep = Report([finding], [InputError(file or "-", error)], 1, lambda f: False)
    written = lambda text: text.encode("utf-8", "backslashreplace").decode("utf-8")  # noqa: E731
    ET.fromstring(written(junit(rep)))
    VALIDATOR.validate(json.loads(written(sarif(rep))))
    assert len(github(rep).split("\n")) == 3
    out = text(rep)  # the finding's line and the summary, nothing forged
    assert out.count("\n") == 2 and "\x1b" not in out and "\r" not in out
