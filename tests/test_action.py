"""action.yml: well-formed, and its steps run as the runner runs them, with the inputs the
README's workflow gives."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from .readme import blocks

ROOT = Path(__file__).parents[1]
ACTION_TEXT = (ROOT / "action.yml").read_text()
ACTION = YAML(typ="safe").load(ACTION_TEXT)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def test_action_is_well_formed():
    assert {"name", "description", "inputs", "runs"} <= ACTION.keys()
    assert ACTION["runs"]["using"] == "composite"
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash" and step["run"].strip() and step["name"]
    for name, spec in ACTION["inputs"].items():
        assert spec["description"] and isinstance(spec.get("default"), str), name
    used = {m.group(1) for m in EXPRESSION.finditer(ACTION_TEXT)}
    assert used == {f"inputs.{name}" for name in ACTION["inputs"]} | {"github.action_path"}


def _substitute(text: str, inputs: dict) -> str:
    def value(m):
        expr = m.group(1)
        if expr == "github.action_path":
            return str(ROOT)
        return str(inputs[expr.removeprefix("inputs.")])

    return EXPRESSION.sub(value, text)


def run_step(step: dict, inputs: dict, workspace: Path, runner_temp: Path, **extra_env) -> subprocess.CompletedProcess:
    """A step as the runner runs it: expressions substituted, `bash -e -o pipefail` on a file."""
    inputs = {name: spec["default"] for name, spec in ACTION["inputs"].items()} | inputs
    script = runner_temp / "step.sh"
    script.write_text(_substitute(step["run"], inputs))
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_WORKSPACE": str(workspace), **extra_env}
    env |= {k: _substitute(v, inputs) for k, v in step.get("env", {}).items()}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                          env=env, capture_output=True, text=True)  # fmt: skip


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory, offline_pip):
    """The runner's RUNNER_TEMP after the install step, which runs once: the steps after it run
    once per test."""
    temp = tmp_path_factory.mktemp("runner-temp")
    install, *_ = ACTION["runs"]["steps"]
    proc = run_step(install, {}, temp, temp, **offline_pip)
    assert proc.returncode == 0, proc.stderr
    return temp


def run_action(inputs: dict, workspace: Path, runner_temp: Path) -> subprocess.CompletedProcess:
    _, *steps = ACTION["runs"]["steps"]
    for step in steps:
        proc = run_step(step, inputs, workspace, runner_temp)
        if proc.returncode:
            break
    return proc


def test_readme_workflow_annotates_and_writes_sarif(tmp_path, runner_temp):
    (block,) = blocks("CI: GitHub Action and code scanning", "yaml")
    steps = YAML(typ="safe").load(block)["jobs"]["ecsinit-lint"]["steps"]
    (ours,) = [s for s in steps if s.get("uses", "").startswith("ecsinit-lint/ecsinit-lint@")]
    (upload,) = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    assert "failure()" in upload["if"]
    ecs = tmp_path / ours["with"]["paths"]
    ecs.mkdir(parents=True)
    (ecs / "zabbix.json").write_text((ROOT / "examples" / "zabbix-server.json").read_text())
    (ecs / "good.json").write_text((ROOT / "examples" / "good.json").read_text())

    proc = run_action(ours["with"], tmp_path, runner_temp)
    assert proc.returncode == 1, proc.stderr
    path = ours["with"]["paths"] + "/zabbix.json"
    assert proc.stdout.startswith(f"::error file={path},line=8,col=5,title=INIT001::`zabbix-server` runs")
    log = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text())
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path


def test_inputs_set_format_fail_on_and_sarif(tmp_path, runner_temp):
    (tmp_path / "ecs").mkdir()
    (tmp_path / "ecs" / "good.json").write_text((ROOT / "examples" / "good.json").read_text())
    clean = run_action({"paths": "ecs/good.json", "format": "text"}, tmp_path, runner_temp)
    assert (clean.returncode, clean.stdout) == (0, "No findings in 1 file\n")
    assert not list(tmp_path.rglob("*.sarif"))

    wrapper = json.loads((ROOT / "examples" / "shell-wrapper.json").read_text())
    worker = {"family": "worker", "containerDefinitions": wrapper["containerDefinitions"][1:]}
    (tmp_path / "worker.json").write_text(json.dumps(worker))  # SIG002, a warning, only
    inputs = {"paths": "ecs\nworker.json", "format": "json", "sarif": "out.sarif"}
    at_error = run_action(inputs, tmp_path, runner_temp)
    assert at_error.returncode == 0, at_error.stderr
    assert [f["code"] for f in json.loads(at_error.stdout)["findings"]] == ["SIG002"]
    (result,) = json.loads((tmp_path / "out.sarif").read_text())["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("SIG002", "warning")
    assert run_action(inputs | {"fail-on": "warning"}, tmp_path, runner_temp).returncode == 1

    missing = run_action({"paths": "nowhere.json", "sarif": "out.sarif"}, tmp_path, runner_temp)
    assert missing.returncode == 2 and "nowhere.json:1:1: error: No such file or directory" in missing.stderr
