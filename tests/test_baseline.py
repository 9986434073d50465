"""Baselines: recorded findings stop failing the run, by file, task, container and code."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from ecsinit_lint.batch import baseline
from ecsinit_lint.cli.app import app
from ecsinit_lint.engine.linter import lint
from ecsinit_lint.engine.registry import Selection
from ecsinit_lint.inputs.sources import load


def container(name, **extra):
    return {"name": name, "image": "debian", "command": ["./server"], **extra}


def write_td(path: Path, *containers, family="app"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"family": family, "containerDefinitions": list(containers)}, indent=2) + "\n")


def run(tmp_path, monkeypatch, *args):
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(app, ["check", *args])


def test_write_then_check_passes_and_is_sorted_and_stable(tmp_path, monkeypatch):
    write_td(tmp_path / "svc" / "b.json", container("web"), container("api"))
    write_td(tmp_path / "svc" / "a.json", container("db"), family="data")
    written = run(tmp_path, monkeypatch, "svc", "--write-baseline", "ecsinit-baseline.json")
    assert (written.exit_code, written.stderr) == (0, "wrote 3 findings to ecsinit-baseline.json\n")
    first = (tmp_path / "ecsinit-baseline.json").read_text()
    assert json.loads(first) == {"version": 1, "findings": [
        {"file": "svc/a.json", "task": "data", "container": "db", "code": "INIT001", "count": 1},
        {"file": "svc/b.json", "task": "app", "container": "api", "code": "INIT001", "count": 1},
        {"file": "svc/b.json", "task": "app", "container": "web", "code": "INIT001", "count": 1}]}  # fmt: skip
    run(tmp_path, monkeypatch, "svc", "--write-baseline", "ecsinit-baseline.json")
    assert (tmp_path / "ecsinit-baseline.json").read_text() == first
    checked = run(tmp_path, monkeypatch, "svc", "--baseline", "ecsinit-baseline.json")
    assert checked.exit_code == 0 and "No findings in 2 files" in checked.stdout
    assert checked.stderr == "3 findings in the baseline not shown; 0 no longer found\n"


def test_edits_elsewhere_do_not_resurface_a_known_finding(tmp_path, monkeypatch):
    write_td(tmp_path / "td.json", container("web"))
    run(tmp_path, monkeypatch, "td.json", "--write-baseline", "base.json")
    data = json.loads((tmp_path / "td.json").read_text())
    data["cpu"], data["memory"] = "256", "512"
    data["containerDefinitions"].insert(0, container("init", linuxParameters={"initProcessEnabled": True}))
    (tmp_path / "td.json").write_text(json.dumps(data, indent=4))  # every line moved
    assert run(tmp_path, monkeypatch, "td.json", "--baseline", "base.json").exit_code == 0


def test_a_new_finding_fails_and_a_fixed_one_is_counted_as_gone(tmp_path, monkeypatch):
    write_td(tmp_path / "td.json", container("web"))
    run(tmp_path, monkeypatch, "td.json", "--write-baseline", "base.json")
    write_td(tmp_path / "td.json", container("web", linuxParameters={"initProcessEnabled": True}), container("worker"))
    result = run(tmp_path, monkeypatch, "td.json", "--baseline", "base.json")
    assert result.exit_code == 1 and "`worker` runs without an init" in result.stdout and "`web`" not in result.stdout
    assert result.stderr == "0 findings in the baseline not shown; 1 no longer found\n"


def test_counts_let_one_more_of_the_same_key_through(tmp_path):
    write_td(tmp_path / "td.json", container("web"))
    (finding,) = lint(load(str(tmp_path / "td.json"), (tmp_path / "td.json").read_bytes()), Selection().rules())
    path = str(tmp_path / "base.json")
    (tmp_path / "base.json").write_text(baseline.dumps([finding], path))
    again = replace(
        finding, location=replace(finding.location, line=finding.location.line + 10), message="worded differently"
    )
    new, old, gone = baseline.split([finding, again], baseline.load(path), path)
    assert (new, old, gone) == ([again], [finding], 0)


def test_library_keys_use_the_baseline_directory(tmp_path):
    write_td(tmp_path / "deploy" / "td.json", container("web"))
    doc = load(str(tmp_path / "deploy" / "td.json"), (tmp_path / "deploy" / "td.json").read_bytes())
    findings = lint(doc, Selection().rules())
    text = baseline.dumps(findings, str(tmp_path / "ci" / "baseline.json"))
    assert json.loads(text)["findings"][0]["file"] == "../deploy/td.json"
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "baseline.json").write_text(text)
    new, old, gone = baseline.split(
        findings, baseline.load(str(tmp_path / "ci" / "baseline.json")), str(tmp_path / "ci" / "baseline.json")
    )
    assert (new, len(old), gone) == ([], 1, 0)


def test_bad_baseline_is_one_line_exit_2(tmp_path):
    write_td(tmp_path / "td.json", container("web"))
    (tmp_path / "base.json").write_text('{"findings": [}')
    (tmp_path / "other.json").write_text('{"findings": []}')
    for name, message in [("base.json", "base.json:1:15: error: invalid JSON: Expecting value\n"),
                          ("other.json", "other.json:1:1: error: not an ecsinit-lint baseline (version 1); "
                                         "write one with --write-baseline\n"),
                          ("missing.json", "missing.json:1:1: error: No such file or directory\n")]:  # fmt: skip
        proc = subprocess.run([sys.executable, "-m", "ecsinit_lint", "check", "td.json", "--baseline", name],
                              cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
        assert (proc.returncode, proc.stderr) == (2, message)
