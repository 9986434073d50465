"""The fix loop: fixes that undo each other are found and left to do by hand, every fix reported
changed the text, and fixing again changes nothing (trust report F5); INIT001's fix of an explicit
`initProcessEnabled: false` is unsafe (F6)."""

from __future__ import annotations

import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from typer.testing import CliRunner

from ecsinit_lint.cli import app as cli
from ecsinit_lint.core.findings import Applicability, Fix, Severity, Violation
from ecsinit_lint.engine.registry import Rule, Selection
from ecsinit_lint.fix.fixer import fix, key
from ecsinit_lint.inputs.sources import load

RULES = Selection().rules()

FLIP = """\
Parameters:
  Mode: {Type: String}
Conditions:
  UseS6: !Equals [!Ref Mode, s6]
Resources:
  T:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: x
          EntryPoint: !If [UseS6, ["/init"], ["node", "server.js"]]
          LinuxParameters:
            InitProcessEnabled: true
"""
NOTE = (":14:33: note: Set LinuxParameters.InitProcessEnabled to false only in the `Fn::If` branches whose argv is "
        "`/init` in `app` by hand (not literal here)")  # fmt: skip


def run(*args):
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_init001_and_init002_on_one_value_under_fn_if(tmp_path):
    """INIT002 would set the value false for the `/init` branch, which the other branch needs true:
    its fix, judged on both views, is by hand (the fix loop would also find INIT001 undoing it)."""
    path = tmp_path / "flip.yaml"
    path.write_text(FLIP)
    result = run("check", path)
    assert "[*]" not in result.stdout and "takes its second branch the argv has no init of its own" in result.stdout
    for unsafe in ([], ["--unsafe-fixes"]):
        result = run("fix", "--diff", *unsafe, path)
        assert (result.exit_code, result.stdout) == (0, ""), result.output  # no diff: exit 0
        assert result.stderr == f"{path}{NOTE}\nwould fix 0 files; 1 finding left\n"
        result = run("fix", "--write", *unsafe, path)
        assert result.exit_code == 0 and result.stderr.endswith("fixed 0 files; 1 finding left\n")
        assert path.read_text() == FLIP


def test_explicit_false_is_an_unsafe_fix(tmp_path):
    data = {"family": "s6", "containerDefinitions": [
        {"name": "a", "image": "x", "command": ["node", "s.js"], "linuxParameters": {"initProcessEnabled": False}}]}  # fmt: skip
    path = tmp_path / "td.json"
    path.write_text(json.dumps(data))
    result = run("check", "--format", "json", path)
    (finding,) = json.loads(result.stdout)["findings"]
    assert finding["code"] == "INIT001" and finding["fix"]["applicability"] == "unsafe"
    assert "explicit false is the usual opt-out" in finding["message"]
    assert run("fix", "--write", path).exit_code == 0 and json.loads(path.read_text()) == data
    assert run("fix", "--write", "--unsafe-fixes", path).exit_code == 0
    assert json.loads(path.read_text())["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": True}


# ---- the mechanism, with rules made to fight: the next pair of real rules that does is caught too ----


def _setter(code: str, want, to, applicability=Applicability.SAFE) -> Rule:
    """A rule that finds /x equal to `want` and sets it to `to`."""

    def check(task):
        if task.data.get("x") == want:
            patch = [{"op": "test", "path": "/x", "value": want}, {"op": "replace", "path": "/x", "value": to}]
            yield Violation("/x", f"x is {want}", None, Fix(f"Set x to {to}", patch, applicability))

    return Rule(code, code.lower(), Severity.ERROR, "always", check)


def _doc(x):
    text = json.dumps({"family": "f", "x": x, "containerDefinitions": [{"name": "a", "image": "i"}]}, indent=2)
    return load("td.json", text.encode())


def _fix_twice(doc, rules, unsafe=False):
    conflicts: dict = {}
    fixed, done = fix(doc, rules, unsafe, conflicts)
    assert bool(done) == (fixed.text != doc.text), "a fix reported that changed nothing, or one not reported"
    again, more = fix(fixed, rules, unsafe)
    assert not more and again.text == fixed.text, "fixing twice changed something"
    return fixed, done, conflicts


def test_two_fixes_that_set_one_value_back_and_forth():
    fixed, done, conflicts = _fix_twice(_doc("a"), [_setter("X1", "a", "b"), _setter("X2", "b", "a")])
    assert fixed.data["x"] == "a" and not done
    assert {k[0] for k in conflicts} == {"X1", "X2"} and set(conflicts.values()) == {"the fixes of X2 and X1 conflict"}


def test_an_unsafe_fix_that_would_undo_a_safe_one_makes_both_manual():
    fixed, done, conflicts = _fix_twice(
        _doc("a"), [_setter("X1", "a", "b"), _setter("X2", "b", "a", Applicability.UNSAFE)]
    )
    assert fixed.data["x"] == "a" and not done and {k[0] for k in conflicts} == {"X1", "X2"}


def test_a_longer_cycle_and_a_fix_that_changes_nothing():
    cycle = [_setter("X1", "a", "b"), _setter("X2", "b", "c"), _setter("X3", "c", "a")]
    fixed, done, conflicts = _fix_twice(_doc("a"), cycle)
    assert fixed.data["x"] == "a" and not done and {k[0] for k in conflicts} >= {"X1", "X3"}  # X3 undoes X1
    fixed, done, conflicts = _fix_twice(_doc("a"), [_setter("X1", "a", "a")])
    assert not done and {k[0] for k in conflicts} == {"X1"}


