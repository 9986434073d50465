"""Properties over generated task definitions (tests/strategies.py): `check` never raises, and
`fix` is a valid RFC 6902 patch that is idempotent, clears what it fixed and touches nothing else;
CloudFormation YAML (and the same template as JSON) is read, fixed and fixed again alike."""

from __future__ import annotations

import json

import jsonpatch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsinit_lint.analysis import shell
from ecsinit_lint.cli import app as cli
from ecsinit_lint.core.pointer import split_pointer
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.errors import FixError, InputError
from ecsinit_lint.fix.fixer import fix
from ecsinit_lint.inputs.sources import load

from .strategies import cfn_yaml_templates, json_values, task_definitions, terraform_files

RULES = Selection().rules()
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
layouts = st.sampled_from([None, 2, 4, "\t"])


def _load(data, indent, crlf=False):
    text = json.dumps(data, indent=indent, ensure_ascii=False) + "\n"
    return load("taskdef.json", (text.replace("\n", "\r\n") if crlf else text).encode())


@SETTINGS
@given(st.one_of(task_definitions(), json_values), layouts)
def test_check_never_raises(data, indent):
    doc = _load(data, indent)
    for finding in lint(doc, RULES) if doc else ():
        assert finding.location.line >= 1 and finding.location.column >= 1


