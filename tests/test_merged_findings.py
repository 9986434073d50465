"""INIT005 is said once per container: inside INIT001's message when INIT001 runs, on its own
when INIT001 is not selected (registry `merged_into`)."""

import json

from typer.testing import CliRunner

from ecsinit_lint.cli.app import app

TASK = {
    "family": "db",
    "containerDefinitions": [
        {"name": "db", "image": "crate:5", "command": ["crate"],
         "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:4200 || exit 1"]}},
        {"name": "web", "image": "nginx", "command": ["nginx", "-g", "daemon off;"]},
    ],
}  # fmt: skip


def _findings(tmp_path, *args):
    path = tmp_path / "task.json"
    path.write_text(json.dumps(TASK, indent=2))
    result = CliRunner().invoke(app, ["check", "--format", "json", *args, str(path)])
    assert result.exit_code in (0, 1), result.output
    return [(f["code"], f["container"], f["message"]) for f in json.loads(result.stdout)["findings"]]


def test_init001_carries_the_health_check(tmp_path):
    found = _findings(tmp_path, "--select", "INIT")
    assert [(code, name) for code, name, _ in found] == [("INIT001", "db"), ("INIT001", "web")]
    messages = {name: message for _, name, message in found}
    assert "`CMD-SHELL` health-check probe" in messages["db"]
    assert "health-check" not in messages["web"]


def test_init005_reports_when_init001_is_ignored(tmp_path):
    found = _findings(tmp_path, "--ignore", "INIT001")
    assert [(code, name) for code, name, _ in found] == [("INIT005", "db")]