def test_a_conflict_keeps_the_fixes_that_do_not_take_part():
    rules = [_setter("X1", "a", "b"), _setter("X2", "b", "a"), _setter("X3", "q", "r")]
    doc = load("td.json", json.dumps({"family": "f", "x": "a", "y": 1, "containerDefinitions": []}).encode())
    rules.append(Rule("Y1", "y", Severity.ERROR, "always", lambda task: [
        Violation("/y", "y", None, Fix("Set y", [{"op": "test", "path": "/y", "value": 1},
                                                 {"op": "replace", "path": "/y", "value": 2}]))] if task.data["y"] == 1 else []))  # fmt: skip
    fixed, done, conflicts = _fix_twice(doc, rules)
    assert (fixed.data["x"], fixed.data["y"]) == ("a", 2) and [f.code for f in done] == ["Y1"]
    assert {k[0] for k in conflicts} == {"X1", "X2"}


# ---- property: on templates where `Fn::If` splits what the rules see, fix converges ----

ARGVS = [["/init"], ["/sbin/init"], ["node", "server.js"], ["tini", "--", "app"], ["sh", "-c", "./migrate && node s.js"],
         ["su", "app", "-c", "exec ./w"], ["s6-svscan", "/etc/s6"], ["/usr/bin/dumb-init", "--", "app"]]  # fmt: skip


def _maybe_if(values):
    return values | st.tuples(values, values).map(lambda ab: {"Fn::If": ["C", ab[0], ab[1]]})


containers = st.fixed_dictionaries(
    {"Name": st.sampled_from(["app", "web"]), "Image": st.just("x")},
    optional={
        "EntryPoint": _maybe_if(st.sampled_from(ARGVS)),
        "Command": _maybe_if(st.sampled_from(ARGVS)),
        "LinuxParameters": _maybe_if(
            st.fixed_dictionaries({}, optional={"InitProcessEnabled": _maybe_if(st.booleans())})
        ),
    },
)
templates = st.builds(
    lambda cs, pid: {
        "Conditions": {"C": {"Fn::Equals": ["a", "b"]}},
        "Resources": {"T": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": cs, **pid}}},
    },  # fmt: skip
    st.lists(containers, min_size=1, max_size=2, unique_by=lambda c: c["Name"]),
    st.sampled_from([{}, {"PidMode": "task"}, {"PidMode": {"Fn::If": ["C", "task", {"Ref": "AWS::NoValue"}]}}]),
)


def _text(data, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    out = io.StringIO()
    YAML().dump(data, out)
    return out.getvalue()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates, st.sampled_from(["json", "yaml"]), st.booleans())
def test_fix_converges_and_reports_only_what_changed(data, fmt, unsafe):
    doc = load(f"template.{fmt}", _text(data, fmt).encode())
    fixed, done, conflicts = _fix_twice(doc, RULES, unsafe)  # valid input: no refusal either
    assert not {key(f) for f in done} & conflicts.keys(), "a conflicting fix was applied"


BLOCK = """\
Resources:
  T:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
      - Command:
        - /init
        Image: x
        EntryPoint: # tini is redundant
        - tini
        - --
        - app
        LinuxParameters:
          InitProcessEnabled: true
        Name: app
"""


def test_yaml_block_lists_replaced_and_a_first_key_removed():
    """A list at its key's column is replaced by a flow list (not at that column: unreadable), the
    first key of a list item is removed (the next one moves up to the dash)."""
    fixed, _ = fix(load("t.yaml", BLOCK.encode()), RULES, unsafe=True)
    assert fixed.text == BLOCK.replace("- Command:\n        - /init\n        Image", "- Image").replace(
        "- tini\n        - --\n        - app", ' ["app", "/init"]'
    )


def _patcher(code: str, patch: list[dict]) -> Rule:
    """A rule that finds every task and fixes it with `patch` while /x is "a"."""
    return Rule(code, code.lower(), Severity.ERROR, "always", lambda task: [
        Violation("/x", "x", None, Fix(code, patch))] if task.data["x"] == "a" else [])  # fmt: skip


def test_a_patch_that_fails_part_way_changes_nothing():
    """Patches apply in place on one copy per round: one whose later op fails leaves no trace, one
    whose test fails after an earlier fix of the round waits (here: is gone next round), and the
    document read stays as it was."""
    doc = _doc("a")
    data = json.loads(json.dumps(doc.data))
    broken = _patcher("X1", [{"op": "add", "path": "/containerDefinitions/0/y", "value": 1},
                             {"op": "replace", "path": "/containerDefinitions/0/missing/z", "value": 2}])  # fmt: skip
    late_test = _patcher("X3", [{"op": "add", "path": "/containerDefinitions/0/w", "value": 3},
                                {"op": "test", "path": "/x", "value": "a"}])  # fmt: skip
    fixed, done = fix(doc, [broken, _setter("X2", "a", "b"), late_test])
    assert doc.data == data and [f.code for f in done] == ["X2"]
    assert fixed.data == {**data, "x": "b"}