@SETTINGS
@given(task_definitions(), st.binary(max_size=8), st.integers(0, 2000))
def test_cli_never_tracebacks_on_corrupted_text(tmp_path_factory, data, junk, at):
    text = json.dumps(data, indent=2).encode()
    path = tmp_path_factory.mktemp("corrupt") / "taskdef.json"
    path.write_bytes(text[:at] + junk + text[at:])
    result = CliRunner().invoke(cli.app, ["check", str(path)])
    assert result.exit_code in (0, 1, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def _anchor(tokens: list[str], data) -> list[str]:
    """Where a patch op at `tokens` may change `data`: the member itself, or a whole array
    (inserting or removing an element shifts the ones after it)."""
    node = data
    for n, token in enumerate(tokens):
        if isinstance(node, list):
            return tokens[:n]
        if not isinstance(node, dict) or token not in node:
            return tokens[: n + 1]
        node = node[token]
    return tokens


def _masked(data, anchors):
    """`data` with the value at each anchor replaced by a marker (added where it is absent)."""
    data = json.loads(json.dumps(data))
    for tokens in sorted(anchors, key=len):
        parent = data
        for token in tokens[:-1]:
            parent = parent.get(token) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent[tokens[-1]] = "<patched>"
        elif not tokens:
            return "<patched>"
    return data


@SETTINGS
@given(task_definitions(), layouts, st.booleans())
def test_fix_is_a_clean_idempotent_patch(data, indent, crlf):
    doc = _load(data, indent, crlf)
    assume(doc is not None)  # a mutation can make it no task definition
    fixed, done = _fix_properties(doc)
    ops = [op for f in done for op in f.fix.patch]
    anchors = [_anchor(split_pointer(op["path"]), doc.data) for op in ops if op["op"] != "test"]
    assert _masked(doc.data, anchors) == _masked(fixed.data, anchors), "fix changed something it did not patch"
    assert ("\r\n" in fixed.text) == crlf or "\n" not in fixed.text


STYLES = [{"separators": (",", ":")}, {}, {"indent": 2}, {"indent": 4}, {"indent": "\t"},
          {"indent": 2, "separators": (",", " : ")}]  # fmt: skip


@SETTINGS
@given(task_definitions(), st.sampled_from(STYLES))
def test_fix_writes_in_the_files_style(data, style):
    """What a fix writes is in the file's layout and separators: the fixed file is what formatting
    the fixed data in the style of the original gives (a compact file stays compact, a new member
    of an indented file is on its own line at its siblings' indentation)."""
    doc = load("taskdef.json", (json.dumps(data, ensure_ascii=False, **style) + "\n").encode())
    assume(doc is not None)
    fixed, done = fix(doc, RULES, unsafe=True)
    assert fixed.text == json.dumps(fixed.data, ensure_ascii=False, **style) + "\n"


def _fix_properties(doc):
    """Fixes apply, say what they did, clear what they fixed and converge."""
    try:
        fixed, done = fix(doc, RULES, unsafe=True)
    except FixError as exc:
        raise AssertionError(f"fix refused: {exc}\n{doc.text}") from exc
    ops = [op for f in done for op in f.fix.patch]
    assert jsonpatch.apply_patch(doc.data, ops) == fixed.data, "the patches do not say what fix did"
    again, more = fix(fixed, RULES, unsafe=True)
    assert not more and again.text == fixed.text, "fixing twice changed something"
    left = {(f.code, f.pointer) for f in lint(fixed, RULES)}
    assert not left & {(f.code, f.pointer) for f in done}, "a fixed finding is still there"
    return fixed, done


@SETTINGS
@given(cfn_yaml_templates())
def test_cloudformation_yaml_and_json_check_and_fix(template):
    try:
        doc = load("template.yaml", template.encode())
    except InputError as exc:
        raise AssertionError(f"generated YAML read as broken: {exc}\n{template}") from exc
    if doc is None:
        return
    for finding in lint(doc, RULES):
        assert finding.location.line >= 1 and finding.location.column >= 1
    fixed, _ = _fix_properties(doc)
    assert fixed.text.endswith("\n") == template.endswith("\n")
    if isinstance(doc.data, dict):  # one document: the same template as JSON
        as_json = load("template.json", json.dumps(doc.data, indent=2).encode())
        assert {(f.code, f.pointer) for f in lint(as_json, RULES)} == {(f.code, f.pointer) for f in lint(doc, RULES)}
        _fix_properties(as_json)


# ---- Terraform --------------------------------------------------------------------------------


def _terraform(tmp_path_factory, files: dict[str, str]):
    """The generated files written out, and the document of main.tf or plan.json (None when it
    holds no task definition); an InputError must be one of the kinds a bad input gets."""
    folder = tmp_path_factory.mktemp("tf")
    for name, text in files.items():
        (folder / name).write_text(text)
    path = folder / ("main.tf" if "main.tf" in files else "plan.json")
    try:
        return load(str(path), path.read_bytes())
    except InputError as exc:
        assert "cannot read" in exc.message and exc.message.endswith("its containers are not linted"), exc.message
        return None


@SETTINGS
@given(terraform_files())
def test_terraform_check_never_raises(tmp_path_factory, files):
    doc = _terraform(tmp_path_factory, files)
    containers = [c for task in doc.tasks for c in task.containers] if doc else []
    for finding in lint(doc, RULES) if doc else ():
        assert finding.location.line >= 1 and finding.location.column >= 1
        inside = [c for c in containers if finding.pointer.startswith(c.pointer + "/")]
        assert not finding.code.startswith("TD") or finding.container == (inside[0].name if inside else None)


@SETTINGS
@given(terraform_files())
def test_terraform_fix_applies_clears_what_it_fixed_and_converges(tmp_path_factory, files):
    doc = _terraform(tmp_path_factory, files)
    assume(doc is not None)
    fixed, done = _fix_properties(doc)
    assert all(f.fix.applicability != "manual" for f in done)
    assert load(doc.path, fixed.text.encode()).data == fixed.data  # still HCL, read as fix said


@SETTINGS
@given(terraform_files(), st.binary(max_size=6), st.integers(0, 3000))
def test_terraform_cli_never_tracebacks_on_corrupted_text(tmp_path_factory, files, junk, at):
    files = {name: (text.encode()[:at] + junk + text.encode()[at:]).decode("utf-8", "replace") if name in ("main.tf", "plan.json") else text
             for name, text in files.items()}  # fmt: skip
    folder = tmp_path_factory.mktemp("tf-corrupt")
    for name, text in files.items():
        (folder / name).write_text(text)
    for command in (["check"], ["fix", "--diff"]):
        result = CliRunner().invoke(cli.app, [*command, str(folder)])
        assert result.exit_code in (0, 1, 2)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output and "Token(" not in result.output


_wrapper = st.sampled_from([["env"], ["/usr/bin/env", "-i", "A=1"], ["gosu", "app"], ["su-exec", "1000:1000"],
                            ["setpriv", "--reuid=1000"], ["setpriv", "--regid", "0", "--"],
                            ["chpst", "-u", "app"], ["chpst", "-v", "-b", "x"], ["nohup"]])  # fmt: skip


@SETTINGS
@given(st.lists(_wrapper, max_size=3), st.sampled_from(sorted(shell.PID1_ONLY)), st.booleans())
def test_what_must_be_pid1_is_seen_behind_exec_wrappers(wrappers, program, in_script):
    """Wrappers that exec keep PID 1: the program they run is PID 1, in argv or after `exec`."""
    argv = [w for wrapper in wrappers for w in wrapper] + [program]
    if in_script:
        argv = ["sh", "-c", "exec " + " ".join(argv)]
    assert shell.analyse(argv).pid1 == shell.PID1_ONLY[program]
